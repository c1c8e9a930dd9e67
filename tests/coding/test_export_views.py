"""The export page: the choices, the live count, the anonymity review, starting a job, its row and its file."""

import copy
import datetime
import io
import re

import docx
import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from coding.exports import jobs
from coding.exports.forms import ExportForm
from coding.exports.options import ExportOptions
from coding.exports.quotes import collect
from coding.models import ExportJob, WatchName
from coding.services import excerpt_create
from interviews.importers import parse_file
from interviews.services import NewParticipant, transcript_import
from planner.models import Document, Membership, Plan
from planner.services import membership_set

COUNTY_QUOTE = "Vi i Agder samarbeider tett med Nav om kvalifisering."
TOWN_QUOTE = "Kommunene rundt Kristiansand trenger mer veiledning."
PLAIN_QUOTE = "Flyktninger bosettes helst i de store kommunene."
PLAN_QUOTE = "Planen omtaler integrering av flyktninger."
ENGLISH = (settings.LANGUAGE_COOKIE_NAME, "en")


def interview(project, user, county_name, speeches, title):
    """A transcript where one adviser in integration says each of `speeches`, after an interviewer."""
    lines = ["[00:00:05] Kari: Velkommen til intervjuet."]
    lines += [f"[00:{10 + n:02d}:00] Ola: {speech}" for n, speech in enumerate(speeches)]
    parsed = parse_file("intervju.txt", "\n".join(lines).encode())
    mapping = {"Kari": NewParticipant(label=f"Intervjuer {county_name}", role="interviewer"),
               "Ola": NewParticipant(label=f"Informant {county_name}", role="advisor", field="integration")}
    return transcript_import(project=project, user=user, parsed=parsed, mapping=mapping, title=title,
                             county=project.counties.get(name=county_name), interview_format="group_interview",
                             date=datetime.date(2025, 2, 12))


def code(document, phrase, user, themes, **kwargs):
    start = document.text.index(phrase)
    return excerpt_create(document=document, start=start, end=start + len(phrase), coder=user, themes=themes,
                          **kwargs)


def export_study(project, analyst, lead):
    """Quotes on the first three themes: two hold a watched name (a county, a municipality), two hold none."""
    themes = list(project.themes.order_by("position")[:3])
    WatchName.objects.get_or_create(project=project, name="Agder", defaults={"kind": "county"})
    WatchName.objects.get_or_create(project=project, name="Kristiansand", defaults={"kind": "municipality"})
    agder = interview(project, analyst, "Agder", [COUNTY_QUOTE, TOWN_QUOTE, PLAIN_QUOTE], "Gruppeintervju Agder")
    troms = project.counties.get(name="Troms")
    plan_doc = Document.objects.create(project=project, kind="plan", county=troms, title="Regional planstrategi",
                                       plan=Plan.objects.filter(county=troms).order_by("pk").first(),
                                       text=f"Innledning.\n\n{PLAN_QUOTE}\n", page_starts=[0, 13])
    return {
        "themes": themes,
        "county": code(agder, COUNTY_QUOTE, analyst, themes[:1]),
        "town": code(agder, TOWN_QUOTE, analyst, themes[1:2]),
        "plain": code(agder, PLAIN_QUOTE, lead, themes[:2], is_key=True),
        "plan": code(plan_doc, PLAN_QUOTE, analyst, themes[2:3]),
    }


def form_data(project, **changes):
    """What the untouched export page submits: every theme and county, internal attribution, Word."""
    data = {
        "themes": [str(t.pk) for t in project.themes.all()],
        "counties": [str(c.pk) for c in project.counties.all()],
        "sources": "both", "coder": "", "attribution": "internal", "format": "docx", "grouping": "theme",
        "summaries": "on", "language": "nb",
    }
    data.update(changes)
    return {name: value for name, value in data.items() if value is not None}


def paragraphs(content):
    return [p.text for p in docx.Document(io.BytesIO(content)).paragraphs]


def page_url(project, name="coding:export", *args):
    return reverse(name, args=[project.slug, *args])


# One study for the whole module, built once (tests/conftest.py `module_study`); each test's changes are
# rolled back after it, and each test gets its own copy of the objects in memory.
pytestmark = pytest.mark.usefixtures("module_study")


@pytest.fixture(scope="module", autouse=True)
def shared(module_study):
    project, analyst, lead = module_study.project, module_study.analyst, module_study.lead
    return export_study(project, analyst, lead)


