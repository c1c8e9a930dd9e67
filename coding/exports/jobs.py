"""Exports run as tasks in a worker process (`manage.py db_worker`), so no request and no web process waits.

A job is a row (ExportJob) that holds the choices, the progress and at last the file, so any web
process can show its progress and serve it. The task (`export_file`) only carries the job's id.
While a job runs it writes a heartbeat with its progress; a job whose heartbeat stopped (the
worker was killed, its database connection died) is queued once more, then marked failed. A
job that no worker picked up within QUEUE_STALE is marked failed with a message for the admin.
"""

import logging
import time
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connection, transaction
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext_noop
from django_tasks import TaskContext, TaskResultStatus, task
from django_tasks_db.models import DBTaskResult

from coding.exports import build
from coding.exports.options import ExportOptions
from coding.models import ExportJob

logger = logging.getLogger(__name__)

KEEP_FOR = timedelta(days=7)
# A running job writes its heartbeat at least this often (with its progress, every PROGRESS_EVERY
# seconds while quotes are written); one silent for heartbeat_stale() (KODEVERK_TASK_STALE_SECONDS,
# 30 s by default) has lost its worker.
# A queued job nobody picked up for this long: no worker runs.
QUEUE_STALE = timedelta(minutes=30)
# Runs of one job: the first and one retry after its worker died or its database went away.
MAX_ATTEMPTS = 2
# Seconds between two progress writes: often enough for a progress bar, rare enough to cost nothing.
PROGRESS_EVERY = 0.5
# How long a run whose database went away keeps trying to hand its job back before leaving it to the
# heartbeat rule: longer than a database restart, so that the worker lives through one.
OUTAGE_WAIT = 20.0

CONTENT_TYPES = build.CONTENT_TYPES

# Stored in English and translated when shown, in the language of whoever reads them.
FAILED = gettext_noop("The export failed because of an error in Kodeverk. The error has been logged; "
                      "try again, and tell whoever runs Kodeverk if it happens again.")
STOPPED = gettext_noop("The export stopped before it was finished, probably because the server was restarted. "
                       "Please start it again.")
NOT_STARTED = gettext_noop("The export did not start because no task worker is running. "
                           "Tell whoever runs Kodeverk; then start it again.")

# What a dropped connection or a database outage raises; any other database error is a bug, and fails the job.
LOST_DATABASE = (OperationalError, InterfaceError)


class Superseded(Exception):
    """The job is no longer this run's: marked stale and queued again, failed, or purged."""


def job_create(*, project, user, options: ExportOptions, fmt: str, decisions=None) -> ExportJob:
    """A queued export of the user's choices; the anonymity decisions are keyed by str(excerpt id) in JSON."""
    purge()
    job = ExportJob(project=project, created_by=user, format=fmt, options=options.to_json(),
                    decisions={str(excerpt_id): choice for excerpt_id, choice in (decisions or {}).items()})
    job.full_clean()
    job.save()
    return job


def start(job):
    """Queue the job's task. Call it in the transaction that made the job's row: the worker sees both when it
    commits, and a web process that dies before then leaves neither (never a queued job without its task)."""
    export_file.enqueue(job.pk)


@task(takes_context=True)
def export_file(context: TaskContext, job_id: int) -> None:
    """The worker's entry: settle jobs whose worker died, then make this job's file."""
    try:
        sweep()
    except DatabaseError:
        logger.warning("Stale export jobs not checked", exc_info=True)
    run(job_id, task_id=str(context.task_result.id))


def run(job_id, *, task_id=""):
    """Make the job's file, saving progress and heartbeat as it goes; mark it done with the file, or
    failed with a message. A lost database hands the job back to the queue (once) rather than leaving it."""
    # A database that is away as the task starts is waited for: the job is queued and its task taken.
    attempt = _patiently(lambda: _claim(job_id, task_id))
    if attempt is None:
        return  # purged, marked stale or taken by another worker
    try:
        _make(job_id, attempt)
    except Superseded:
        logger.warning("Export job %s: attempt %s was superseded", job_id, attempt)
    except LOST_DATABASE:
        logger.warning("Export job %s: the database went away in attempt %s", job_id, attempt, exc_info=True)
        _after_outage(job_id, attempt)


