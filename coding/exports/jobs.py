"""Exports run as background jobs, so that a long one blocks neither its user nor anyone else.

A job is a row (ExportJob) that holds the choices, the progress and at last the file, so any web
process can show its progress and serve it. The work runs in a small pool of threads in the web
process; a job left behind by a restart is shown as failed after STALE_AFTER.
"""

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, OperationalError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from coding.exports import build
from coding.exports.options import ExportOptions
from coding.models import ExportJob

logger = logging.getLogger(__name__)

KEEP_FOR = timedelta(days=7)
STALE_AFTER = timedelta(minutes=30)
# Seconds between two progress writes: often enough for a progress bar, rare enough to cost nothing.
PROGRESS_EVERY = 0.5

CONTENT_TYPES = build.CONTENT_TYPES

# Stored in English and translated when shown, in the language of whoever reads them.
FAILED = gettext_noop("The export failed because of an error in Kodeverk. The error has been logged; "
                      "try again, and tell whoever runs Kodeverk if it happens again.")
STOPPED = gettext_noop("The export stopped before it was finished, probably because the server was restarted. "
                       "Please start it again.")

UNFINISHED = (ExportJob.Status.QUEUED, ExportJob.Status.RUNNING)

_executor = None
_executor_lock = threading.Lock()


def executor():
    """The process's pool of export threads, made on first use with KODEVERK_EXPORT_WORKERS threads."""
    global _executor
    with _executor_lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=settings.KODEVERK_EXPORT_WORKERS,
                                           thread_name_prefix="kodeverk-export")
        return _executor


def job_create(*, project, user, options: ExportOptions, fmt: str, decisions=None) -> ExportJob:
    """A queued export of the user's choices; the anonymity decisions are keyed by str(excerpt id) in JSON."""
    purge()
    job = ExportJob(project=project, created_by=user, format=fmt, options=options.to_json(),
                    decisions={str(excerpt_id): choice for excerpt_id, choice in (decisions or {}).items()})
    job.full_clean()
    job.save()
    return job


def start(job):
    """Run the job in a worker thread once its row is committed: a thread cannot see an open transaction."""
    job_id = job.pk
    transaction.on_commit(lambda: executor().submit(_work, job_id))


def _work(job_id):
    """The worker thread's entry: run the job, then give back the thread's own database connection."""
    try:
        run(job_id)
    except Exception:
        logger.exception("Export job %s could not be run", job_id)
    finally:
        connection.close()


def run(job_id):
    """Make the job's file, saving progress as it goes; mark it done with the file, or failed with a message."""
    if not _retry(ExportJob.objects.filter(pk=job_id, status=ExportJob.Status.QUEUED).update,
                  status=ExportJob.Status.RUNNING):
        return  # purged, marked stale or taken by another worker
    job = ExportJob.objects.select_related("project").defer("content").get(pk=job_id)
    seen = {"total": 0, "at": 0.0}

    def progress(done, total):
        seen["total"] = total
        now = time.monotonic()
        if now - seen["at"] < PROGRESS_EVERY:
            return
        seen["at"] = now
        try:
            ExportJob.objects.filter(pk=job_id).update(done=done, total=total)
        except DatabaseError:  # a busy database delays the bar, never the export
            logger.warning("Export job %s: progress not saved", job.uuid, exc_info=True)

    try:
        options = ExportOptions.from_json(job.options)
        decisions = {int(excerpt_id): choice for excerpt_id, choice in job.decisions.items()}
        produced = build.produce(job.project, options, job.format, decisions=decisions or None,
                                 progress=progress)
    except Exception:
        logger.exception("Export job %s failed", job.uuid)
        _finish(job_id, status=ExportJob.Status.FAILED, message=FAILED)
        return
    total = seen["total"] or produced.quotes
    _finish(job_id, status=ExportJob.Status.DONE, content=produced.data, file_name=produced.file_name, done=total,
            total=total, message="")


def _finish(job_id, **fields):
    # Only a running job: one marked stale meanwhile stays failed rather than coming back to life.
    _retry(ExportJob.objects.filter(pk=job_id, status=ExportJob.Status.RUNNING).update, finished_at=timezone.now(),
           **fields)


def _retry(write, *args, attempts=5, **kwargs):
    """A job's own write, tried again while the database is busy: a finished file must not be lost to a lock."""
    for attempt in range(attempts):
        try:
            return write(*args, **kwargs)
        except OperationalError:
            if attempt == attempts - 1:
                raise
            time.sleep(0.2 * (attempt + 1))


def is_stale(job, now=None):
    return job.status in UNFINISHED and job.created_at < (now or timezone.now()) - STALE_AFTER


def expire_stale(jobs):
    """Mark the given jobs that waited or ran too long as failed: their thread died with a restarted web process.

    Only a stale job is written, so that the progress polls of running jobs never write.
    """
    now = timezone.now()
    stale = [job for job in jobs if is_stale(job, now)]
    if stale:
        ExportJob.objects.filter(pk__in=[job.pk for job in stale], status__in=UNFINISHED).update(
            status=ExportJob.Status.FAILED, message=STOPPED, finished_at=now)
        for job in stale:
            job.status, job.message, job.finished_at = ExportJob.Status.FAILED, STOPPED, now
    return jobs


def purge():
    """Delete exports older than KEEP_FOR, with their files."""
    ExportJob.objects.filter(created_at__lt=timezone.now() - KEEP_FOR).delete()


def recent(project, user, limit=10):
    """The user's latest exports in the study, without their files."""
    return expire_stale(list(ExportJob.objects.filter(project=project, created_by=user).defer("content")[:limit]))


def own_job(project, user, job_uuid, *, with_content=False):
    """The user's job in the study, or None: nobody sees another member's exports."""
    jobs = ExportJob.objects.filter(project=project, created_by=user, uuid=job_uuid)
    job = (jobs if with_content else jobs.defer("content")).first()
    return expire_stale([job])[0] if job else None
