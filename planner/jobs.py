"""Background jobs on Django's task framework: the one home of the rules every kind of job shares.

A job is a row (a planner.models.BackgroundJob: an export, a file being read) that its task reaches by
id; the worker (`manage.py db_worker`) claims it, writes a heartbeat with its progress while it runs
and marks it done or failed. A running job whose heartbeat stopped (the worker was killed, its database
connection died) is queued once more, then marked failed; a job no worker picked up within QUEUE_STALE
is marked failed. A `JobKind` binds these rules to one model and the task that runs it
(coding.exports.jobs, planner.filejobs, interviews.jobs).
"""

import logging
import time
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connection, transaction
from django.db.models.functions import Coalesce
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

logger = logging.getLogger(__name__)

# A running job writes its heartbeat at least this often (with its progress); one silent for
# heartbeat_stale() (KODEVERK_TASK_STALE_SECONDS, 30 s by default) has lost its worker.
# A queued job nobody picked up for this long: no worker runs.
QUEUE_STALE = timedelta(minutes=30)
# Runs of one job: the first and one retry after its worker died or its database went away.
MAX_ATTEMPTS = 2
# How long a run whose database went away keeps trying to hand its job back before leaving it to the
# heartbeat rule: longer than a database restart, so that the worker lives through one.
OUTAGE_WAIT = 20.0

# What a dropped connection or a database outage raises; any other database error is a bug, and fails the job.
LOST_DATABASE = (OperationalError, InterfaceError)

# The row of a job being made polls soon, then less often: a short job shows at once, a long one costs one
# request every POLL_LAST_MS.
POLL_FIRST_MS, POLL_LAST_MS, POLL_GROWTH = 100, 2000, 1.5


class Superseded(Exception):
    """The job is no longer this run's: marked stale and queued again, failed, or purged."""


def heartbeat_stale() -> timedelta:
    return timedelta(seconds=settings.KODEVERK_TASK_STALE_SECONDS)


def is_stale(job, now=None) -> bool:
    """Running without a heartbeat for heartbeat_stale(), or queued for QUEUE_STALE (a job queued again
    counts from then): its worker is gone, or none runs."""
    now = now or timezone.now()
    last_sign = job.heartbeat_at or job.created_at
    if job.status == job.Status.RUNNING:
        return last_sign < now - heartbeat_stale()
    return job.status == job.Status.QUEUED and last_sign < now - QUEUE_STALE


def poll_delay(polls: int) -> int:
    """Milliseconds before the next poll of a row that has been polled `polls` times."""
    return min(POLL_LAST_MS, round(POLL_FIRST_MS * POLL_GROWTH ** min(polls, 20)))


def poll_count(request) -> int:
    return int(request.GET["poll"]) if request.GET.get("poll", "").isdigit() else 0


def patiently(write):
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


def retry(write, *args, attempts=5, **kwargs):
    """A job's own write, tried again while SQLite is busy: a finished result must not be lost to a lock."""
    for attempt in range(attempts):
        try:
            return write(*args, **kwargs)
        except OperationalError:
            if attempt == attempts - 1 or connection.vendor != "sqlite" or not connection.is_usable():
                raise
            time.sleep(0.2 * (attempt + 1))


def close_lost_task(task_id, now):
    """Mark the task record of a dead run failed: its worker, killed, never will."""
    try:
        task_uuid = uuid.UUID(task_id)
    except ValueError:
        return  # no record: an old job, or a task run by the immediate backend
    DBTaskResult.objects.filter(id=task_uuid, status=TaskResultStatus.RUNNING).update(
        status=TaskResultStatus.FAILED, finished_at=now, exception_class_path=f"{__name__}.WorkerLost",
        traceback=f"No heartbeat for {heartbeat_stale().total_seconds():.0f} s: the worker running this task "
                  "was stopped or lost its database. The job was queued again or marked failed.")