@pytest.fixture
def study(shared, db):
    return copy.deepcopy(shared)


# --- The page -------------------------------------------------------------------------------------------


def test_it_shows_every_theme_in_codebook_order_chosen_and_the_count_of_all_quotes(client, project, viewer, study):
    client.force_login(viewer)
    response = client.get(page_url(project))
    assert response.status_code == 200
    form = response.context["form"]
    shown = [theme.pk for _pk, theme in form.fields["themes"].choices]
    assert shown == list(project.themes.order_by("archived", "position", "name").values_list("pk", flat=True))
    assert set(form["themes"].initial) == set(shown)
    html = response.content.decode()
    checked = re.findall(r'<input type="checkbox" name="themes" value="(\d+)"[^>]*checked', html)
    assert [int(pk) for pk in checked] == shown
    assert response.context["count"] == 4
    assert re.search(r"<strong>4</strong>", html)


@pytest.mark.own_study
def test_it_offers_as_coders_only_the_members_who_coded(client, project, viewer, analyst, lead):
    interview_doc = interview(project, analyst, "Agder", [PLAIN_QUOTE], "Gruppeintervju Agder")
    code(interview_doc, PLAIN_QUOTE, analyst, [project.themes.first()])
    client.force_login(viewer)
    coders = client.get(page_url(project)).context["form"].fields["coder"].queryset
    assert [u.username for u in coders] == [analyst.username]


def test_it_takes_the_language_of_the_page_as_the_language_of_the_file(client, project, viewer):
    client.force_login(viewer)
    assert client.get(page_url(project)).context["form"]["language"].initial == "nb"
    client.cookies["django_language"] = "en"
    assert client.get(page_url(project)).context["form"]["language"].initial == "en"


def test_it_links_the_export_page_from_the_study_navigation(client, project, viewer):
    client.force_login(viewer)
    html = client.get(reverse("planner:project_detail", args=[project.slug])).content.decode()
    assert f'href="{page_url(project)}"' in html


def test_it_reads_the_page_in_a_fixed_number_of_queries(client, project, analyst, lead, viewer, study,
                                                        django_assert_num_queries):
    client.force_login(viewer)
    # session, user, membership; themes, counties, coders; the export's themes, the count; the jobs
    for _ in range(2):
        ExportJob.objects.create(project=project, created_by=viewer, format="docx", options={})
    with django_assert_num_queries(9):
        client.get(page_url(project))
    for _ in range(6):
        ExportJob.objects.create(project=project, created_by=viewer, format="xlsx", options={},
                                 status="done", content=b"x" * 1000, file_name="sitater.xlsx")
    document = interview(project, analyst, "Troms", [PLAIN_QUOTE], "Gruppeintervju Troms")
    code(document, PLAIN_QUOTE, lead, list(project.themes.all()[3:8]))
    with django_assert_num_queries(9):
        response = client.get(page_url(project))
    assert len(response.context["jobs"]) == 8


def test_it_never_reads_the_files_of_the_listed_exports(client, project, viewer):
    ExportJob.objects.create(project=project, created_by=viewer, format="docx", options={}, status="done",
                             content=b"PK-the-file", file_name="sitater.docx")
    client.force_login(viewer)
    with CaptureQueriesContext(connection) as context:
        client.get(page_url(project))
    job_queries = [q["sql"] for q in context.captured_queries if "coding_exportjob" in q["sql"] and
                   q["sql"].lstrip().upper().startswith("SELECT")]
    assert job_queries and all('"content"' not in sql for sql in job_queries)


# --- The live count ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("changes, expected", [
    ({}, ["county", "town", "plain", "plan"]),
    ({"themes": "first"}, ["county", "plain"]),
    ({"counties": "Troms"}, ["plan"]),
    ({"sources": "interviews"}, ["county", "town", "plain"]),
    ({"sources": "plans"}, ["plan"]),
    ({"key_only": "on"}, ["plain"]),
    ({"coder": "leder"}, ["plain"]),
])
def test_it_counts_the_quotes_the_choices_select_as_the_export_collects_them(client, project, viewer, study,
                                                                            changes, expected):
    if changes.get("themes") == "first":
        changes["themes"] = [str(study["themes"][0].pk)]
    if "counties" in changes:
        changes["counties"] = [str(project.counties.get(name=changes["counties"]).pk)]
    client.force_login(viewer)
    response = client.get(page_url(project, "coding:export_count"), form_data(project, **changes))
    assert response.status_code == 200
    html = response.content.decode()
    assert re.findall(r"<strong>(\d+)</strong>", html) == [str(len(expected))]
    assert "<html" not in html  # the fragment only
    form = ExportForm(form_data(project, **changes), project=project)
    assert form.is_valid()
    assert sorted(q.excerpt_id for q in collect(project, form.export_options())) == sorted(
        study[name].pk for name in expected)


