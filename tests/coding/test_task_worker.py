"""Exports in a real `manage.py db_worker` process on the test database: one finishes; one whose worker is
killed (SIGKILL), whose database connections are terminated or whose database is away for longer than the
heartbeat rule allows is retried to success within a minute."""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.db import connection
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from coding.models import ExportJob
from tests.coding.test_export_views import export_study, form_data

ROOT = Path(__file__).resolve().parents[2]
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
SLOW = "tests.coding.slow_export.step"
STALE_SECONDS = 5
# Longer than the heartbeat rule, as a database restart is: the job is handed back by whoever notices first.
OUTAGE_SECONDS = 6

# The worker must see what the test commits; each test waits seconds on a worker process.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def database_url(port=None):
    """The test database, as the worker's DATABASE_URL: the SQLite test database is a file (settings.py).
    `port`: reach PostgreSQL through a proxy on this local port instead."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    host, port = ("127.0.0.1", port) if port else (db["HOST"] or "127.0.0.1", db["PORT"] or 5432)
    return f"postgres://{auth}@{host}:{port}/{db['NAME']}"


@pytest.fixture
def worker(tmp_path, settings):
    """Start `manage.py db_worker` processes on the test database; all are stopped after the test."""
    settings.TASKS = DATABASE_TASKS  # the test enqueues into the database, as the web process does
    # A lost worker is noticed after 5 s instead of 30, by the test's polls and by the next worker alike;
    # the slow export still beats its heart at least every second.
    settings.KODEVERK_TASK_STALE_SECONDS = STALE_SECONDS
    started = []

    def start(*, slow=False, port=None, launcher=()):
        """`launcher`: a command line to start the worker through (tests/peak_memory.py)."""
        env = {**os.environ, "DEBUG": "1", "KODEVERK_TASKS": "database", "DATABASE_URL": database_url(port),
               "KODEVERK_TASK_STALE_SECONDS": str(STALE_SECONDS)}
        env.pop("KODEVERK_EXPORT_STEP_HOOK", None)
        if slow:
            env["KODEVERK_EXPORT_STEP_HOOK"] = SLOW
        log = tmp_path / f"worker-{len(started)}.log"
        process = subprocess.Popen(
            [*launcher, sys.executable, "manage.py", "db_worker", "--no-reload", "--no-startup-delay", "--interval",
             "0.2", "--verbosity", "2"], cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
        started.append((process, log))
        return process

    yield start
    for process, log in started:
        if process.poll() is None:
            process.kill()
            process.wait(10)
        print(f"--- {log.name} ---\n{log.read_text()}")


def _start_export(client, project, user):
    client.force_login(user)
    response = client.post(reverse("coding:export_start", args=[project.slug]), form_data(project))
    assert response.status_code == 303
    return ExportJob.objects.get()


def _poll(client, project, job, until, seconds):
    """Poll the job's row as the page does (which settles a job whose worker went silent) until `until`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert client.get(reverse("coding:export_job", args=[project.slug, job.uuid])).status_code == 200
        job.refresh_from_db(fields=["status", "done", "total", "attempts", "message"])
        if until(job):
            return job
        time.sleep(0.25)
    raise AssertionError(f"after {seconds} s the export is {job.status}, {job.done} of {job.total}")


def _finished(job):
    return job.status in ("done", "failed")


def _half_way(job):
    return job.status == "running" and 0 < job.done < job.total


def test_a_worker_process_makes_the_file_and_stops_on_sigterm(client, project, analyst, lead, viewer, worker):
    export_study(project, analyst, lead)
    process = worker()
    job = _start_export(client, project, viewer)
    assert job.status == "queued"  # the web process made nothing
    _poll(client, project, job, _finished, 30)
    assert (job.status, job.attempts, job.message) == ("done", 1, "")
    assert client.get(reverse("coding:export_download", args=[project.slug, job.uuid])).content.startswith(b"PK")
    process.send_signal(signal.SIGTERM)
    assert process.wait(15) == 0


def test_an_export_whose_worker_is_killed_is_run_again_within_a_minute(client, project, analyst, lead, viewer,
                                                                       worker):
    export_study(project, analyst, lead)
    first = worker(slow=True)
    job = _start_export(client, project, viewer)
    _poll(client, project, job, _half_way, 30)
    first.kill()  # SIGKILL: no handler runs, the job's row still says running
    killed = time.monotonic()
    assert first.wait(10) == -signal.SIGKILL
    worker(slow=True)  # what systemd's Restart= does
    _poll(client, project, job, _finished, 60)
    print(f"done {time.monotonic() - killed:.1f} s after SIGKILL")
    assert time.monotonic() - killed < 60
    assert (job.status, job.attempts, job.message) == ("done", 2, "")
    assert job.done == job.total > 0
    # The killed run's task record is closed as failed; the retry's succeeded.
    assert sorted(DBTaskResult.objects.values_list("status", flat=True)) == ["FAILED", "SUCCESSFUL"]


def test_an_export_whose_database_connections_are_terminated_is_run_again(client, project, analyst, lead, viewer,
                                                                          worker):
    if connection.vendor != "postgresql":
        pytest.skip("pg_terminate_backend needs PostgreSQL: SQLite has no server connections to terminate")
    export_study(project, analyst, lead)
    process = worker(slow=True)
    job = _start_export(client, project, viewer)
    _poll(client, project, job, _half_way, 30)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                       "WHERE datname = current_database() AND pid <> pg_backend_pid()")
        assert cursor.fetchone()[0] >= 1
    terminated = time.monotonic()
    _poll(client, project, job, _finished, 60)
    print(f"done {time.monotonic() - terminated:.1f} s after pg_terminate_backend")
    assert time.monotonic() - terminated < 60
    assert (job.status, job.attempts, job.message) == ("done", 2, "")
    assert process.poll() is None  # the worker lived on and ran the retry itself



class Outage:
    """A TCP proxy to PostgreSQL that can go down: every connection through it is cut, and new ones are
    refused, until it comes back. What the worker sees when the database server goes away for a while."""

    def __init__(self, host, port):
        self.upstream = (host, port)
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.down = threading.Event()
        self.open = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _address = self.server.accept()
            except OSError:
                return
            if self.down.is_set():
                client.close()
                continue
            upstream = socket.create_connection(self.upstream)
            self.open += [client, upstream]
            for source, target in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    @staticmethod
    def _pump(source, target):
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, target):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def cut(self):
        self.down.set()
        for sock in self.open:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self.open.clear()

    def restore(self):
        self.down.clear()

    def close(self):
        self.cut()
        self.server.close()


def test_an_export_through_a_database_outage_is_run_again(client, project, analyst, lead, viewer,
                                                                      worker):
    if connection.vendor != "postgresql":
        pytest.skip("a database outage needs a database server: SQLite has none to lose")
    db = connection.settings_dict
    outage = Outage(db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432))
    try:
        export_study(project, analyst, lead)
        process = worker(slow=True, port=outage.port)
        job = _start_export(client, project, viewer)
        _poll(client, project, job, _half_way, 30)
        outage.cut()
        time.sleep(OUTAGE_SECONDS)
        outage.restore()
        restored = time.monotonic()
        _poll(client, project, job, _finished, 60)
        print(f"done {time.monotonic() - restored:.1f} s after the database came back")
        assert (job.status, job.attempts, job.message) == ("done", 2, "")
        assert process.poll() is None  # the worker waited for the database and ran the retry itself
    finally:
        outage.close()
