"""/healthz (database check, age of the oldest queued task, 503 when the database is away) and the logs:
a request id on every response, one JSON line per request with its user and duration, in the web
process and in the task worker alike. The logs are read from the real stdout of a real process."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from urllib.request import Request, urlopen

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max

from tests.coding.test_task_worker import database_url
from tests.planner.test_login_throttle import wrong

ROOT = Path(__file__).resolve().parents[2]
HEALTHZ = "/healthz"
NOTHING_QUEUED = {"status": "ok", "database": "ok", "queued_tasks": 0, "oldest_queued_task_age_seconds": None}


def _run(*args, **env):
    """manage.py ARGS in a new process with the settings the environment gives; (stdout lines, stderr)."""
    dropped = {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE", "KODEVERK_LOG_FORMAT",
               "LOG_LEVEL", "DATABASE_URL", "KODEVERK_TASKS"}
    environment = {k: v for k, v in os.environ.items() if k not in dropped} | env
    result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=environment,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout.splitlines(), result.stderr


def _request_in_a_process(code, **env):
    """Run `code` (which has `Client`) in `manage.py shell`; the response comes back as the last line of stderr
    (before it, production may warn that collectstatic has not run)."""
    program = f"import json, sys\nfrom django.test import Client\n{code}\n" + (
        "sys.stderr.write('\\n' + json.dumps({'status': r.status_code, 'headers': dict(r.headers), "
        "'body': r.content.decode()}))")
    lines, stderr = _run("shell", "-v", "0", "--no-imports", "-c", program, ALLOWED_HOSTS="testserver", **env)
    return lines, json.loads(stderr.splitlines()[-1])


def _queued(age_seconds, **fields):
    row = DBTaskResult.objects.create(task_path="coding.exports.jobs.export_file", backend_name="default",
                                      args_kwargs={"args": [1], "kwargs": {}},
                                      run_after=fields.pop("run_after", get_date_max()), **fields)
    DBTaskResult.objects.filter(pk=row.pk).update(enqueued_at=timezone.now() - timedelta(seconds=age_seconds))


def test_it_answers_anyone_with_the_database_and_nothing_of_a_study(client, project, lead,
                                                                  django_assert_num_queries):
    with django_assert_num_queries(1):
        response = client.get(HEALTHZ)
    assert response.status_code == 200
    assert response.json() == NOTHING_QUEUED
    # The security middleware still applies; a health answer is never cached.
    assert "no-store" in response["Cache-Control"]
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert "camera=()" in response["Permissions-Policy"]
    client.force_login(lead)  # a member of a study learns nothing more
    assert client.get(HEALTHZ).json() == NOTHING_QUEUED


def test_it_reports_how_long_the_oldest_queued_task_has_waited(client, db):
    _queued(120)
    _queued(30)
    _queued(3600, status="RUNNING")  # a worker has it
    _queued(3600, status="SUCCESSFUL")
    _queued(900, run_after=timezone.now() + timedelta(hours=1))  # not due yet
    report = client.get(HEALTHZ).json()
    assert report["queued_tasks"] == 2
    assert 120 <= report["oldest_queued_task_age_seconds"] < 130


def test_a_locked_out_address_still_gets_an_answer(client, analyst):
    assert wrong(client, analyst.username, 5)[-1].status_code == 429
    assert client.get(HEALTHZ, REMOTE_ADDR="10.0.0.7").status_code == 200


def test_it_answers_get_and_head_only(client, db):
    assert client.head(HEALTHZ).status_code == 200
    assert client.post(HEALTHZ).status_code == 405


def test_it_answers_503_when_the_database_does_not_answer(tmp_path):
    """Production settings, over plain HTTP as a load balancer asks (no redirect), on a database that is
    not there: a file under a regular file for SQLite, a port nobody listens on for PostgreSQL."""
    if connection.vendor == "sqlite":
        (tmp_path / "not-a-folder").write_text("")
        broken, listener = f"sqlite:///{tmp_path / 'not-a-folder' / 'db.sqlite3'}", None
    else:
        listener = socket.socket()  # bound, never listening: the connection is refused
        listener.bind(("127.0.0.1", 0))
        broken = f"postgres://postgres@127.0.0.1:{listener.getsockname()[1]}/kodeverk"
    try:
        lines, response = _request_in_a_process(
            "r = Client().get('/healthz', HTTP_X_REQUEST_ID='probe-503')",
            DEBUG="0", SECRET_KEY="x7!Qm2#pL9@vR4$tW8^zK1&nB6*cD3(fG5)hJ0_yU2+sE9=aT4", DATABASE_URL=broken)
    finally:
        if listener:
            listener.close()
    assert (response["status"], json.loads(response["body"])) == (503, {"status": "unavailable",
                                                                        "database": "unavailable"})
    assert response["headers"]["X-Request-ID"] == "probe-503"
    records = [json.loads(line) for line in lines]  # production writes JSON lines and nothing else
    error = next(r for r in records if r["logger"] == "planner.views")
    assert (error["level"], error["request_id"], error["path"]) == ("ERROR", "probe-503", HEALTHZ)
    assert "Traceback" in error["exc_info"]
    access = next(r for r in records if r["logger"] == "kodeverk.requests")
    assert (access["status"], access["request_id"]) == (503, "probe-503")


@pytest.mark.django_db(transaction=True)  # the other process must see the user
def test_a_request_is_logged_as_one_json_line_with_its_id_user_and_duration(analyst):
    lines, response = _request_in_a_process(
        "from django.contrib.auth import get_user_model\n"
        f"c = Client(); c.force_login(get_user_model().objects.get(pk={analyst.pk}))\n"
        "r = c.get('/', HTTP_X_REQUEST_ID='probe-42')",
        DEBUG="1", KODEVERK_LOG_FORMAT="json", DATABASE_URL=database_url())
    assert response["status"] == 200 and response["headers"]["X-Request-ID"] == "probe-42"
    records = [json.loads(line) for line in lines]
    [access] = [r for r in records if r["logger"] == "kodeverk.requests"]
    assert {key: access[key] for key in ("level", "request_id", "user_id", "method", "path", "status")} == {
        "level": "INFO", "request_id": "probe-42", "user_id": analyst.pk, "method": "GET", "path": "/",
        "status": 200}
    assert access["message"] == "GET / 200"
    assert isinstance(access["duration_ms"], float) and 0 < access["duration_ms"] < 60_000
    assert abs(datetime.fromisoformat(access["timestamp"]) - timezone.now()) < timedelta(minutes=2)


@pytest.mark.django_db(transaction=True)
def test_text_logs_when_asked_still_name_the_request():
    lines, response = _request_in_a_process("r = Client().get('/healthz', HTTP_X_REQUEST_ID='probe-7')",
                                            DEBUG="1", KODEVERK_LOG_FORMAT="text", DATABASE_URL=database_url())
    assert response["status"] == 200
    [line] = [line for line in lines if "kodeverk.requests" in line]
    assert line.endswith("INFO kodeverk.requests [probe-7] GET /healthz 200")


@pytest.mark.parametrize(("incoming", "kept"), [
    ("3f2c9a0e5b7d4c1a9e8f7a6b5c4d3e2f", True), ("lb-01.req_77", True),
    ("x" * 65, False), ("abc 123", False), ("abc\r\nSet-Cookie: x=1", False), ("", False), (None, False),
])
def test_it_keeps_an_incoming_request_id_only_when_it_is_a_safe_short_token(client, db, incoming, kept):
    headers = {} if incoming is None else {"HTTP_X_REQUEST_ID": incoming}
    request_id = client.get(reverse("login"), **headers)["X-Request-ID"]
    if kept:
        assert request_id == incoming
    else:
        assert len(request_id) == 32 and int(request_id, 16) >= 0  # a new uuid4 in hex


def test_each_request_gets_its_own_id(client, db):
    assert client.get(HEALTHZ)["X-Request-ID"] != client.get(HEALTHZ)["X-Request-ID"]


@pytest.mark.django_db(transaction=True)  # the worker must see the test database's tables
def test_the_task_worker_logs_json_lines_too():
    lines, _stderr = _run("db_worker", "--batch", "--no-reload", "--no-startup-delay",
                          DEBUG="1", KODEVERK_LOG_FORMAT="json", DATABASE_URL=database_url(),
                          KODEVERK_TASKS="database")
    records = [json.loads(line) for line in lines]  # every line
    assert [r["logger"] for r in records] == ["django_tasks_db", "django_tasks_db"]
    assert records[0]["message"].startswith("Starting worker") and records[0]["request_id"] is None


@pytest.mark.django_db(transaction=True)  # gunicorn's worker must see the test database's tables
def test_gunicorn_as_deployed_answers_healthz_and_logs_only_json_lines(tmp_path):
    """deploy/gunicorn.conf.py with production settings: gunicorn's own records and the app's, one JSON
    line each on stdout."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "KODEVERK_LOG_FORMAT", "LOG_LEVEL"}} | {
        "SECRET_KEY": "x7!Qm2#pL9@vR4$tW8^zK1&nB6*cD3(fG5)hJ0_yU2+sE9=aT4", "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": database_url(), "WEB_CONCURRENCY": "1", "DEBUG": "0"}
    out = tmp_path / "gunicorn.out"
    gunicorn = subprocess.Popen([Path(sys.executable).with_name("gunicorn"), "--config", "deploy/gunicorn.conf.py",
                                 "--bind", f"127.0.0.1:{port}", "planner.wsgi"],
                                cwd=ROOT, env=env, stdout=out.open("w"), stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urlopen(Request(f"http://127.0.0.1:{port}/healthz", headers={"X-Request-ID": "lb-1"}),
                             timeout=5) as response:
                    assert (response.status, json.load(response)) == (200, NOTHING_QUEUED)
                    break
            except OSError:
                assert time.monotonic() < deadline and gunicorn.poll() is None, out.read_text()
                time.sleep(0.2)
    finally:
        gunicorn.send_signal(signal.SIGTERM)
        gunicorn.wait(30)
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert any(r["logger"] == "gunicorn.error" and r["message"].startswith("Booting worker") for r in records)
    access = [r for r in records if r["logger"] == "kodeverk.requests"]
    assert [(r["request_id"], r["path"], r["status"]) for r in access] == [("lb-1", HEALTHZ, 200)]


def test_a_log_format_it_does_not_know_stops_the_app():
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, capture_output=True, text=True,
                            env={**os.environ, "DEBUG": "1", "KODEVERK_LOG_FORMAT": "xml"}, timeout=120)
    assert result.returncode != 0
    assert "KODEVERK_LOG_FORMAT must be json or text, not 'xml'" in result.stderr
