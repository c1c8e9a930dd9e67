"""`make run` (manage.py devserver): the server and a task worker start together, and SIGINT stops both."""

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from django.urls import reverse

from planner.management.commands.devserver import browser_url
from tests.coding.test_task_worker import ROOT, database_url


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait(check, seconds, what):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if result := check():
            return result
        time.sleep(0.2)
    raise AssertionError(f"no {what} after {seconds} s")


def _answers(url):
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None


def _group_alive(pgid):
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_it_runs_the_server_and_a_worker_and_ctrl_c_stops_both(tmp_path):
    port = _free_port()
    log = tmp_path / "devserver.log"
    env = {**os.environ, "DEBUG": "1", "KODEVERK_TASKS": "database", "DATABASE_URL": database_url(),
           "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen([sys.executable, "manage.py", "devserver", f"127.0.0.1:{port}"], cwd=ROOT, env=env,
                               stdout=log.open("w"), stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}{reverse('login')}"
        assert _wait(lambda: _answers(url), 30, "answer from the server") == 200
        assert f"Kodeverk answers at http://127.0.0.1:{port}/" in log.read_text()
        started = _wait(lambda: dict(re.findall(r"Started (\w+) \(process (\d+)\)", log.read_text())), 10, "pids")
        pids = {name: int(pid) for name, pid in started.items()}
        assert set(pids) == {"runserver", "db_worker"}
        _wait(lambda: "Starting worker" in log.read_text(), 30, "worker")

        process.send_signal(signal.SIGINT)  # what Ctrl+C sends
        assert process.wait(30) == 0
        assert "Stopped the server and the task worker." in log.read_text()
        assert not [name for name, pgid in pids.items() if _group_alive(pgid)]
        assert _answers(url) is None
    finally:
        if process.poll() is None:
            process.terminate()  # devserver stops its children on SIGTERM too
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
        for pid in re.findall(r"Started \w+ \(process (\d+)\)", log.read_text()):
            try:
                os.killpg(int(pid), signal.SIGKILL)  # never leave a server or worker behind a failed test
            except ProcessLookupError:
                pass
        print(log.read_text())


@pytest.mark.parametrize(("addrport", "url"), [
    ("127.0.0.1:8000", "http://127.0.0.1:8000/"), ("8123", "http://127.0.0.1:8123/"),
    ("0.0.0.0:8080", "http://127.0.0.1:8080/"), ("localhost:9000", "http://localhost:9000/"),
])
def test_it_prints_the_address_to_open(addrport, url):
    assert browser_url(addrport) == url


def test_make_run_passes_its_port_to_the_server_and_the_login_message():
    dry = subprocess.run(["make", "-n", "run", "PORT=8123"], cwd=ROOT, capture_output=True, text=True, check=True)
    assert "manage.py devserver 127.0.0.1:8123" in dry.stdout
    assert "manage.py load_demo --url http://127.0.0.1:8123/" in dry.stdout
    assert "--reset-password" not in dry.stdout
    dry = subprocess.run(["make", "-n", "demo", "RESET_PASSWORD=1"], cwd=ROOT, capture_output=True, text=True,
                         check=True)
    assert "load_demo --url http://127.0.0.1:8000/ --reset-password" in dry.stdout
