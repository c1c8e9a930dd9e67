"""The short form of the load and fault test (bench/loadtest.py; `make loadtest` runs the full form): 20
analysts for 20 s against gunicorn (2 workers) and a task worker on a PostgreSQL database of its own, while
a web worker is killed with SIGKILL (at 35 % of the run, once a write is in flight) and the app's database
connections are terminated (at 55 %). Every acknowledged write must be in the database exactly once, nothing
else, and every export finished or failed.

And the script's check itself, on the test database: it finds a lost, a duplicated and an unacknowledged write.
"""

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model

from coding.models import Change, Excerpt
from coding.services import excerpt_create, excerpt_delete, excerpt_update
from planner.models import Membership
from planner.services import membership_set
from tests.long_transcript import long_transcript
from tests.template_db import migrated_template

ROOT = Path(__file__).resolve().parent.parent
DATABASE = settings.DATABASES["default"]
_spec = importlib.util.spec_from_file_location("loadtest", ROOT / "bench" / "loadtest.py")
loadtest = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(loadtest)


def _server():
    auth = DATABASE["USER"] + (f":{DATABASE['PASSWORD']}" if DATABASE["PASSWORD"] else "")
    return f"postgres://{auth}@{DATABASE['HOST'] or '127.0.0.1'}:{DATABASE['PORT'] or 5432}"


@pytest.mark.skipif(
    DATABASE["ENGINE"] != "django.db.backends.postgresql",
    reason="the load test serves the app with gunicorn and a task worker on PostgreSQL, the production "
           "database; run it with DATABASE_URL=postgres://…",
)
def test_it_loses_no_write_when_a_web_worker_is_killed_and_the_database_connections_are_cut(tmp_path):
    report_file = tmp_path / "report.json"
    # A database beside the test database: the script creates and drops it, and never touches the test's.
    database = f"{DATABASE['NAME']}_load"
    # Under `make test` the run's migrated template (tests/template_db.py) is copied: no `migrate` (3 s).
    vendor, template = migrated_template() or ("", "")
    result = subprocess.run(
        [sys.executable, "bench/loadtest.py", "--users", "20", "--seconds", "20", "--documents", "3",
         "--faults", "web,db", "--server", _server(), "--database", database, "--report", str(report_file),
         *(["--template", template] if vendor == "postgresql" else [])],
        cwd=ROOT, env={**os.environ, "LOADTEST_LOGS": str(tmp_path)}, capture_output=True, text=True, timeout=240)
    print(result.stdout, result.stderr)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    report = json.loads(report_file.read_text())

    assert report["passed"]
    assert (report["lost"], report["duplicated"], report["unacknowledged"]) == ([], [], [])
    assert report["unexplained"] == []
    assert report["export_problems"] == []
    # The faults happened: the killed worker is gone and gunicorn has two again; the connections were cut.
    faults = {fault["name"]: fault["detail"] for fault in report["faults"]}
    assert set(faults) == {"web worker killed (SIGKILL)", "database connections terminated"}
    killed = int(faults["web worker killed (SIGKILL)"].removeprefix("pid "))
    assert len(report["web_workers_after"]) == 2 and killed not in report["web_workers_after"]
    assert int(faults["database connections terminated"].split()[0]) >= 1
    # The analysts did work, and the checks had writes of every kind to check: some 60 % of the least counts
    # of the 30-second form, rounded down. In 15 s the 2-core machine made some 170 requests, 30 creations,
    # 15 changes, 5 deletions, 4 undos and 4 exports, but with another process on one core only 70-100
    # requests and as few as 4 creations (the 20 logins, each a real password hash, fill the start): 20 s
    # leaves the check that margin.
    assert report["users"] == 20 and report["requests"] >= 90
    writes = report["writes"]
    for kind, least in [("create", 12), ("update", 2), ("delete", 1), ("undo", 1), ("export", 1)]:
        assert writes.get(f"{kind} ack", 0) >= least, (kind, writes)
    assert set(report["exports"]) <= {"done", "failed"} and sum(report["exports"].values()) >= writes["export ack"]
    for category in ("page", "coding"):
        assert report["latency_ms"][category]["requests"] > 0