def _claim(job_id, task_id):
    """Mark a queued job running as this run's attempt; None when it is not queued."""
    now = timezone.now()
    with transaction.atomic():
        job = ExportJob.objects.select_for_update().filter(pk=job_id, status=ExportJob.Status.QUEUED).only(
            "attempts").first()
        if job is None:
            return None
        attempt = job.attempts + 1
        ExportJob.objects.filter(pk=job_id).update(status=ExportJob.Status.RUNNING, attempts=attempt,
                                                   heartbeat_at=now, done=0, total=0, task_id=task_id)
    return attempt


def _make(job_id, attempt):
    mine = ExportJob.objects.filter(pk=job_id, status=ExportJob.Status.RUNNING, attempts=attempt)
    job = ExportJob.objects.select_related("project").defer("content").filter(pk=job_id).first()
    if job is None:
        raise Superseded  # purged
    step = import_string(settings.KODEVERK_EXPORT_STEP_HOOK) if settings.KODEVERK_EXPORT_STEP_HOOK else None
    seen = {"total": 0, "at": time.monotonic()}

    def progress(done, total):
        seen["total"] = total
        if step:
            step(done, total)
        now = time.monotonic()
        if now - seen["at"] < PROGRESS_EVERY:
            return
        seen["at"] = now
        try:
            written = mine.update(done=done, total=total, heartbeat_at=timezone.now())
        except OperationalError:
            if connection.vendor != "sqlite" or not connection.is_usable():
                raise  # the database went away: run() hands the job back
            # A busy SQLite file delays the bar by one beat, never the export.
            logger.warning("Export job %s: progress not saved", job.uuid, exc_info=True)
            return
        if not written:
            raise Superseded

    try:
        options = ExportOptions.from_json(job.options)
        decisions = {int(excerpt_id): choice for excerpt_id, choice in job.decisions.items()}
        produced = build.produce(job.project, options, job.format, decisions=decisions or None,
                                 progress=progress)
    except (Superseded, *LOST_DATABASE):
        raise
    except Exception:
        logger.exception("Export job %s failed", job.uuid)
        _retry(mine.update, status=ExportJob.Status.FAILED, message=FAILED, finished_at=timezone.now())
        return
    total = seen["total"] or produced.quotes
    # Only this run's job: one marked stale meanwhile stays as the sweep left it.
    if not _retry(mine.update, status=ExportJob.Status.DONE, content=produced.data, file_name=produced.file_name,
                  done=total, total=total, message="", finished_at=timezone.now()):
        raise Superseded


def _after_outage(job_id, attempt):
    """The run lost its database: on a fresh connection, queue the job again (or fail it after its last
    attempt) while the database comes back; if it stays away, the sweep does the same from the heartbeat."""
    rows = ExportJob.objects.filter(pk=job_id, status=ExportJob.Status.RUNNING, attempts=attempt)
    try:
        _patiently(lambda: _hand_back(rows, job_id, attempt))
    except LOST_DATABASE:
        logger.warning("Export job %s: left to the heartbeat check", job_id, exc_info=True)


def _patiently(write):
    """Run a write, on a fresh connection after each failure, until the database answers or OUTAGE_WAIT passes."""
    deadline = time.monotonic() + OUTAGE_WAIT
    pause = 0.2
    while True:
        try:
            return write()
        except LOST_DATABASE:
            if time.monotonic() + pause > deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 2.0)
        try:
            connection.close()  # a dead connection never comes back; the next query opens a new one
        except DatabaseError:
            pass


def _hand_back(rows, job_id, attempts, now=None):
    """Queue the job in `rows` once more with a new task, or mark it failed after its last attempt.

    The row and the task are written in one transaction, so a queued job always has its task. Returns
    the status the job now has, or None when the row had already moved on (another sweep, a late run)."""
    now = now or timezone.now()
    with transaction.atomic():
        if attempts < MAX_ATTEMPTS:
            if not rows.update(status=ExportJob.Status.QUEUED, heartbeat_at=now, done=0, total=0):
                return None
            export_file.enqueue(job_id)
            return ExportJob.Status.QUEUED
        if not rows.update(status=ExportJob.Status.FAILED, message=STOPPED, finished_at=now):
            return None
        return ExportJob.Status.FAILED


