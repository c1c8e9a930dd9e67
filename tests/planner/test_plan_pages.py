"""The plan page with its documents and attach forms, the county page, reading a plan document, and bad
files: each named with its problem, and nothing stored."""

import datetime
import io
import re
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from planner.filejobs import attach_plan_file
from planner.models import Chunk, Document, FileJob, Plan
from planner.plandoc_forms import PlanFilesForm
from planner.plandocs import plan_excerpt_attach, plan_file_attach
from tests.planner.pdfs import IMAGE, pdf_bytes

PAGES = ["Side én om integrering", "Side to om bosetting", "Side tre om distrikt"]


@pytest.fixture
def plan(project):
    return Plan.objects.get(county__project=project, county__name="Trøndelag", plan_type="integration")


@pytest.fixture
def english(client):
    client.cookies["django_language"] = "en"
    return client


def _url(name, plan):
    return reverse(f"planner:{name}", args=[plan.county.project.slug, plan.pk])


def _attach(client, plan, *files, **data):
    uploads = [SimpleUploadedFile(name, content) for name, content in files]
    fields = {"files-files": uploads, **{f"files-{name}": value for name, value in data.items()}}
    return client.post(_url("plan_files_attach", plan), fields, follow=True)


def _messages(response, level):
    return [str(m) for m in response.context["messages"] if m.level_tag == level]


def _stored():
    return Document.objects.count(), Chunk.objects.count()


def test_it_attaches_two_files_and_shows_them_with_their_page_counts(english, plan, analyst):
    english.force_login(analyst)
    response = _attach(english, plan, ("temaplan.pdf", pdf_bytes(*PAGES)), ("notat.txt", b"Et notat."))
    assert _messages(response, "error") == []
    assert response.redirect_chain[-1][0] == _url("plan_detail", plan)
    page = response.content.decode()
    assert "Temaplan for integrering (temaplan.pdf)" in page and "3 pages" in page
    assert "Temaplan for integrering (notat.txt)" in page
    assert sorted(plan.documents.values_list("source_format", flat=True)) == ["pdf", "txt"]


def test_it_uses_the_title_given(client, plan, analyst):
    client.force_login(analyst)
    _attach(client, plan, ("a.pdf", pdf_bytes(*PAGES)), title="Temaplan 2023")
    assert plan.documents.get().title == "Temaplan 2023"


def test_it_attaches_a_pasted_excerpt_with_its_page(english, plan, lead):
    english.force_login(lead)
    response = english.post(_url("plan_excerpt_add", plan), {"excerpt-text": "Innvandring gir vekst.",
                                                                   "excerpt-page": "7"},
                            follow=True)
    document = plan.documents.get()
    assert (document.text, document.first_page, document.page_starts) == ("Innvandring gir vekst.", 7, [0])
    assert "p. 7" in response.content.decode()


def test_it_shows_the_excerpt_form_again_when_the_page_is_missing(english, plan, analyst):
    english.force_login(analyst)
    response = english.post(_url("plan_excerpt_add", plan), {"excerpt-text": "Noe tekst", "excerpt-page": ""})
    assert response.status_code == 200
    assert response.context["excerpt_form"].errors["page"]
    assert _stored() == (0, 0)


def test_it_asks_for_files_when_none_are_chosen(client, plan, analyst):
    client.force_login(analyst)
    response = client.post(_url("plan_files_attach", plan), {})
    assert response.status_code == 200
    assert response.context["files_form"].errors["files"]


def test_a_viewer_sees_the_documents_but_no_attach_forms_and_cannot_attach(client, plan, viewer, analyst):
    plan_file_attach(plan=plan, user=analyst, name="temaplan.pdf", data=pdf_bytes(*PAGES))
    client.force_login(viewer)
    page = client.get(_url("plan_detail", plan)).content.decode()
    assert "temaplan.pdf" in page and 'id="attach-files"' not in page and 'id="plan-excerpts"' in page
    response = _attach(client, plan, ("b.pdf", pdf_bytes(*PAGES)))
    assert response.status_code == 403
    assert Document.objects.count() == 1


