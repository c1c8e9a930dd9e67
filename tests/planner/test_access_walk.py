"""Walk every URL of the app as lead, analyst, viewer and outsider.

The table below is the access specification. A URL pattern without a row fails the test,
so a new view cannot ship without a decision on who may use it.
"""

import pytest
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from coding.models import ExchangeImport, ExportJob, SavedSearch
from coding.services import double_coding_set, excerpt_create, hits_code, hits_plan
from interviews.importers import parse_file
from interviews.models import NameWord
from interviews.services import draft_create, suggest_mapping, transcript_import
from planner.models import FileJob, Membership, Plan
from planner.plandocs import plan_excerpt_attach
from planner.services import membership_set
from tests.conftest import make_user

# One study and its users for the whole module (tests/conftest.py `module_study`); each test's changes
# are rolled back after it.
pytestmark = pytest.mark.usefixtures("module_study")

# Namespaces that are Django's own and guarded by Django (staff-only admin).
NOT_OURS = {"admin"}


def _study(ctx):
    return {"slug": ctx["project"].slug}


def _transcript(ctx):
    return {"slug": ctx["project"].slug, "document_id": ctx["transcript"].pk}


def _double_coded(ctx):
    """The transcript, set to double coding by the analyst and the lead."""
    lead = ctx["project"].memberships.get(role=Membership.Role.LEAD).user
    double_coding_set(project=ctx["project"], documents=[ctx["transcript"]], coders=[lead, ctx["excerpt"].coder],
                      user=lead)
    return _transcript(ctx)


def _participant(ctx):
    return {"slug": ctx["project"].slug, "participant_id": ctx["transcript"].turns.first().participant_id}


def _draft(ctx):
    return {"slug": ctx["project"].slug, "draft_id": ctx["draft"].pk}


def _theme(ctx):
    return {"slug": ctx["project"].slug, "theme_id": ctx["theme"].pk}


def _theme_county(ctx):
    return {**_theme(ctx), "county_id": ctx["project"].counties.first().pk}


def _excerpt(ctx):
    return {"slug": ctx["project"].slug, "excerpt_id": ctx["excerpt"].pk}


def _saved_search(ctx):
    return {"slug": ctx["project"].slug, "search_id": ctx["saved_search"].pk}


def _member(ctx):
    return {"slug": ctx["project"].slug, "member_id": ctx["extra"].pk}


def _plan(ctx):
    return {"slug": ctx["project"].slug, "plan_id": Plan.objects.filter(county__project=ctx["project"]).first().pk}


def _county(ctx):
    return {"slug": ctx["project"].slug, "county_id": ctx["project"].counties.first().pk}


def _plan_document(ctx):
    plan = Plan.objects.filter(county__project=ctx["project"]).first()
    document = plan_excerpt_attach(plan=plan, user=None, text="Utdrag fra planen.", page=4)
    return {"slug": ctx["project"].slug, "document_id": document.pk}


def _watch_name(ctx):
    return {"slug": ctx["project"].slug, "name_id": ctx["project"].watch_names.first().pk}


def _name_word(ctx):
    word = NameWord.objects.get_or_create(project=ctx["project"], word="Sjø")[0]
    return {"slug": ctx["project"].slug, "word_id": word.pk}


def _hits_batch(ctx):
    start = ctx["transcript"].text.index("Hallo")
    plan = hits_plan(project=ctx["project"], hits=[(ctx["transcript"].pk, start, start + 5)], themes=[ctx["theme"]],
                     unit="hit")
    change = hits_code(project=ctx["project"], plan=plan, coder=ctx["transcript"].created_by)
    return {"slug": ctx["project"].slug, "change_id": change.pk}


def _export_job(ctx):
    """A finished export of the study's lead: nobody else may see or download it."""
    lead = ctx["project"].memberships.get(role=Membership.Role.LEAD).user
    job = ExportJob.objects.create(project=ctx["project"], created_by=lead, format="csv", options={}, status="done",
                                   content=b"a;b\n", file_name="sitater.csv")
    return {"slug": ctx["project"].slug, "job_uuid": job.uuid}


