"""The browser import flow: upload, preview, map speakers, confirm; bad files change nothing."""

import io
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from interviews.jobs import import_draft, read_transcript
from interviews.models import ImportDraft, Participant, Turn
from planner.models import Document, FileJob
from tests.interviews.test_importer_docx import docx_with_entities

# One study and its users for the whole module (tests/conftest.py `module_study`); each test's changes
# are rolled back after it.
pytestmark = pytest.mark.usefixtures("module_study")

FILES = Path(__file__).resolve().parent / "files"


def _upload(client, project, *files):
    url = reverse("interviews:import_start", args=[project.slug])
    return client.post(url, {"files": [SimpleUploadedFile(name, data) for name, data in files]}, follow=True)


def _stored():
    return (Document.objects.count(), Turn.objects.count(), Participant.objects.count(), ImportDraft.objects.count())


def _errors(response):
    return [str(m) for m in response.context["messages"] if m.level_tag == "error"]


def _zip(entries):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_it_previews_two_files_and_imports_each_with_the_chosen_mapping(client, project, analyst):
    client.force_login(analyst)
    response = _upload(client, project, ("agder.txt", b"Intervjuer: Velkommen.\nKari Nordmann: Hei."),
                       ("troms.vtt", (FILES / "teams.vtt").read_bytes()))
    page = response.content.decode()
    assert "agder.txt" in page and "troms.vtt" in page
    assert "Kari Nordmann" in page  # the analyst sees the names to map them
    draft = ImportDraft.objects.get(file_name="agder.txt")
    agder = project.counties.get(name="Agder")
    data = {
        f"d{draft.pk}-title": "Gruppeintervju Agder", f"d{draft.pk}-county": agder.pk,
        f"d{draft.pk}-format": "group_interview", f"d{draft.pk}-date": "2025-02-12",
        f"d{draft.pk}-s0-participant": "new", f"d{draft.pk}-s0-label": "Intervjuer",
        f"d{draft.pk}-s0-role": "interviewer", f"d{draft.pk}-s0-field": "other",
        f"d{draft.pk}-s1-participant": "new", f"d{draft.pk}-s1-label": "Informant 7",
        f"d{draft.pk}-s1-role": "leader", f"d{draft.pk}-s1-field": "integration",
    }
    response = client.post(reverse("interviews:import_confirm", args=[project.slug, draft.pk]), data)
    assert response.status_code == 302  # another draft waits: back to the import page
    document = Document.objects.get(title="Gruppeintervju Agder")
    assert document.text == "Intervjuer: Velkommen.\nInformant 7: Hei."
    assert (document.county, document.interview.date.isoformat()) == (agder, "2025-02-12")
    informant = Participant.objects.get(label="Informant 7")
    assert (informant.role, informant.field, informant.county) == ("leader", "integration", agder)
    assert not ImportDraft.objects.filter(pk=draft.pk).exists()
    assert ImportDraft.objects.filter(file_name="troms.vtt").exists()


def test_it_refuses_a_new_label_that_is_taken_and_saves_nothing(client, project, analyst):
    Participant.objects.create(project=project, label="Informant 1")
    client.force_login(analyst)
    _upload(client, project, ("a.txt", b"Kari: Hei.\nOla: Hallo."))
    draft = ImportDraft.objects.get()
    data = {f"d{draft.pk}-title": "A", f"d{draft.pk}-format": "group_interview",
            f"d{draft.pk}-s0-participant": "new", f"d{draft.pk}-s0-label": "Informant 1",
            f"d{draft.pk}-s1-participant": "new", f"d{draft.pk}-s1-label": "Informant 2"}
    response = client.post(reverse("interviews:import_confirm", args=[project.slug, draft.pk]), data)
    assert response.status_code == 200
    assert "«Informant 1»" in response.content.decode()
    assert (Document.objects.count(), Participant.objects.count()) == (0, 1)


def test_it_refuses_one_new_label_for_two_speakers(client, project, analyst):
    client.force_login(analyst)
    _upload(client, project, ("a.txt", b"Kari: Hei.\nOla: Hallo."))
    draft = ImportDraft.objects.get()
    data = {f"d{draft.pk}-title": "A", f"d{draft.pk}-format": "group_interview",
            f"d{draft.pk}-s0-participant": "new", f"d{draft.pk}-s0-label": "Informant 9",
            f"d{draft.pk}-s1-participant": "new", f"d{draft.pk}-s1-label": "Informant 9"}
    response = client.post(reverse("interviews:import_confirm", args=[project.slug, draft.pk]), data)
    assert response.status_code == 200
    assert (Document.objects.count(), Participant.objects.count()) == (0, 0)


def test_it_discards_a_draft(client, project, analyst):
    client.force_login(analyst)
    _upload(client, project, ("a.txt", b"Kari: Hei."))
    draft = ImportDraft.objects.get()
    client.post(reverse("interviews:import_discard", args=[project.slug, draft.pk]))
    assert _stored() == (0, 0, 0, 0)


