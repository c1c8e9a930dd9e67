"""Run the development server and one task worker side by side, for `make run`: Ctrl+C stops both.

Each runs in its own process group, so that stopping one also stops the process its autoreloader
started. A worker that ends on its own (a lost database ends `db_worker`) is started again.
"""

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand

RESTART_AFTER = 2.0  # seconds before a worker that ended is started again
STOP_WITHIN = 10.0  # seconds a process has to stop cleanly before it is killed


class Command(BaseCommand):
    help = "Run the development server and one task worker (manage.py db_worker); Ctrl+C stops both."

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")

    def handle(self, *, addrport, **options):
        stop = []
        # SIGHUP too: a closed terminal must not leave the two behind in their own sessions.
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, lambda signum, frame: stop.append(signum))
        server = self._start("runserver", addrport)
        worker = self._start("db_worker")
        self.stdout.write(f"Kodeverk answers at {browser_url(addrport)} (Ctrl+C stops the server and the worker).")
        self.stdout.flush()
        try:
            while not stop and server.poll() is None:
                if worker.poll() is not None:
                    self.stderr.write(f"The task worker ended ({worker.returncode}); starting it again.")
                    time.sleep(RESTART_AFTER)
                    if not stop:
                        worker = self._start("db_worker")
                time.sleep(0.2)
        finally:
            for process in (server, worker):
                _stop(process)
        self.stdout.write("Stopped the server and the task worker.")

    def _start(self, *command):
        process = subprocess.Popen([sys.executable, str(settings.BASE_DIR / "manage.py"), *command],
                                   start_new_session=True)
        self.stdout.write(f"Started {command[0]} (process {process.pid}).")
        self.stdout.flush()
        return process


def browser_url(addrport: str) -> str:
    """The address to open for runserver's ADDRPORT («8000», «127.0.0.1:8000», «0.0.0.0:8080»)."""
    host, _colon, port = addrport.rpartition(":")
    if host in ("", "0.0.0.0", "0", "[::]"):
        host = "127.0.0.1"
    return f"http://{host}:{port}/"


def _stop(process):
    """SIGTERM to the process and what it started; SIGKILL after STOP_WITHIN."""
    for signum in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, signum)
        except ProcessLookupError:
            return
        try:
            process.wait(STOP_WITHIN)
            if signum == signal.SIGTERM:
                # The group may still hold the autoreloader's child for a moment.
                _reap_group(process.pid)
            return
        except subprocess.TimeoutExpired:
            continue


def _reap_group(pgid):
    deadline = time.monotonic() + STOP_WITHIN
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        pass
