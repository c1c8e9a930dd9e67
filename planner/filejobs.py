"""Uploaded files read by the task worker, not in the request: a transcript parsed into an import draft
(interviews.jobs) or a plan file's text extracted and stored (here). The request stores the file in a
FileJob row and queues its task, so it answers at once; the page shows «Leser filen …» and polls the
row; once the job has ended, the page shows its result as messages, once, and deletes the row.

Reading and storing are two steps: the reading (which may take long, a PDF in a child process) writes
heartbeats outside any transaction, and the storing and the job's «done» are one transaction, so a file
is stored exactly once, and nothing is stored when it is refused.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django_tasks import TaskContext, task

from planner.jobs import LOST_DATABASE, JobKind, Superseded, poll_count, poll_delay, retry
from planner.models import FileJob
from planner.plandocs import other_document_store, plan_file_store, plan_text
from planner.textfiles import MEGABYTE, ImporterError

logger = logging.getLogger(__name__)

# A job's row (with the file, until it is read) is kept at most this long when nobody looks at its page.
KEEP_FOR = timedelta(days=1)

# Stored in English and translated when shown.
FAILED = gettext_noop("Reading the file failed because of an error in Kodeverk. The error has been logged; "
                      "try again, and tell whoever runs Kodeverk if it happens again.")
STOPPED = gettext_noop("Reading the file stopped before it was finished, probably because the server was "
                       "restarted. Please upload it again.")
NOT_STARTED = gettext_noop("The file was not read because no task worker is running. Tell whoever runs "
                           "Kodeverk; then upload it again.")


def file_job_kind(kind, enqueue) -> JobKind:
    """The shared job rules (planner.jobs) for the FileJob rows of one kind."""
    return JobKind(FileJob.objects.filter(kind=kind), enqueue=enqueue, stopped=STOPPED, not_started=NOT_STARTED,
                   heavy=("data",))


def file_job_create(*, project, user, kind, upload, plan=None, title="", params=None) -> FileJob:
    """A queued job holding the uploaded file; the upload handlers (planner.uploads) kept it within the limit."""
    purge()
    job = FileJob(project=project, created_by=user, kind=kind, file_name=upload.name[:255], data=upload.read(),
                  plan=plan, title=title[:300], language=request_language(), params=params or {})
    job.full_clean(exclude=["data"])
    job.save()
    return job


def request_language():
    """The language of the request that starts a job: the worker writes the job's messages in it."""
    return translation.get_language() or settings.LANGUAGE_CODE


def purge():
    FileJob.objects.filter(created_at__lt=timezone.now() - KEEP_FOR).delete()


def file_jobs_of(job_kind: JobKind, *, project, user, **filters) -> tuple[list, list]:
    """The user's jobs of this kind in the study, without their files: (still being read, ended). The ended
    ones are deleted: the caller shows each once, as messages."""
    jobs = job_kind.settle_stale(list(job_kind.rows.filter(project=project, created_by=user, **filters)
                                      .select_related("document").defer("data")))
    ended = [job for job in jobs if job.status in (FileJob.Status.DONE, FileJob.Status.FAILED)]
    if ended:
        FileJob.objects.filter(pk__in=[job.pk for job in ended]).delete()
    return [job for job in jobs if job not in ended], ended


def tell_ended(request, job, failed) -> bool:
    """Tell the user how an ended job went, once: `failed` (a message with %(problem)s) if it failed, else its
    warnings. True when it succeeded."""
    if job.status == FileJob.Status.FAILED:
        messages.error(request, failed % {"problem": _(job.message)})
        return False
    for warning in job.warnings:
        messages.warning(request, warning)
    return True


def own_file_job(job_kind: JobKind, *, project, user, job_uuid, **filters):
    """The user's job, or None: nobody sees another member's files."""
    job = job_kind.rows.filter(project=project, created_by=user, uuid=job_uuid, **filters).defer("data").first()
    return job_kind.settle_stale([job])[0] if job else None