def _file_job(ctx, **fields):
    """A file of the analyst still being read: nobody else may see it."""
    return FileJob.objects.create(project=ctx["project"], created_by=ctx["draft"].created_by, file_name="a.txt",
                                  status="running", heartbeat_at=timezone.now(), **fields)


def _transcript_job(ctx):
    return {"slug": ctx["project"].slug, "job_uuid": _file_job(ctx, kind="transcript").uuid}


def _other_file_job(ctx):
    return {"slug": ctx["project"].slug, "job_uuid": _file_job(ctx, kind="other_file").uuid}


def _plan_file_job(ctx):
    plan_kwargs = _plan(ctx)
    plan = Plan.objects.get(pk=plan_kwargs["plan_id"])
    return {**plan_kwargs, "job_uuid": _file_job(ctx, kind="plan_file", plan=plan).uuid}


def _refi_import_job(ctx):
    """A .qdpx of the lead's still being read into the study: only the lead follows it."""
    lead = ctx["project"].memberships.get(role=Membership.Role.LEAD).user
    job = FileJob.objects.create(project=ctx["project"], created_by=lead, file_name="a.qdpx", kind="refi_import",
                                 status="running", heartbeat_at=timezone.now())
    return {"slug": ctx["project"].slug, "job_uuid": job.uuid}


def _refi_import_report(ctx):
    report = ExchangeImport.objects.create(project=ctx["project"], file_name="a.qdpx", report={"counts": {}})
    return {"slug": ctx["project"].slug, "report_uuid": report.uuid}


# name: (method, kwargs(ctx) or None, POST data, {role: expected status})
ALL_200 = {"lead": 200, "analyst": 200, "viewer": 200, "outsider": 200}
READ = {"lead": 200, "analyst": 200, "viewer": 200, "outsider": 404}
LEAD_WRITE_REDIRECT = {"lead": 302, "analyst": 403, "viewer": 403, "outsider": 404}
WRITE = {"lead": 200, "analyst": 200, "viewer": 403, "outsider": 404}
WRITE_REDIRECT = {"lead": 302, "analyst": 302, "viewer": 403, "outsider": 404}
LEAD_ONLY = {"lead": 200, "analyst": 403, "viewer": 403, "outsider": 404}
# Drafts are private to the analyst who uploaded them (here the analyst): the lead gets 404.
OWN_DRAFT = {"lead": 404, "analyst": 302, "viewer": 403, "outsider": 404}
# So are files being read (the analyst's here).
OWN_FILE_JOB = {"lead": 404, "analyst": 200, "viewer": 403, "outsider": 404}