def _bomb():
    document = b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
    return _zip({"[Content_Types].xml": "<Types/>", "word/document.xml": document + b" " * 60_000_000})


BAD_FILES = [
    ("tom.txt", b"", "tom.txt er tom"),
    ("notater.pdf", b"%PDF-1.4", "«.pdf» kan ikke importeres"),
    ("uten_endelse", b"Kari: Hei", "uten endelse"),
    ("junk.txt", bytes(range(256)) * 8, "junk.txt"),
    ("ikke-zip.docx", b"This is not a zip file at all", "ikke-zip.docx er ikke en gyldig Word-fil"),
    ("uten-dokument.docx", _zip({"hello.txt": "hei"}), "uten-dokument.docx"),
    ("bombe.docx", None, "bombe.docx"),
    ("feil.vtt", (FILES / "malformed_timestamp.vtt").read_bytes(), "linje"),
    ("ikke-whisper.json", (FILES / "not_whisper.json").read_bytes(), "ikke Whisper-utdata"),
]


@pytest.mark.parametrize(("name", "data", "message"), BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_it_names_the_file_and_the_problem_and_stores_nothing(client, project, analyst, settings, name, data,
                                                             message):
    settings.UPLOAD_MAX_MB = 1  # the unpacked limit is then 50 MB, below the bomb's 60 MB
    client.force_login(analyst)
    response = _upload(client, project, (name, data if data is not None else _bomb()))
    errors = _errors(response)
    assert len(errors) == 1
    assert name in errors[0] and message in errors[0], errors[0]
    assert _stored() == (0, 0, 0, 0)


def test_it_refuses_a_file_over_the_upload_limit(client, project, analyst, settings):
    settings.UPLOAD_MAX_MB = 1
    client.force_login(analyst)
    response = _upload(client, project, ("stor.txt", b"Kari: " + b"ord " * 300_000))
    [error] = _errors(response)
    assert "stor.txt" in error and "1 MB" in error
    assert _stored() == (0, 0, 0, 0)


def test_it_keeps_the_good_files_of_a_batch_and_lists_the_bad(client, project, analyst):
    client.force_login(analyst)
    response = _upload(client, project, ("god.txt", b"Kari: Hei."), ("tom.txt", b""),
                       ("god.srt", (FILES / "whisper.srt").read_bytes()))
    errors = _errors(response)
    assert len(errors) == 1 and "tom.txt" in errors[0]
    assert sorted(ImportDraft.objects.values_list("file_name", flat=True)) == ["god.srt", "god.txt"]


def test_a_viewer_cannot_upload(client, project, viewer):
    client.force_login(viewer)
    response = _upload(client, project, ("a.txt", b"Kari: Hei."))
    assert response.status_code == 403
    assert _stored() == (0, 0, 0, 0)


def test_it_forgets_drafts_after_a_week(client, project, analyst):
    import datetime

    from django.utils import timezone

    client.force_login(analyst)
    _upload(client, project, ("a.txt", b"Kari: Hei."))
    ImportDraft.objects.update(created_at=timezone.now() - datetime.timedelta(days=8))
    client.get(reverse("interviews:import_start", args=[project.slug]))
    assert ImportDraft.objects.count() == 0


def test_the_existing_participant_dropdown_sorts_labels_by_their_number(client, project, analyst):
    for label in ["Informant 10", "Informant 2", "Intervjuer", "Informant 1", "Informant 11"]:
        Participant.objects.create(project=project, label=label, role="advisor")
    client.force_login(analyst)
    response = _upload(client, project, ("agder.txt", b"Intervjuer: Velkommen.\nKari Nordmann: Hei."))
    form = response.context["drafts"][0]["speaker_forms"][0]
    choices = [label for _value, label in form.fields["participant"].choices]
    assert choices[1:] == ["Informant 1", "Informant 2", "Informant 10", "Informant 11", "Intervjuer"]
    page = response.content.decode()
    assert page.index(">Informant 2</option>") < page.index(">Informant 10</option>")


# --- Files are read by the task worker ----------------------------------------------------------------------


def test_the_upload_only_queues_the_file_and_the_page_polls_it_until_the_draft_is_there(client, project, analyst,
                                                                                        settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}  # nothing runs in the request
    client.force_login(analyst)
    url = reverse("interviews:import_start", args=[project.slug])
    response = client.post(url, {"files": [SimpleUploadedFile("agder.txt", b"Kari: Hei.\nOla: Hallo.")]})
    assert response.status_code == 302
    job = FileJob.objects.get()
    assert (job.status, job.kind, job.file_name, bytes(job.data)) == ("queued", "transcript", "agder.txt",
                                                                       b"Kari: Hei.\nOla: Hallo.")
    [task] = DBTaskResult.objects.all()
    assert (task.task_path, task.args_kwargs["args"]) == ("interviews.jobs.read_transcript", [job.pk])
    assert not ImportDraft.objects.exists()
    page = client.get(url).content.decode()
    poll = reverse("interviews:import_job", args=[project.slug, job.uuid])
    assert "Leser filen …" in page and f'hx-get="{poll}?poll=1"' in page
    row = client.get(poll, {"poll": "3"})
    assert row.status_code == 200 and "Leser filen …" in row.content.decode() and "HX-Refresh" not in row
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    read_transcript.enqueue(job.pk)  # what the worker does
    assert client.get(poll)["HX-Refresh"] == "true"
    response = client.get(url)
    assert [str(m) for m in response.context["messages"]] == []
    assert [panel["draft"].file_name for panel in response.context["drafts"]] == ["agder.txt"]
    assert not FileJob.objects.exists()  # told once, then gone
    assert client.get(poll).status_code == 404


def test_a_refused_file_is_told_once_on_the_page(client, project, analyst):
    client.force_login(analyst)
    response = _upload(client, project, ("tom.vtt", b"WEBVTT\n\n"))
    assert _errors(response) == ["Ikke importert: tom.vtt inneholder ingen replikker."]
    assert _stored() == (0, 0, 0, 0) and not FileJob.objects.exists()
    assert _errors(client.get(reverse("interviews:import_start", args=[project.slug]))) == []


def test_a_file_over_the_limit_is_dropped_as_it_streams_in(client, project, analyst, settings):
    settings.UPLOAD_MAX_MB = 1
    client.force_login(analyst)
    response = _upload(client, project, ("stor.txt", b"Kari: Hei.\n" * 200_000), ("liten.txt", b"Kari: Hei."))
    assert _errors(response) == ["Ikke importert: stor.txt er for stor; grensen er 1 MB. Den ble ikke lest."]
    assert [d.file_name for d in ImportDraft.objects.all()] == ["liten.txt"]


def test_a_docx_with_entity_references_is_read_with_a_warning(client, project, analyst):
    client.force_login(analyst)
    response = _upload(client, project, ("entiteter.docx", docx_with_entities("Velkommen [&xxe;] slutt")))
    [warning] = [str(m) for m in response.context["messages"] if m.level_tag == "warning"]
    assert warning.startswith("entiteter.docx inneholder entitetsreferanser (&xxe;)")
    assert ImportDraft.objects.get().payload["turns"][0][1] == "Velkommen [&xxe;] slutt"


def test_the_confirmation_only_queues_the_import_and_the_page_opens_the_transcript_when_it_is_stored(
        client, project, analyst, settings):
    client.force_login(analyst)
    _upload(client, project, ("agder.txt", b"Kari: Hei.\nOla: Hallo."))
    draft = ImportDraft.objects.get()
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}  # nothing runs in the request
    data = {f"d{draft.pk}-title": "Agder", f"d{draft.pk}-format": "group_interview",
            f"d{draft.pk}-s0-participant": "new", f"d{draft.pk}-s0-label": "Informant 1",
            f"d{draft.pk}-s1-participant": "new", f"d{draft.pk}-s1-label": "Informant 2"}
    url = reverse("interviews:import_start", args=[project.slug])
    response = client.post(reverse("interviews:import_confirm", args=[project.slug, draft.pk]), data)
    assert response["Location"] == url
    job = FileJob.objects.get()
    assert (job.kind, job.status, job.params["draft"], job.params["title"]) == ("transcript_import", "queued",
                                                                                draft.pk, "Agder")
    assert DBTaskResult.objects.get().task_path == "interviews.jobs.import_draft"
    assert not Document.objects.exists()
    page = client.get(url)
    assert "Importerer …" in page.content.decode() and page.context["drafts"] == []  # no second confirm offered
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    import_draft.enqueue(job.pk)  # what the worker does
    document = Document.objects.get()
    assert document.text == "Informant 1: Hei.\nInformant 2: Hallo." and not ImportDraft.objects.exists()
    assert FileJob.objects.get().params == {}  # the speakers' names as found in the file go with the draft
    response = client.get(url, follow=True)
    assert response.redirect_chain == [(reverse("interviews:transcript_detail", args=[project.slug, document.pk]),
                                        302)]
    assert [str(m) for m in response.context["messages"]] == ["agder.txt er importert som «Agder»."]


def test_an_import_whose_draft_is_gone_when_the_worker_runs_is_told_and_stores_nothing(client, project, analyst,
                                                                                         settings):
    client.force_login(analyst)
    _upload(client, project, ("agder.txt", b"Kari: Hei."))
    draft = ImportDraft.objects.get()
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    data = {f"d{draft.pk}-title": "Agder", f"d{draft.pk}-format": "group_interview",
            f"d{draft.pk}-s0-participant": "new", f"d{draft.pk}-s0-label": "Informant 1"}
    client.post(reverse("interviews:import_confirm", args=[project.slug, draft.pk]), data)
    draft.delete()  # discarded in another tab meanwhile
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    import_draft.enqueue(FileJob.objects.get().pk)
    assert _errors(client.get(reverse("interviews:import_start", args=[project.slug]))) == [
        "Ikke importert: Denne filen venter ikke lenger: den er allerede importert, forkastet eller glemt etter "
        "et døgn. Den importeres ikke på nytt."]
    assert _stored() == (0, 0, 0, 0)