def test_an_outsider_gets_not_found_for_a_plan_of_another_study(client, plan, outsider):
    client.force_login(outsider)
    assert client.get(_url("plan_detail", plan)).status_code == 404


def _zip(entries):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _bomb():
    document = b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
    return _zip({"[Content_Types].xml": "<Types/>", "word/document.xml": document + b" " * 60_000_000})


BAD_FILES = [
    ("passord.pdf", lambda: pdf_bytes(*PAGES, password="hemmelig"), "passord.pdf er passordbeskyttet"),
    ("skannet.pdf", lambda: pdf_bytes(IMAGE, IMAGE, IMAGE),
     "skannet.pdf har ikke noe tekstlag (skannet?). Kjør tekstgjenkjenning (OCR) først"),
    ("blanke.pdf", lambda: pdf_bytes("", " ", ""), "blanke.pdf har ikke noe tekstlag (skannet?)"),
    ("avkuttet.pdf", lambda: pdf_bytes(*PAGES)[:900], "avkuttet.pdf er ikke en gyldig PDF-fil"),
    ("ikke-pdf.pdf", lambda: b"<html><body>Ikke funnet</body></html>", "ikke-pdf.pdf er ikke en PDF-fil"),
    ("tom.pdf", lambda: b"", "tom.pdf er tom"),
    ("tom.docx", lambda: b"  \n", "tom.docx er tom"),
    ("plan.odt", lambda: b"PK\x03\x04", "«.odt» kan ikke legges til en plan"),
    ("uten_endelse", lambda: b"tekst", "«uten endelse»"),
    ("bombe.docx", _bomb, "bombe.docx blir ikke åpnet"),
    ("ikke-zip.docx", lambda: b"Dette er ikke en zip", "ikke-zip.docx er ikke en gyldig Word-fil"),
    ("søppel.txt", lambda: bytes(range(256)) * 8, "søppel.txt kan ikke leses som tekst"),
    ("binær.txt", lambda: b"\x00\x01ELF\x02" * 200, "binær.txt ser ut som en binærfil"),
    ("mellomrom.txt", lambda: "\u00ad\x07\n".encode(), "mellomrom.txt har ingen tekst"),
]