TABLE = {
    "planner:project_list": ("get", None, None, ALL_200),
    "planner:project_create": ("get", None, None, ALL_200),
    "planner:project_detail": ("get", _study, None, READ),
    "planner:county_list": ("get", _study, None, READ),
    "planner:plan_list": ("get", _study, None, READ),
    "planner:plan_create": ("get", _study, None, WRITE),
    "planner:plan_edit": ("get", _plan, None, WRITE),
    "planner:plan_delete": ("get", _plan, None, WRITE),
    "planner:plan_import": ("get", _study, None, WRITE),
    "planner:plan_export_xlsx": ("get", _study, None, READ),
    "planner:plan_export_csv": ("get", _study, None, READ),
    "planner:member_list": ("get", _study, None, READ),
    "planner:member_add": ("post", _study, {"username": "ekstra2", "role": "viewer"},
                           LEAD_WRITE_REDIRECT),
    "planner:member_role": ("post", _member, {"role": "analyst"}, LEAD_WRITE_REDIRECT),
    "planner:member_remove": ("post", _member, {}, LEAD_WRITE_REDIRECT),
    "planner:member_unlock": ("post", _member, {}, LEAD_WRITE_REDIRECT),
    "planner:plan_detail": ("get", _plan, None, READ),
    "planner:plan_files_attach": ("post", _plan, {}, WRITE),
    "planner:plan_file_job": ("get", _plan_file_job, None, OWN_FILE_JOB),
    "planner:plan_excerpt_add": ("post", _plan, {"excerpt-text": "Utdrag", "excerpt-page": "2"},
                                 WRITE_REDIRECT),
    "planner:county_detail": ("get", _county, None, READ),
    "planner:document_detail": ("get", _plan_document, None, READ),
    "planner:other_documents": ("get", _study, None, READ),
    "planner:other_file_job": ("get", _other_file_job, None, OWN_FILE_JOB),
    "coding:theme_list": ("get", _study, None, READ),
    "coding:theme_create": ("get", _study, None, LEAD_ONLY),
    "coding:theme_merge": ("get", _study, None, LEAD_ONLY),
    "coding:theme_edit": ("get", _theme, None, LEAD_ONLY),
    "coding:theme_move": ("post", _theme, {"direction": "up"}, LEAD_WRITE_REDIRECT),
    "coding:picker_themes": ("get", _study, None, READ),
    "coding:cooccurrence": ("get", _study, None, READ),
    "coding:cooccurrence_cell": ("get", _study, None, READ),
    "coding:charts": ("get", _study, None, READ),
    "coding:document_code": ("get", _transcript, None, READ),
    "coding:document_rows": ("get", _transcript, None, READ),
    "coding:document_history": ("get", _transcript, None, READ),
    "coding:document_changes": ("get", _transcript, None, READ),
    "coding:document_undo": ("post", _transcript, {}, WRITE),
    "coding:text_edit": ("get", _transcript, None, WRITE),
    "coding:document_versions": ("get", _transcript, None, READ),
    "coding:text_undo": ("post", _transcript, {}, WRITE_REDIRECT),
    "coding:document_delete": ("get", _transcript, None, LEAD_ONLY),
    "coding:document_replace": ("get", _transcript, None, LEAD_ONLY),
    "coding:memo_list": ("get", _study, None, READ),
    "coding:excerpt_create": ("post", _transcript, {"start": 0, "end": 5}, WRITE),
    "coding:excerpt_panel": ("get", _excerpt, None, READ),
    "coding:excerpt_update": ("post", _excerpt, {}, WRITE),
    "coding:excerpt_delete": ("post", _excerpt, {}, WRITE),
    "coding:search": ("get", _study, None, READ),
    "coding:progress": ("get", _study, None, READ),
    "coding:plan_excerpts": ("get", _plan, None, READ),
    "coding:county_excerpts": ("get", _county, None, READ),
    "coding:search_document": ("get", _transcript, None, READ),
    "coding:saved_search_create": ("post", _study, {"q": "distrikt"}, WRITE_REDIRECT),
    "coding:saved_search_delete": ("post", _saved_search, {}, WRITE_REDIRECT),
    "coding:saved_search_register": ("post", _saved_search, {"in_register": "1"}, LEAD_WRITE_REDIRECT),
    "coding:word_list": ("get", _study, None, READ),
    "coding:code_frequency": ("get", _study, None, READ),
    "coding:hits_code": ("post", _study, {"q": "innv", "unit": "sentence", "scope": "all"}, WRITE),
    "coding:hits_code_undo": ("post", _hits_batch, {}, WRITE),
    "coding:hit_code": ("get", _transcript, None, WRITE),
    "coding:matrix": ("get", _study, None, READ),
    "coding:matrix_xlsx": ("get", _study, None, READ),
    "coding:matrix_csv": ("get", _study, None, READ),
    "coding:theme_collections": ("get", _study, None, READ),
    "coding:theme_collection": ("get", _theme, None, READ),
    "coding:theme_summary": ("get", _theme, None, READ),
    "coding:theme_summary_edit": ("get", _theme, None, WRITE),
    "coding:theme_summary_review": ("post", _theme, {"reviewed": "true", "version": "1"}, LEAD_ONLY),
    "coding:county_note": ("get", _theme_county, None, READ),
    "coding:county_note_edit": ("get", _theme_county, None, WRITE),
    "coding:county_note_review": ("post", _theme_county, {"reviewed": "true", "version": "1"}, LEAD_ONLY),
    "coding:excerpt_key": ("post", _excerpt, {"is_key": "true", "version": "1"}, LEAD_ONLY),
    "coding:watch_list": ("get", _study, None, LEAD_ONLY),
    "coding:watch_name_add": ("post", _study, {"kind": "other", "name": "Kari Nordmann"}, LEAD_WRITE_REDIRECT),
    "coding:watch_name_remove": ("post", _watch_name, {}, LEAD_WRITE_REDIRECT),
    "coding:watch_municipalities_load": ("post", _study, {}, LEAD_WRITE_REDIRECT),
    # Double coding, the agreement report and the comparison: the lead's.
    "coding:double_coding_list": ("get", _study, None, LEAD_ONLY),
    "coding:agreement_report": ("get", _study, None, LEAD_ONLY),
    # Without coders chosen, the download sends the lead back to the report's form.
    "coding:agreement_xlsx": ("get", _study, None, LEAD_WRITE_REDIRECT),
    "coding:double_coding_compare": ("get", _double_coded, None, LEAD_ONLY),
    "coding:disagreement_settle": ("post", _double_coded, {"choice": "consensus"}, LEAD_WRITE_REDIRECT),
    "coding:double_coding_reveal": ("post", _double_coded, {}, LEAD_WRITE_REDIRECT),
    "coding:export": ("get", _study, None, READ),
    "coding:export_count": ("get", _study, None, READ),
    # Everyone in the study exports (viewers too); empty choices are shown again with their errors.
    "coding:export_start": ("post", _study, {}, READ),
    # Each user sees only their own exports: the lead's job is not found for anyone else.
    # The whole study for other analysis tools: everyone who may export quotes; the backup: the lead only.
    "coding:study_export_start": ("post", _study, {"format": "qdc"}, {"lead": 303, "analyst": 303, "viewer": 303,
                                                                      "outsider": 404}),
    "coding:backup_start": ("post", _study, {}, {"lead": 303, "analyst": 403, "viewer": 403, "outsider": 404}),
    # Anyone signed in may import a study (they become its lead, as with a new study); its report is the study's.
    "coding:refi_import": ("get", None, None, ALL_200),
    "coding:refi_import_job": ("get", _refi_import_job, None, LEAD_ONLY),
    "coding:refi_import_report": ("get", _refi_import_report, None, READ),
    "coding:codebook_download": ("get", lambda ctx: {**_study(ctx), "fmt": "xlsx"}, None, READ),
    "coding:codebook_import": ("get", _study, None, LEAD_ONLY),
    "coding:export_job": ("get", _export_job, None, {"lead": 200, "analyst": 404, "viewer": 404, "outsider": 404}),
    "coding:export_download": ("get", _export_job, None,
                               {"lead": 200, "analyst": 404, "viewer": 404, "outsider": 404}),
    "interviews:transcript_list": ("get", _study, None, READ),
    "interviews:transcript_detail": ("get", _transcript, None, READ),
    "interviews:transcript_turns": ("get", _transcript, None, READ),
    # No recording in the walk's study: members are told it is not there, outsiders that nothing is.
    "interviews:recording_file": ("get", _transcript, None, {"lead": 404, "analyst": 404, "viewer": 404,
                                                             "outsider": 404}),
    "interviews:recording_upload": ("post", _transcript, {}, WRITE_REDIRECT),
    "interviews:participant_list": ("get", _study, None, READ),
    "interviews:participant_detail": ("get", _participant, None, READ),
    "interviews:participant_edit": ("post", _participant, {"label": "Informant 9", "role": "advisor",
                                                           "field": "other"}, LEAD_WRITE_REDIRECT),
    # No target chosen: the lead sees the form again with its error.
    "interviews:participant_merge": ("post", _participant, {}, LEAD_ONLY),
    # Deleting a participant's data (the confirmation page) and the subject-access file: the lead only.
    "coding:participant_erase": ("get", _participant, None, LEAD_ONLY),
    "coding:participant_data_export": ("get", _participant, None, LEAD_ONLY),
    "interviews:turn_assign": ("get", _transcript, None, WRITE),
    "interviews:import_start": ("get", _study, None, WRITE),
    "interviews:import_job": ("get", _transcript_job, None, OWN_FILE_JOB),
    "interviews:import_confirm": ("post", _draft, {}, {"lead": 404, "analyst": 200, "viewer": 403, "outsider": 404}),
    "interviews:import_discard": ("post", _draft, {}, OWN_DRAFT),
    "interviews:name_word_add": ("post", _study, {"word": "Bukt"}, LEAD_WRITE_REDIRECT),
    "interviews:name_word_remove": ("post", _name_word, {}, LEAD_WRITE_REDIRECT),
    "login": ("get", None, None, {"lead": 302, "analyst": 302, "viewer": 302, "outsider": 302}),
    "logout": ("post", None, {}, {"lead": 302, "analyst": 302, "viewer": 302, "outsider": 302}),
    "password_change": ("get", None, None, ALL_200),
    "password_change_done": ("get", None, None, ALL_200),
    "set_language": ("post", None, {"language": "en"}, {"lead": 302, "analyst": 302, "viewer": 302, "outsider": 302}),
    # Public, for load balancers: the database check and the task queue's age, nothing of any study.
    "healthz": ("get", None, None, ALL_200),
}