def test_it_counts_in_a_few_queries(client, project, viewer, study, django_assert_num_queries):
    client.force_login(viewer)
    data = form_data(project)
    # session, user, membership; the themes and counties to check against; the export's themes; the count
    with django_assert_num_queries(7):
        client.get(page_url(project, "coding:export_count"), data)


def test_it_asks_for_a_theme_when_none_is_chosen(client, project, viewer, study):
    client.cookies[ENGLISH[0]] = ENGLISH[1]  # the messages checked below, whatever the translation says
    client.force_login(viewer)
    response = client.get(page_url(project, "coding:export_count"), form_data(project, themes=[]))
    assert response.status_code == 200 and "<strong>" not in response.content.decode()
    assert "Choose at least one theme" in response.content.decode()


# --- Starting an internal export -------------------------------------------------------------------------


def test_a_viewer_starts_an_internal_export_and_downloads_the_word_file(client, project, viewer, study, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}  # queued, run below
    client.force_login(viewer)
    response = client.post(page_url(project, "coding:export_start"), form_data(project, language="en"))
    assert response.status_code == 303
    assert response["Location"] == page_url(project)
    job = ExportJob.objects.get()
    assert (job.created_by, job.format, job.status, job.decisions) == (viewer, "docx", "queued", {})
    assert ExportOptions.from_json(job.options) == ExportOptions(language="en")

    download = page_url(project, "coding:export_download", job.uuid)
    assert client.get(download).status_code == 404  # not made yet
    jobs.run(job.pk)
    job.refresh_from_db()
    assert (job.status, job.message) == ("done", "")
    assert job.done == job.total and job.finished_at is not None

    response = client.get(download)
    assert response.status_code == 200
    assert response["Content-Type"] == jobs.CONTENT_TYPES["docx"]
    assert response["Content-Disposition"].startswith("attachment;")
    assert job.file_name in response["Content-Disposition"] and job.file_name.endswith(".docx")
    text = "\n".join(paragraphs(response.content))
    for phrase in (COUNTY_QUOTE, TOWN_QUOTE, PLAIN_QUOTE, PLAN_QUOTE):
        assert phrase in text


def test_it_stores_the_chosen_subset_and_a_spreadsheet_format(client, project, analyst, study):
    client.force_login(analyst)
    first, county = study["themes"][0], project.counties.get(name="Agder")
    client.post(page_url(project, "coding:export_start"), form_data(
        project, themes=[str(first.pk)], counties=[str(county.pk)], format="csv", key_only="on", summaries=None,
        grouping="county", memos="on", plan_tables="on", coder="leder"))
    job = ExportJob.objects.get()
    assert job.format == "csv"
    assert ExportOptions.from_json(job.options) == ExportOptions(
        themes=(first.pk,), counties=(county.pk,), key_only=True, summaries=False, grouping="county", memos=True,
        plan_tables=True, coder="leder", language="nb")
    jobs.run(job.pk)
    response = client.get(page_url(project, "coding:export_download", job.uuid))
    assert response["Content-Type"].startswith("text/csv")
    assert PLAIN_QUOTE in response.content.decode("utf-8-sig")
    assert COUNTY_QUOTE not in response.content.decode("utf-8-sig")


def test_it_shows_an_invalid_form_again_with_its_errors(client, project, viewer, study):
    client.force_login(viewer)
    response = client.post(page_url(project, "coding:export_start"), form_data(project, themes=[], format="pdf"))
    assert response.status_code == 200
    assert response.context["form"].errors.keys() == {"themes", "format"}
    assert response.context["count"] is None
    assert not ExportJob.objects.exists()


# --- The anonymity review of a publication export ------------------------------------------------------------


