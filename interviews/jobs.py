"""Transcripts read and stored by the task worker (planner.filejobs says how file jobs run): an uploaded
file parsed into an import draft, and a confirmed draft stored as a transcript. The upload and the
confirmation answer at once, however large the file; the import page polls the jobs."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django_tasks import TaskContext, task

from interviews.importers import parse_file
from interviews.models import ImportDraft, Participant
from interviews.services import DraftGoneError, NewParticipant, draft_confirm, draft_create, draft_gone_message
from planner.filejobs import file_job_kind, process, request_language
from planner.models import FileJob
from planner.textfiles import MEGABYTE

TRANSCRIPTS = file_job_kind(FileJob.Kind.TRANSCRIPT, lambda job_id: read_transcript.enqueue(job_id))
IMPORTS = file_job_kind(FileJob.Kind.TRANSCRIPT_IMPORT, lambda job_id: import_draft.enqueue(job_id))


@task(takes_context=True)
def read_transcript(context: TaskContext, job_id: int) -> None:
    """The worker's entry: parse the file (refused as soon as it passes a cap) and keep it as a draft."""
    TRANSCRIPTS.work(job_id, str(context.task_result.id), _parse)


def _parse(job_id, attempt):
    process(TRANSCRIPTS, job_id, attempt, read=_read, store=_store_draft)


def _read(job, beat):
    return parse_file(job.file_name, bytes(job.data), max_bytes=settings.UPLOAD_MAX_MB * MEGABYTE)


def _store_draft(job, parsed):
    draft_create(project=job.project, user=job.created_by, file_name=job.file_name, parsed=parsed)
    return parsed.warnings


# --- Confirmed drafts ----------------------------------------------------------------------------------


def import_job_create(*, draft: ImportDraft, user, mapping: dict, title: str, county=None, interview_format: str,
                      date=None, record_real_names=False, keep_words=frozenset()) -> FileJob:
    """A queued import of a draft with the choices of the import page; the worker calls draft_confirm."""
    targets = {speaker: ({"new": [target.label, target.role, target.field, target.field_other]}
                         if isinstance(target, NewParticipant) else {"participant": target.pk})
               for speaker, target in mapping.items()}
    job = FileJob(project=draft.project, created_by=user, kind=FileJob.Kind.TRANSCRIPT_IMPORT,
                  file_name=draft.file_name, language=request_language(), params={
                      "draft": draft.pk, "mapping": targets, "title": title, "county": county.pk if county else None,
                      "format": interview_format, "date": date.isoformat() if date else None,
                      "record_real_names": record_real_names, "keep_words": sorted(keep_words)})
    job.full_clean(exclude=["data"])
    job.save()
    return job


@task(takes_context=True)
def import_draft(context: TaskContext, job_id: int) -> None:
    """The worker's entry for a confirmed draft: store the transcript and delete the draft, exactly once."""
    IMPORTS.work(job_id, str(context.task_result.id), _import)


def _import(job_id, attempt):
    process(IMPORTS, job_id, attempt, read=lambda job, beat: None, store=_confirm)


def _confirm(job, _nothing):
    params = job.params
    draft = ImportDraft.objects.filter(pk=params["draft"], project=job.project, created_by=job.created_by).first()
    if draft is None:
        raise ValidationError(draft_gone_message())
    participants = {p.pk: p for p in Participant.objects.filter(project=job.project)}
    mapping = {}
    for speaker, target in params["mapping"].items():
        if "new" in target:
            label, role, field, field_other = target["new"]
            mapping[speaker] = NewParticipant(label=label, role=role, field=field, field_other=field_other)
        elif target["participant"] in participants:
            mapping[speaker] = participants[target["participant"]]
        else:
            raise ValidationError(_("The participant no longer exists; reload the page."))
    county = job.project.counties.filter(pk=params["county"]).first() if params["county"] else None
    try:
        job.document = draft_confirm(
            draft=draft, user=job.created_by, mapping=mapping, title=params["title"], county=county,
            interview_format=params["format"],
            date=datetime.date.fromisoformat(params["date"]) if params["date"] else None,
            record_real_names=params["record_real_names"], keep_words=set(params["keep_words"]))
    except DraftGoneError:
        raise ValidationError(draft_gone_message()) from None
    return []