def url_names(resolver=None, namespace=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = entry.namespace or ""
            if inner in NOT_OURS:
                continue
            yield from url_names(entry, f"{namespace}{inner}:" if inner else namespace)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}"


def _context(project, analyst):
    """One of each object the URLs name: a member to change, a transcript, an analyst's draft."""
    parsed = parse_file("intervju.txt", b"Kari: Hei.\nOla: Hallo.")
    transcript = transcript_import(
        project=project, user=analyst, parsed=parsed, title="Intervju", interview_format="group_interview",
        mapping=suggest_mapping(project=project, speakers=parsed.speakers()),
    )
    return {
        "project": project,
        "extra": membership_set(project=project, user=make_user("ekstra"), role=Membership.Role.VIEWER),
        "transcript": transcript,
        "draft": draft_create(project=project, user=analyst, file_name="utkast.txt", parsed=parsed),
        "saved_search": SavedSearch.objects.create(project=project, query="innv"),
        "theme": project.themes.first(),
        "excerpt": excerpt_create(document=transcript, start=0, end=8, coder=analyst, themes=[project.themes.first()]),
    }


@pytest.fixture(scope="module")
def ctx(module_study):
    """The objects of `_context`, made once for the module; what a request changes is rolled back after it."""
    return _context(module_study.project, module_study.analyst)