def _retry(write, *args, attempts=5, **kwargs):
    """A job's own write, tried again while SQLite is busy: a finished file must not be lost to a lock."""
    for attempt in range(attempts):
        try:
            return write(*args, **kwargs)
        except OperationalError:
            if attempt == attempts - 1 or connection.vendor != "sqlite" or not connection.is_usable():
                raise
            time.sleep(0.2 * (attempt + 1))


def heartbeat_stale() -> timedelta:
    return timedelta(seconds=settings.KODEVERK_TASK_STALE_SECONDS)


def is_stale(job, now=None):
    """Running without a heartbeat for heartbeat_stale(), or queued for QUEUE_STALE (a job queued again
    counts from then): its worker is gone, or none runs."""
    now = now or timezone.now()
    last_sign = job.heartbeat_at or job.created_at
    if job.status == ExportJob.Status.RUNNING:
        return last_sign < now - heartbeat_stale()
    return job.status == ExportJob.Status.QUEUED and last_sign < now - QUEUE_STALE


def _settle(job, now):
    """Hand a stale job back, or fail one that waited too long; True when this call changed it."""
    # Only the row as it was read: a late heartbeat or another sweep wins over this one.
    rows = ExportJob.objects.filter(pk=job.pk, status=job.status, attempts=job.attempts,
                                    heartbeat_at=job.heartbeat_at)
    if job.status == ExportJob.Status.QUEUED:
        return bool(rows.update(status=ExportJob.Status.FAILED, message=NOT_STARTED, finished_at=now))
    logger.warning("Export job %s: no heartbeat since %s in attempt %s", job.uuid,
                   job.heartbeat_at or job.created_at, job.attempts)
    if _hand_back(rows, job.pk, job.attempts, now) is None:
        return False
    _close_lost_task(job.task_id, now)
    return True


def _close_lost_task(task_id, now):
    """Mark the task record of a dead run failed: its worker, killed, never will."""
    try:
        task_uuid = uuid.UUID(task_id)
    except ValueError:
        return  # no record: an old job, or a task run by the immediate backend
    DBTaskResult.objects.filter(id=task_uuid, status=TaskResultStatus.RUNNING).update(
        status=TaskResultStatus.FAILED, finished_at=now, exception_class_path=f"{__name__}.WorkerLost",
        traceback=f"No heartbeat for {heartbeat_stale().total_seconds():.0f} s: the worker running this task "
                  "was stopped or lost its database. The export was queued again or marked failed.")


def sweep():
    """The worker's check before each export: every running job whose heartbeat stopped is handed back.
    Queued jobs are left alone here: this worker is about to run them."""
    now = timezone.now()
    stale = ExportJob.objects.filter(status=ExportJob.Status.RUNNING).annotate(
        last_sign=Coalesce("heartbeat_at", "created_at")).filter(last_sign__lt=now - heartbeat_stale())
    for job in stale.defer("content"):
        _settle(job, now)


def settle_stale(jobs):
    """Settle the given jobs whose worker is gone and show them as they now are. Only a stale job is
    written, so that the progress polls of live jobs never write."""
    now = timezone.now()
    for job in jobs:
        if is_stale(job, now) and _settle(job, now):
            job.refresh_from_db(fields=["status", "message", "finished_at", "heartbeat_at", "attempts", "done",
                                        "total", "file_name"])
    return jobs


def purge():
    """Delete exports older than KEEP_FOR, with their files."""
    ExportJob.objects.filter(created_at__lt=timezone.now() - KEEP_FOR).delete()


def recent(project, user, limit=10):
    """The user's latest exports in the study, without their files."""
    return settle_stale(list(ExportJob.objects.filter(project=project, created_by=user).defer("content")[:limit]))


def own_job(project, user, job_uuid, *, with_content=False):
    """The user's job in the study, or None: nobody sees another member's exports."""
    jobs = ExportJob.objects.filter(project=project, created_by=user, uuid=job_uuid)
    job = (jobs if with_content else jobs.defer("content")).first()
    return settle_stale([job])[0] if job else None