def test_a_publication_export_first_lists_the_quotes_that_hold_a_watched_name(client, project, viewer, study):
    client.force_login(viewer)
    response = client.post(page_url(project, "coding:export_start"), form_data(project, attribution="publication"))
    assert response.status_code == 200
    assert not ExportJob.objects.exists()
    html = response.content.decode()
    listed = sorted(int(pk) for pk in re.findall(r'name="decision-(\d+)" value="mask" checked', html))
    assert listed == sorted([study["county"].pk, study["town"].pk])
    assert "Vi i <mark" in html and ">Agder</mark> samarbeider" in html
    assert ">Kristiansand</mark> trenger" in html
    assert "[fylke]" in html and "[kommune]" in html
    assert "Gruppeintervju Agder" in html
    # The choices travel with the review, so that the export starts with the same ones.
    assert 'name="attribution" value="publication"' in html
    assert html.count('name="themes"') == project.themes.count()


def test_it_escapes_the_quote_and_marks_only_the_names(client, project, viewer, analyst, study):
    speech = "<b>Agder</b> & <script>alert(1)</script> er med."
    document = interview(project, analyst, "Nordland", [speech], "Gruppeintervju Nordland")
    code(document, speech, analyst, study["themes"][:1])
    client.force_login(viewer)
    html = client.post(page_url(project, "coding:export_start"),
                       form_data(project, attribution="publication")).content.decode()
    assert re.search(r"&lt;b&gt;<mark[^>]*>Agder</mark>&lt;/b&gt; &amp; "
                     r"&lt;script&gt;alert\(1\)&lt;/script&gt; er med.", html)
    assert "<script>alert(1)" not in html


def test_the_review_decisions_go_into_the_file(client, project, viewer, study):
    client.force_login(viewer)
    data = form_data(project, attribution="publication", **{f"decision-{study['county'].pk}": "mask",
                                                             f"decision-{study['town'].pk}": "drop"})
    response = client.post(page_url(project, "coding:export_start"), data)
    assert response.status_code == 303
    job = ExportJob.objects.get()
    assert job.decisions == {str(study["county"].pk): "mask", str(study["town"].pk): "drop"}
    jobs.run(job.pk)
    text = "\n".join(paragraphs(client.get(page_url(project, "coding:export_download", job.uuid)).content))
    assert "Vi i [fylke] samarbeider tett med Nav om kvalifisering." in text
    assert "Kristiansand" not in text and "trenger mer veiledning" not in text
    assert PLAIN_QUOTE in text


def test_a_kept_quote_keeps_its_name(client, project, viewer, study):
    client.force_login(viewer)
    client.post(page_url(project, "coding:export_start"), form_data(
        project, attribution="publication", **{f"decision-{study['county'].pk}": "keep",
                                               f"decision-{study['town'].pk}": "mask"}))
    job = ExportJob.objects.get()
    jobs.run(job.pk)
    text = "\n".join(paragraphs(client.get(page_url(project, "coding:export_download", job.uuid)).content))
    assert COUNTY_QUOTE in text
    assert "Kommunene rundt [kommune] trenger mer veiledning." in text


def test_it_shows_the_review_again_when_a_quote_has_no_decision(client, project, viewer, study):
    client.force_login(viewer)
    response = client.post(page_url(project, "coding:export_start"), form_data(
        project, attribution="publication", **{f"decision-{study['county'].pk}": "drop",
                                               f"decision-{study['town'].pk}": "burn"}))
    assert response.status_code == 200 and not ExportJob.objects.exists()
    html = response.content.decode()
    assert f'name="decision-{study["county"].pk}" value="drop" checked' in html  # what the user chose stays
    assert f'name="decision-{study["town"].pk}" value="mask" checked' in html
    assert 'class="message warning"' in html


def test_it_starts_at_once_when_no_quote_holds_a_name(client, project, viewer, study):
    client.cookies[ENGLISH[0]] = ENGLISH[1]  # the messages checked below, whatever the translation says
    client.force_login(viewer)
    response = client.post(page_url(project, "coding:export_start"), form_data(
        project, attribution="publication", themes=[str(study["themes"][2].pk)]), follow=True)
    assert response.redirect_chain == [(page_url(project), 303)]
    job = ExportJob.objects.get()
    assert job.decisions == {}
    assert any("No quote holds a name" in str(m) for m in response.context["messages"])


# --- A job's row and its file ---------------------------------------------------------------------------