class JobKind:
    """The shared rules bound to one kind of job: the rows it may touch (`rows`, a queryset of a
    BackgroundJob model), `enqueue(job_id)` that queues its task, the messages stored when a job stopped
    (`stopped`) or never started (`not_started`), and `heavy`, the fields a status read leaves out."""

    def __init__(self, rows, *, enqueue, stopped, not_started, heavy=()):
        self.rows, self.enqueue, self.stopped, self.not_started, self.heavy = (
            rows, enqueue, stopped, not_started, tuple(heavy))
        self.status = rows.model.Status

    def start(self, job):
        """Queue the job's task. Call it in the transaction that made the job's row: the worker sees both when it
        commits, and a web process that dies before then leaves neither (never a queued job without its task)."""
        self.enqueue(job.pk)

    def work(self, job_id, task_id, make):
        """A task's whole work in the worker: settle this kind's jobs whose worker died (a database error there
        is logged and left to the next task), then `run` this one."""
        try:
            self.sweep()
        except DatabaseError:
            logger.warning("Stale %s rows not checked", self.rows.model.__name__, exc_info=True)
        self.run(job_id, task_id, make)

    def mine(self, job_id, attempt):
        """The job's row while it is still this run's: every write of a run goes through it."""
        return self.rows.filter(pk=job_id, status=self.status.RUNNING, attempts=attempt)

    def beat(self, job_id, attempt, **fields):
        """Write the heartbeat (with any progress fields); Superseded when the job is no longer this run's.
        A busy SQLite file delays the heartbeat by one beat, never the job."""
        try:
            written = self.mine(job_id, attempt).update(heartbeat_at=timezone.now(), **fields)
        except OperationalError:
            if connection.vendor != "sqlite" or not connection.is_usable():
                raise  # the database went away: run() hands the job back
            logger.warning("Job %s: heartbeat not saved", job_id, exc_info=True)
            return
        if not written:
            raise Superseded

    def run(self, job_id, task_id, make):
        """Claim the job and `make(job_id, attempt)`; a lost database hands the job back to the queue (once)
        rather than leaving it «running»."""
        # A database that is away as the task starts is waited for: the job is queued and its task taken.
        attempt = patiently(lambda: self.claim(job_id, task_id))
        if attempt is None:
            return  # purged, marked stale or taken by another worker
        try:
            make(job_id, attempt)
        except Superseded:
            logger.warning("Job %s: attempt %s was superseded", job_id, attempt)
        except LOST_DATABASE:
            logger.warning("Job %s: the database went away in attempt %s", job_id, attempt, exc_info=True)
            self.after_outage(job_id, attempt)

    def claim(self, job_id, task_id):
        """Mark a queued job running as this run's attempt; None when it is not queued."""
        now = timezone.now()
        with transaction.atomic():
            job = self.rows.select_for_update().filter(pk=job_id, status=self.status.QUEUED).only(
                "attempts").first()
            if job is None:
                return None
            attempt = job.attempts + 1
            self.rows.filter(pk=job_id).update(status=self.status.RUNNING, attempts=attempt, heartbeat_at=now,
                                               done=0, total=0, task_id=task_id)
        return attempt

    def after_outage(self, job_id, attempt):
        """The run lost its database: on a fresh connection, queue the job again (or fail it after its last
        attempt) while the database comes back; if it stays away, the sweep does the same from the heartbeat."""
        try:
            patiently(lambda: self.hand_back(self.mine(job_id, attempt), job_id, attempt))
        except LOST_DATABASE:
            logger.warning("Job %s: left to the heartbeat check", job_id, exc_info=True)

    def hand_back(self, rows, job_id, attempts, now=None):
        """Queue the job in `rows` once more with a new task, or mark it failed after its last attempt.

        The row and the task are written in one transaction, so a queued job always has its task. Returns
        the status the job now has, or None when the row had already moved on (another sweep, a late run)."""
        now = now or timezone.now()
        with transaction.atomic():
            if attempts < MAX_ATTEMPTS:
                if not rows.update(status=self.status.QUEUED, heartbeat_at=now, done=0, total=0):
                    return None
                self.enqueue(job_id)
                return self.status.QUEUED
            if not rows.update(status=self.status.FAILED, message=self.stopped, finished_at=now):
                return None
            return self.status.FAILED

    def settle(self, job, now):
        """Hand a stale job back, or fail one that waited too long; True when this call changed it."""
        # Only the row as it was read: a late heartbeat or another sweep wins over this one.
        rows = self.rows.filter(pk=job.pk, status=job.status, attempts=job.attempts, heartbeat_at=job.heartbeat_at)
        if job.status == self.status.QUEUED:
            return bool(rows.update(status=self.status.FAILED, message=self.not_started, finished_at=now))
        logger.warning("Job %s: no heartbeat since %s in attempt %s", job.pk, job.heartbeat_at or job.created_at,
                       job.attempts)
        if self.hand_back(rows, job.pk, job.attempts, now) is None:
            return False
        close_lost_task(job.task_id, now)
        return True

    def sweep(self):
        """The worker's check before each job: every running job whose heartbeat stopped is handed back.
        Queued jobs are left alone here: this worker is about to run them."""
        now = timezone.now()
        stale = self.rows.filter(status=self.status.RUNNING).annotate(
            last_sign=Coalesce("heartbeat_at", "created_at")).filter(last_sign__lt=now - heartbeat_stale())
        for job in stale.defer(*self.heavy):
            self.settle(job, now)

    def settle_stale(self, jobs):
        """Settle the given jobs whose worker is gone and show them as they now are. Only a stale job is
        written, so that the progress polls of live jobs never write."""
        now = timezone.now()
        for job in jobs:
            if is_stale(job, now) and self.settle(job, now):
                job.refresh_from_db(fields=["status", "message", "finished_at", "heartbeat_at", "attempts", "done",
                                            "total"])
        return jobs
