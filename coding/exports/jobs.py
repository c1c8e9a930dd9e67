"""Exports run as tasks in a worker process (`manage.py db_worker`), so no request and no web process waits.

A job is a row (ExportJob) that holds the choices, the progress and at last the file, so any web
process can show its progress and serve it. The task (`export_file`) only carries the job's id.
While a job runs it writes a heartbeat with its progress; a job whose heartbeat stopped (the
worker was killed, its database connection died) is queued once more, then marked failed. A
job that no worker picked up within QUEUE_STALE is marked failed with a message for the admin.
Those rules are planner.jobs's, shared with every other kind of background job.
"""

import logging
import time
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext_noop
from django_tasks import TaskContext, task

from coding.exports import build
from coding.exports.options import ExportOptions
from coding.models import ExportJob
from planner.jobs import LOST_DATABASE, MAX_ATTEMPTS, JobKind, Superseded, heartbeat_stale, retry  # noqa: F401

logger = logging.getLogger(__name__)

KEEP_FOR = timedelta(days=7)
# Seconds between two progress writes (each with the heartbeat, planner.jobs): often enough for a progress
# bar, rare enough to cost nothing.
PROGRESS_EVERY = 0.5

CONTENT_TYPES = build.CONTENT_TYPES

# Stored in English and translated when shown, in the language of whoever reads them.
FAILED = gettext_noop("The export failed because of an error in Kodeverk. The error has been logged; "
                      "try again, and tell whoever runs Kodeverk if it happens again.")
STOPPED = gettext_noop("The export stopped before it was finished, probably because the server was restarted. "
                       "Please start it again.")
NOT_STARTED = gettext_noop("The export did not start because no task worker is running. "
                           "Tell whoever runs Kodeverk; then start it again.")

# The heartbeat, stale and retry rules of planner.jobs, bound to exports.
EXPORTS = JobKind(ExportJob.objects.all(), enqueue=lambda job_id: export_file.enqueue(job_id), stopped=STOPPED,
                  not_started=NOT_STARTED, heavy=("content",))


def job_create(*, project, user, options: ExportOptions | None, fmt: str, decisions=None) -> ExportJob:
    """A queued export of the user's choices; the anonymity decisions are keyed by str(excerpt id) in JSON.
    A whole-study export (build.STUDY_FORMATS) has no options."""
    purge()
    job = ExportJob(project=project, created_by=user, format=fmt,
                    options=options.to_json() if options else {"whole_study": True},
                    decisions={str(excerpt_id): choice for excerpt_id, choice in (decisions or {}).items()})
    job.full_clean()
    job.save()
    return job


def start(job):
    """Queue the job's task. Call it in the transaction that made the job's row: the worker sees both when it
    commits, and a web process that dies before then leaves neither (never a queued job without its task)."""
    EXPORTS.start(job)


@task(takes_context=True)
def export_file(context: TaskContext, job_id: int) -> None:
    """The worker's entry: settle jobs whose worker died, then make this job's file."""
    EXPORTS.work(job_id, str(context.task_result.id), _make)


def run(job_id, *, task_id=""):
    """Make the job's file, saving progress and heartbeat as it goes; mark it done with the file, or
    failed with a message."""
    EXPORTS.run(job_id, task_id, _make)


def sweep():
    EXPORTS.sweep()


def _make(job_id, attempt):
    mine = EXPORTS.mine(job_id, attempt)
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
        EXPORTS.beat(job_id, attempt, done=done, total=total)

    try:
        if job.format in build.STUDY_FORMATS:
            produced = build.produce_study(job.project, job.format, progress=progress)
        else:
            options = ExportOptions.from_json(job.options)
            decisions = {int(excerpt_id): choice for excerpt_id, choice in job.decisions.items()}
            produced = build.produce(job.project, options, job.format, decisions=decisions or None,
                                     progress=progress)
    except (Superseded, *LOST_DATABASE):
        raise
    except Exception:
        logger.exception("Export job %s failed", job.uuid)
        retry(mine.update, status=ExportJob.Status.FAILED, message=FAILED, finished_at=timezone.now())
        return
    total = seen["total"] or produced.quotes
    # Only this run's job: one marked stale meanwhile stays as the sweep left it.
    if not retry(mine.update, status=ExportJob.Status.DONE, content=produced.data, file_name=produced.file_name,
                 done=total, total=total, message="", finished_at=timezone.now()):
        raise Superseded


def settle_stale(jobs):
    """Settle the given jobs whose worker is gone and show them as they now are (planner.jobs)."""
    return EXPORTS.settle_stale(jobs)


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