def file_job_row(request, job, poll_url):
    """The polled row of a file job, polled a little later each time (`poll` counts); once the job has ended,
    an empty answer that has htmx reload the page, which tells the result (file_jobs_of)."""
    if job.status in (FileJob.Status.DONE, FileJob.Status.FAILED):
        return HttpResponse(headers={"HX-Refresh": "true"})
    polls = poll_count(request)
    job.poll_url = poll_url
    return render(request, "planner/_file_job.html", {"job": job, "next_poll": min(polls, 99) + 1,
                                                      "poll_ms": poll_delay(polls)})


def process(job_kind: JobKind, job_id, attempt, *, read, store):
    """One run of a file job: `read(job, beat)` the file (ImporterError names a problem with it), then
    `store(job, result)`, which returns the warnings to show, in the transaction that marks the job done.
    The file and the choices (which name the speakers as found in the file) are emptied as the job ends.
    The worker writes in the language of the person who uploaded the file."""
    job = FileJob.objects.select_related("project", "plan__county", "created_by").filter(pk=job_id).first()
    if job is None:
        raise Superseded  # purged
    mine = job_kind.mine(job_id, attempt)
    with translation.override(job.language or settings.LANGUAGE_CODE):
        try:
            result = read(job, lambda: job_kind.beat(job_id, attempt))
            with transaction.atomic():
                warnings = store(job, result)
                # Only this run's job: one handed on meanwhile rolls the storing back.
                if not mine.update(status=FileJob.Status.DONE, data=None, params={}, warnings=list(warnings),
                                   message="", document=job.document, finished_at=timezone.now()):
                    raise Superseded
        except (Superseded, *LOST_DATABASE):
            raise
        except (ImporterError, ValidationError) as error:
            problem = "; ".join(error.messages) if isinstance(error, ValidationError) else str(error)
            retry(mine.update, status=FileJob.Status.FAILED, data=None, params={}, message=problem,
                  finished_at=timezone.now())
        except Exception:
            logger.exception("File job %s (%s) failed", job.uuid, job.file_name)
            retry(mine.update, status=FileJob.Status.FAILED, data=None, params={}, message=FAILED,
                  finished_at=timezone.now())


# --- Plan files ----------------------------------------------------------------------------------------


PLAN_FILES = file_job_kind(FileJob.Kind.PLAN_FILE, lambda job_id: attach_plan_file.enqueue(job_id))


@task(takes_context=True)
def attach_plan_file(context: TaskContext, job_id: int) -> None:
    """The worker's entry for a plan file: its text extracted (a PDF in a child process under limits,
    planner.plandocs) and stored as a Document of its plan."""
    PLAN_FILES.work(job_id, str(context.task_result.id), _attach)


def _attach(job_id, attempt):
    process(PLAN_FILES, job_id, attempt, read=_extract, store=_store_plan_document)


def _extract(job, beat):
    return plan_text(job.file_name, bytes(job.data), max_bytes=settings.UPLOAD_MAX_MB * MEGABYTE, beat=beat)


def _store_plan_document(job, extracted):
    job.document = plan_file_store(plan=job.plan, user=job.created_by, name=job.file_name, extracted=extracted,
                                   title=job.title)
    return extracted.warnings


# --- Other documents («annet») ---------------------------------------------------------------------------


OTHER_FILES = file_job_kind(FileJob.Kind.OTHER_FILE, lambda job_id: attach_other_file.enqueue(job_id))


@task(takes_context=True)
def attach_other_file(context: TaskContext, job_id: int) -> None:
    """The worker's entry for another document's file: read as a plan file is, stored as a document of kind
    «other» (with the county chosen on upload, params["county"])."""
    OTHER_FILES.work(job_id, str(context.task_result.id), _attach_other)


def _attach_other(job_id, attempt):
    process(OTHER_FILES, job_id, attempt, read=_extract, store=_store_other_document)


def _store_other_document(job, extracted):
    county = job.project.counties.filter(pk=job.params.get("county")).first() if job.params.get("county") else None
    job.document = other_document_store(project=job.project, user=job.created_by, name=job.file_name,
                                        extracted=extracted, title=job.title, county=county)
    return extracted.warnings