@pytest.mark.parametrize(("name", "make", "message"), BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_it_names_the_file_and_the_problem_and_stores_nothing(client, plan, analyst, settings, name, make, message):
    settings.UPLOAD_MAX_MB = 1  # the unpacked limit is then 50 MB, below the bomb's 60 MB
    client.force_login(analyst)
    response = _attach(client, plan, (name, make()))
    [error] = _messages(response, "error")
    assert message in error, error
    assert _stored() == (0, 0)


def test_it_refuses_a_file_over_the_upload_limit(client, plan, analyst, settings):
    settings.UPLOAD_MAX_MB = 1
    client.force_login(analyst)
    response = _attach(client, plan, ("stor.txt", b"ord " * 300_000))
    [error] = _messages(response, "error")
    assert "stor.txt er for stor" in error and "grensen er 1 MB" in error
    assert _stored() == (0, 0)


def test_it_keeps_the_good_files_of_a_batch_and_warns_of_pages_without_text(client, plan, analyst):
    client.force_login(analyst)
    response = _attach(client, plan, ("god.pdf", pdf_bytes(PAGES[0], IMAGE)), ("passord.pdf",
                       pdf_bytes(*PAGES, password="x")))
    assert len(_messages(response, "error")) == 1 and "passord.pdf" in _messages(response, "error")[0]
    [warning] = _messages(response, "warning")
    assert warning.startswith("god.pdf: side 2 har ikke noe tekstlag")
    assert list(plan.documents.values_list("source_name", flat=True)) == ["god.pdf"]


def test_the_document_view_shows_each_page_with_its_marker(english, plan, viewer, analyst):
    document, _ = plan_file_attach(plan=plan, user=analyst, name="temaplan.pdf", data=pdf_bytes(*PAGES))
    english.force_login(viewer)
    response = english.get(reverse("planner:document_detail", args=[plan.county.project.slug, document.pk]))
    page = response.content.decode()
    assert [(n, text) for n, _start, text in response.context["pages"]] == list(enumerate(PAGES, 1))
    assert page.index("Page 1") < page.index(PAGES[0]) < page.index("Page 2") < page.index(PAGES[1])
    assert f'data-start="{document.page_starts[2]}"' in page


def test_the_document_view_shows_text_as_text(client, plan, viewer, analyst):
    document = plan_excerpt_attach(plan=plan, user=analyst, text="<script>alert(1)</script>", page=3,
                                   title="<b>x</b>")
    client.force_login(viewer)
    page = client.get(reverse("planner:document_detail", args=[plan.county.project.slug, document.pk]))
    assert "<script>alert(1)</script>" not in page.content.decode() and "<b>x</b>" not in page.content.decode()


def test_the_document_view_is_for_plan_documents_of_this_study(client, project, plan, viewer):
    transcript = Document.objects.create(project=project, kind="transcript", title="Intervju", text="A: hei")
    client.force_login(viewer)
    assert client.get(reverse("planner:document_detail", args=[project.slug, transcript.pk])).status_code == 404


def test_the_county_page_lists_its_plans_by_type_with_their_documents(english, project, viewer, analyst):
    innlandet = project.counties.get(name="Innlandet")
    plan = innlandet.plans.get(plan_type="strategy")
    plan_file_attach(plan=plan, user=analyst, name="strategi.pdf", data=pdf_bytes(*PAGES))
    english.force_login(viewer)
    response = english.get(reverse("planner:county_detail", args=[project.slug, innlandet.pk]))
    groups = [(str(label), [p.title for p in plans]) for label, plans in response.context["groups"]]
    assert groups[:2] == [("Knowledge base", ["Kunnskapsgrunnlag for Innlandsstrategien 2024-2028"]),
                          ("Regional plan strategy", ["Innlandsstrategien 2024-2028"])]
    assert sum(len(plans) for _label, plans in groups) == innlandet.plans.count() == 5
    page = response.content.decode()
    assert "Innlandsstrategien 2024-2028 (strategi.pdf)" in page and "3 pages" in page
    assert reverse("planner:plan_detail", args=[project.slug, plan.pk]) in page


def test_the_register_and_the_county_list_link_to_the_new_pages(client, project, plan, viewer):
    client.force_login(viewer)
    plans = client.get(reverse("planner:plan_list", args=[project.slug])).content.decode()
    assert reverse("planner:plan_detail", args=[project.slug, plan.pk]) in plans
    counties = client.get(reverse("planner:county_list", args=[project.slug])).content.decode()
    assert reverse("planner:county_detail", args=[project.slug, plan.county_id]) in counties


def _grow(plan, analyst, n):
    for i in range(n):
        plan_file_attach(plan=plan, user=analyst, name=f"del{i}.pdf", data=pdf_bytes(*PAGES, f"Side {i}"))
        plan_excerpt_attach(plan=plan, user=analyst, text=f"Utdrag {i}", page=i + 1)
        Plan.objects.create(county=plan.county, plan_type="other", title=f"Ekstra {i}", year=2020)


@pytest.mark.parametrize("name", ["plan_detail", "county_detail", "document_detail"])
def test_the_pages_do_not_grow_with_plans_documents_or_pages(client, plan, lead, analyst, name,
                                                             django_assert_num_queries):
    document, _ = plan_file_attach(plan=plan, user=analyst, name="a.pdf", data=pdf_bytes(*PAGES))
    slug = plan.county.project.slug
    target = {"plan_detail": plan.pk, "county_detail": plan.county_id, "document_detail": document.pk}[name]
    url = reverse(f"planner:{name}", args=[slug, target])
    client.force_login(lead)
    client.get(url)  # warm the session and the translation catalogue
    queries = {"plan_detail": 6, "county_detail": 6, "document_detail": 4}[name]
    with django_assert_num_queries(queries):
        assert client.get(url).status_code == 200
    _grow(plan, analyst, 3)
    if name == "document_detail":
        document, _ = plan_file_attach(plan=plan, user=analyst, name="b.pdf", data=pdf_bytes(*PAGES * 10))
        url = reverse("planner:document_detail", args=[slug, document.pk])
    with django_assert_num_queries(queries):
        assert client.get(url).status_code == 200


def test_every_id_on_the_plan_page_is_unique(client, plan, analyst):
    client.force_login(analyst)
    page = client.get(_url("plan_detail", plan)).content.decode()
    ids = re.findall(r'\sid="([^"]+)"', page)
    assert len(ids) == len(set(ids)) and {"id_files-title", "id_excerpt-title"} <= set(ids)
    for target in re.findall(r'\sfor="([^"]+)"', page):
        assert target in ids, target


# --- Files are read by the task worker ----------------------------------------------------------------------


def test_the_attach_only_queues_the_file_and_the_page_polls_it_until_the_document_is_there(client, plan, analyst,
                                                                                           settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}  # nothing runs in the request
    client.force_login(analyst)
    form = PlanFilesForm()  # the field names as the page has them, with the form's prefix if it has one
    response = client.post(_url("plan_files_attach", plan), {form.add_prefix("files"): [SimpleUploadedFile(
        "temaplan.pdf", pdf_bytes(*PAGES))], form.add_prefix("title"): ""})
    assert response["Location"] == _url("plan_detail", plan)
    job = FileJob.objects.get()
    assert (job.kind, job.status, job.plan) == ("plan_file", "queued", plan)
    assert DBTaskResult.objects.get().task_path == "planner.filejobs.attach_plan_file"
    assert not plan.documents.exists()
    poll = reverse("planner:plan_file_job", args=[plan.county.project.slug, plan.pk, job.uuid])
    page = client.get(_url("plan_detail", plan)).content.decode()
    assert "Leser filen …" in page and f'hx-get="{poll}?poll=1"' in page
    assert "Leser filen …" in client.get(poll).content.decode()
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    attach_plan_file.enqueue(job.pk)  # what the worker does
    assert client.get(poll)["HX-Refresh"] == "true"
    response = client.get(_url("plan_detail", plan))
    assert _messages(response, "success") == [f"temaplan.pdf er lagt ved som «{plan.title} (temaplan.pdf)»."]
    assert plan.documents.get().page_starts and not FileJob.objects.exists()


def test_a_file_whose_worker_died_is_read_once_more_then_told(client, plan, analyst, settings):
    client.force_login(analyst)
    silent = timezone.now() - datetime.timedelta(seconds=settings.KODEVERK_TASK_STALE_SECONDS + 1)
    job = FileJob.objects.create(project=plan.county.project, created_by=analyst, kind="plan_file", plan=plan,
                                 file_name="a.txt", data=b"Tekst.", status="running", attempts=1,
                                 heartbeat_at=silent)
    # The page's look at it hands it back to the queue; the immediate backend reads it at once.
    client.get(_url("plan_detail", plan))
    assert plan.documents.get().text == "Tekst."
    FileJob.objects.all().delete()
    job = FileJob.objects.create(project=plan.county.project, created_by=analyst, kind="plan_file", plan=plan,
                                 file_name="b.txt", data=b"Tekst.", status="running", attempts=2,
                                 heartbeat_at=silent)
    response = client.get(_url("plan_detail", plan))
    assert _messages(response, "error") == [
        "Ikke lagt ved: Lesingen av fila stoppet før den var ferdig, trolig fordi serveren ble startet på nytt. "
        "Last den opp igjen."]
    assert not FileJob.objects.filter(pk=job.pk).exists() and plan.documents.count() == 1