@pytest.fixture
def coded(project, lead):
    """Two analysts' acknowledged writes on a transcript, as the script records them, and the study it checks."""
    users = [get_user_model().objects.create_user(f"analyst0{i}") for i in (1, 2)]
    for user in users:
        membership_set(project=project, user=user, role=Membership.Role.ANALYST)
    document = long_transcript(project, lead, cues=40)
    themes = list(project.themes.order_by("position")[:3])
    run = loadtest.Run(started=0, deadline=0, ramp=0)
    clock = iter(range(100))

    def write(user, kind, token, excerpt=None, outcome="ack"):
        started = next(clock)
        entry = loadtest.Write(user=user.username, kind=kind, started=started, ended=started + 0.5, outcome=outcome,
                               token=token, document=document.pk)
        if excerpt is not None:
            entry.version = excerpt.version
            entry.themes = tuple(sorted(excerpt.codings.values_list("theme_id", flat=True)))
        run.writes.append(entry)

    one = excerpt_create(document=document, start=0, end=80, coder=users[0], themes=themes[:1], memo="lt:a1:1")
    write(users[0], "create", "lt:a1:1", one)
    one = excerpt_update(excerpt_id=one.pk, user=users[1], version=1, themes=themes[1:3], memo="lt:a1:1")
    write(users[1], "update", "lt:a1:1", one)
    two = excerpt_create(document=document, start=100, end=180, coder=users[1], themes=themes[:2], memo="lt:a2:1")
    write(users[1], "create", "lt:a2:1", two)
    excerpt_delete(excerpt_id=two.pk, user=users[0], version=1)
    write(users[0], "delete", "lt:a2:1")
    write(users[0], "create", "lt:a1:2", outcome="doubt")  # no answer came: stored or not, both are right
    study = {"project": project.pk, "seeded": 0}
    return {"run": run, "study": study, "users": users, "document": document, "themes": themes, "excerpt": one}


def test_its_check_passes_what_the_database_holds(coded):
    lost, duplicated, unacknowledged, definite = loadtest.check_writes(coded["study"], coded["run"])
    assert (lost, duplicated, unacknowledged) == ([], [], [])
    assert definite == 2  # both excerpts' last writes came one after the other


def test_its_check_finds_an_acknowledged_change_overwritten_without_history(coded):
    Excerpt.objects.filter(pk=coded["excerpt"].pk).update(version=1)
    lost, _duplicated, _unacknowledged, _definite = loadtest.check_writes(coded["study"], coded["run"])
    assert any("lt:a1:1" in line for line in lost)


def test_its_check_finds_an_acknowledged_write_missing_from_the_history(coded):
    Change.objects.filter(action="excerpt_deleted").delete()
    lost, _duplicated, unacknowledged, _definite = loadtest.check_writes(coded["study"], coded["run"])
    assert any("delete of lt:a2:1" in line for line in lost)


def test_its_check_finds_a_duplicate_and_a_write_nobody_was_told_of(coded):
    users, document, themes = coded["users"], coded["document"], coded["themes"]
    excerpt_create(document=document, start=200, end=260, coder=users[0], themes=themes[:1], memo="lt:a1:1")
    excerpt_create(document=document, start=300, end=360, coder=users[1], themes=themes[:1], memo="lt:a2:9")
    _lost, duplicated, unacknowledged, _definite = loadtest.check_writes(coded["study"], coded["run"])
    assert any("lt:a1:1: stored 2 times" in line for line in duplicated)
    assert any("lt:a2:9" in line for line in unacknowledged)


def test_its_check_finds_a_lost_update_between_two_analysts(coded):
    """Two acknowledged changes both made from version 2: the history is no longer one chain."""
    users, excerpt, themes = coded["users"], coded["excerpt"], coded["themes"]
    after = excerpt_update(excerpt_id=excerpt.pk, user=users[0], version=2, themes=themes[:1], memo="lt:a1:1")
    Change.objects.filter(pk=Change.objects.latest("id").pk).update(
        before={**Change.objects.latest("id").before, "version": 1})
    coded["run"].writes.append(loadtest.Write(user=users[0].username, kind="update", started=50, ended=50.5,
                                              outcome="ack", token="lt:a1:1", document=excerpt.document_id,
                                              version=after.version, themes=(themes[0].pk,)))
    lost, _duplicated, _unacknowledged, _definite = loadtest.check_writes(coded["study"], coded["run"])
    assert any("does not follow" in line for line in lost)