def test_the_row_of_a_running_job_polls_and_a_finished_one_does_not(client, project, viewer, study):
    client.force_login(viewer)
    job = ExportJob.objects.create(project=project, created_by=viewer, format="docx",
                                   options=ExportOptions().to_json(), status="running", done=3, total=12)
    url = page_url(project, "coding:export_job", job.uuid)
    html = client.get(url).content.decode()
    assert 'hx-trigger="load delay:100ms, exportPollFailed delay:2s"' in html and f'hx-get="{url}?poll=1"' in html
    assert '<progress max="12" value="3"' in html
    assert "<html" not in html

    ExportJob.objects.filter(pk=job.pk).update(status="queued", done=0, total=0)
    jobs.run(job.pk)
    html = client.get(url).content.decode()
    assert "hx-trigger" not in html and "<progress" not in html
    assert f'href="{page_url(project, "coding:export_download", job.uuid)}"' in html


def test_the_poll_backs_off_from_a_tenth_of_a_second_to_two(client, project, viewer):
    client.force_login(viewer)
    job = ExportJob.objects.create(project=project, created_by=viewer, format="docx", options={}, status="running")
    url = page_url(project, "coding:export_job", job.uuid)
    delays, polls = [], ["0"]
    for _ in range(12):
        html = client.get(url, {"poll": polls[-1]}).content.decode()
        delays.append(int(re.search(r'hx-trigger="load delay:(\d+)ms', html)[1]))
        polls.append(re.search(r'\?poll=(\d+)"', html)[1])
    assert delays[0] == 100 and delays[-1] == 2000
    assert delays == sorted(delays) and len(set(delays)) >= 8  # grows step by step, then stays at 2 s
    assert sum(delays[:8]) < 6000  # about five seconds of quick polls before the slow ones
    for junk in ("-1", "x", "99999999999999999999"):
        assert client.get(url, {"poll": junk}).status_code == 200


def test_a_failed_job_says_so_without_a_traceback(client, project, viewer, caplog):
    options = ExportOptions(themes=(999999,)).to_json()  # no such theme: the export cannot be made
    job = ExportJob.objects.create(project=project, created_by=viewer, format="docx", options=options)
    jobs.run(job.pk)
    client.cookies[ENGLISH[0]] = ENGLISH[1]  # the messages checked below, whatever the translation says
    client.force_login(viewer)
    html = client.get(page_url(project, "coding:export_job", job.uuid)).content.decode()
    assert "status-failed" in html and "The export failed" in html
    assert "Traceback" not in html and "999999" not in html
    assert "Traceback" in caplog.text or any(r.exc_info for r in caplog.records)


def test_polling_a_running_job_writes_nothing(client, project, viewer, django_assert_num_queries):
    job = ExportJob.objects.create(project=project, created_by=viewer, format="docx", options={}, status="running")
    client.force_login(viewer)
    with CaptureQueriesContext(connection) as context:
        client.get(page_url(project, "coding:export_job", job.uuid))
    assert len(context.captured_queries) == 4  # session, user, membership, the job
    assert not [q for q in context.captured_queries if not q["sql"].lstrip().upper().startswith("SELECT")]


def test_a_job_whose_worker_went_silent_is_run_again_once_then_shown_as_failed(client, project, viewer):
    silent = timezone.now() - jobs.heartbeat_stale() - datetime.timedelta(seconds=1)
    first = ExportJob.objects.create(project=project, created_by=viewer, format="docx", options={}, status="running",
                                     attempts=1, heartbeat_at=silent)
    last = ExportJob.objects.create(project=project, created_by=viewer, format="docx", options={}, status="running",
                                    attempts=jobs.MAX_ATTEMPTS, heartbeat_at=silent)
    alive = ExportJob.objects.create(project=project, created_by=viewer, format="docx", options={}, status="running",
                                     attempts=1, heartbeat_at=timezone.now())
    client.cookies[ENGLISH[0]] = ENGLISH[1]  # the messages checked below, whatever the translation says
    client.force_login(viewer)
    # The poll hands the first back to the queue; the tests' immediate task backend runs it there and then.
    html = client.get(page_url(project, "coding:export_job", first.uuid)).content.decode()
    assert "status-done" in html and "hx-trigger" not in html
    html = client.get(page_url(project, "coding:export_job", last.uuid)).content.decode()
    assert "status-failed" in html and "server was restarted" in html and "hx-trigger" not in html
    html = client.get(page_url(project, "coding:export_job", alive.uuid)).content.decode()
    assert "status-running" in html and "hx-trigger" in html
    assert dict(ExportJob.objects.values_list("pk", "attempts")) == {first.pk: 2, last.pk: 2, alive.pk: 1}


