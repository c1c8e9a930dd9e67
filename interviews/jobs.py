"""Transcript files parsed by the task worker into import drafts (planner.filejobs says how file jobs run):
the upload answers at once, however large the file, and the import page polls the job."""

import logging

from django.conf import settings
from django.db import DatabaseError
from django_tasks import TaskContext, task

from interviews.importers import parse_file
from interviews.services import draft_create
from planner.filejobs import file_job_kind, process
from planner.models import FileJob
from planner.textfiles import MEGABYTE

logger = logging.getLogger(__name__)

TRANSCRIPTS = file_job_kind(FileJob.Kind.TRANSCRIPT, lambda job_id: read_transcript.enqueue(job_id))


@task(takes_context=True)
def read_transcript(context: TaskContext, job_id: int) -> None:
    """The worker's entry: parse the file (refused as soon as it passes a cap) and keep it as a draft."""
    try:
        TRANSCRIPTS.sweep()
    except DatabaseError:
        logger.warning("Stale transcript jobs not checked", exc_info=True)
    TRANSCRIPTS.run(job_id, str(context.task_result.id), _parse)


def _parse(job_id, attempt):
    process(TRANSCRIPTS, job_id, attempt, read=_read, store=_store)


def _read(job, beat):
    return parse_file(job.file_name, bytes(job.data), max_bytes=settings.UPLOAD_MAX_MB * MEGABYTE)


def _store(job, parsed):
    draft_create(project=job.project, user=job.created_by, file_name=job.file_name, parsed=parsed)
    return parsed.warnings