def test_it_has_a_row_for_every_url():
    names = set(url_names())
    assert names - set(TABLE) == set(), "add these URLs to the access table"
    assert set(TABLE) - names == set(), "these rows name URLs that no longer exist"


@pytest.mark.parametrize("name", sorted(TABLE))
def test_it_answers_each_role_as_specified(client, ctx, role_users, name):
    method, kwargs, data, expected = TABLE[name]
    make_user("ekstra2")  # not yet a member: the lead's member_add adds them
    url = reverse(name, kwargs=kwargs(ctx) if kwargs else None)
    for role in ["outsider", "viewer", "analyst", "lead"]:
        # Each role meets the same study: what one role's request wrote is rolled back.
        with transaction.atomic():
            client.force_login(role_users[role])
            response = getattr(client, method)(url, data) if method == "post" else client.get(url)
            assert response.status_code == expected[role], f"{name} as {role}"
            transaction.set_rollback(True)


@pytest.mark.parametrize("name", sorted(n for n, row in TABLE.items() if row[1] is not None))
def test_it_sends_anonymous_visitors_of_a_study_to_log_in(client, ctx, db, name):
    method, kwargs, data, _expected = TABLE[name]
    url = reverse(name, kwargs=kwargs(ctx))
    response = getattr(client, method)(url, data) if method == "post" else client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# Django's own set_language answers GET with a redirect by design; it is left out here.
@pytest.mark.parametrize("name", sorted(n for n, row in TABLE.items() if row[0] == "post" and n != "set_language"))
def test_it_refuses_get_on_write_urls(client, ctx, analyst, name):
    _method, kwargs, _data, _expected = TABLE[name]
    client.force_login(analyst)
    url = reverse(name, kwargs=kwargs(ctx) if kwargs else None)
    assert client.get(url).status_code == 405