def test_a_job_no_worker_picked_up_for_half_an_hour_is_shown_as_failed(client, project, viewer):
    waiting = ExportJob.objects.create(project=project, created_by=viewer, format="docx", options={})
    forgotten = ExportJob.objects.create(project=project, created_by=viewer, format="docx", options={})
    ExportJob.objects.filter(pk=forgotten.pk).update(created_at=timezone.now() - datetime.timedelta(minutes=31))
    client.cookies[ENGLISH[0]] = ENGLISH[1]
    client.force_login(viewer)
    html = client.get(page_url(project, "coding:export_job", forgotten.uuid)).content.decode()
    assert "status-failed" in html and "no task worker is running" in html and "hx-trigger" not in html
    html = client.get(page_url(project, "coding:export_job", waiting.uuid)).content.decode()
    assert "status-queued" in html and "hx-trigger" in html
    assert dict(ExportJob.objects.values_list("pk", "status")) == {waiting.pk: "queued", forgotten.pk: "failed"}


def test_each_user_sees_and_downloads_only_their_own_exports(client, project, viewer, analyst):
    theirs = ExportJob.objects.create(project=project, created_by=analyst, format="docx", options={},
                                      status="done", content=b"PK", file_name="analytiker.docx")
    mine = ExportJob.objects.create(project=project, created_by=viewer, format="docx", options={},
                                    status="done", content=b"PK", file_name="leser.docx")
    client.force_login(viewer)
    assert [job.pk for job in client.get(page_url(project)).context["jobs"]] == [mine.pk]
    for name in ("coding:export_job", "coding:export_download"):
        assert client.get(page_url(project, name, theirs.uuid)).status_code == 404
        assert client.get(page_url(project, name, mine.uuid)).status_code == 200


def test_an_export_of_another_study_is_not_found_there(client, project, viewer, lead):
    from planner.services import project_create

    other = project_create(name="Annen studie", lead=lead)
    membership_set(project=other, user=viewer, role=Membership.Role.VIEWER)
    job = ExportJob.objects.create(project=other, created_by=viewer, format="docx", options={}, status="done",
                                   content=b"PK", file_name="annen.docx")
    client.force_login(viewer)
    assert client.get(page_url(project, "coding:export_download", job.uuid)).status_code == 404
    assert client.get(page_url(other, "coding:export_download", job.uuid)).status_code == 200


def test_outsiders_find_nothing(client, project, outsider, viewer):
    job = ExportJob.objects.create(project=project, created_by=viewer, format="docx", options={}, status="done",
                                   content=b"PK", file_name="leser.docx")
    client.force_login(outsider)
    for url in (page_url(project), page_url(project, "coding:export_count"),
                page_url(project, "coding:export_job", job.uuid),
                page_url(project, "coding:export_download", job.uuid)):
        assert client.get(url).status_code == 404
    assert client.post(page_url(project, "coding:export_start"), form_data(project)).status_code == 404
    assert ExportJob.objects.count() == 1


def test_it_answers_only_the_methods_it_knows(client, project, viewer):
    client.force_login(viewer)
    assert client.get(page_url(project, "coding:export_start")).status_code == 405
    assert client.post(page_url(project)).status_code == 405
    assert client.post(page_url(project, "coding:export_count")).status_code == 405


def test_a_new_export_deletes_exports_older_than_a_week(client, project, viewer, analyst, study):
    old = ExportJob.objects.create(project=project, created_by=analyst, format="docx", options={}, status="done")
    recent = ExportJob.objects.create(project=project, created_by=analyst, format="docx", options={}, status="done")
    ExportJob.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=7, minutes=1))
    ExportJob.objects.filter(pk=recent.pk).update(created_at=timezone.now() - datetime.timedelta(days=6))
    client.force_login(viewer)
    client.post(page_url(project, "coding:export_start"), form_data(project))
    assert not ExportJob.objects.filter(pk=old.pk).exists()
    assert ExportJob.objects.filter(pk=recent.pk).exists()
    assert ExportJob.objects.count() == 2
