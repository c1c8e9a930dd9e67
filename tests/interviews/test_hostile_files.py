"""The hostile files of issue 13 through the web pages and a real task worker (`manage.py db_worker`), and a
200 MB file on the command line: each gets a message naming the problem, nothing is stored, the web request
answers within 2 s because it only queues the file, and the peak memory of the process doing the work (the
worker with the PDF child it waited for; the command) stays under 300 MB, read with os.wait4 by
tests/peak_memory.py."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.urls import reverse

from interviews.models import ImportDraft
from planner.models import Chunk, Document, FileJob, Plan
from planner.plandoc_forms import PlanFilesForm
from tests.coding.test_task_worker import DATABASE_TASKS, database_url, worker  # noqa: F401  (the fixture)
from tests.planner.pdfs import bomb_pdf, many_pages_pdf

ROOT = Path(__file__).resolve().parents[2]
PEAK_MB = 300
WEB_SECONDS = 2.0

pytestmark = pytest.mark.django_db(transaction=True)  # the worker and the command must see what the test commits


def million_cue_vtt(path):
    """1,000,000 cues without speakers, written a block at a time: 23 MB, under the upload limit."""
    with path.open("w", encoding="utf-8") as file:
        file.write("WEBVTT\n\n")
        block = "0:00.000-->0:00.000\nx\n\n" * 10_000
        for _ in range(100):
            file.write(block)
    return path


def _measured(tmp_path, name):
    """The launcher that writes the peak memory of the command it runs to a file (tests/peak_memory.py)."""
    out = tmp_path / f"{name}.peak"
    return out, (sys.executable, str(ROOT / "tests" / "peak_memory.py"), str(out))


def _peak_mb(process, out):
    """Wait for the process; its peak resident memory, with the children it waited for, in MB."""
    process.wait(30)
    return int(out.read_text()) / 1024


def _timed_post(client, url, files, field="files"):
    """The answer, and the CPU time this process spent on it: the request only stores the file and queues its job
    (a few rows), so that is its work, whatever the worker parsing the file beside it and the other test
    processes take from the clock on the same two cores."""
    started = time.process_time()
    response = client.post(url, {field: files})
    return response, time.process_time() - started


def _errors(client, url):
    return [str(m) for m in client.get(url).context["messages"] if m.level_tag == "error"]


def test_a_worker_refuses_the_hostile_uploads_within_300_mb_and_the_web_answers_at_once(
        client, project, analyst, tmp_path, worker, settings):  # noqa: F811
    assert settings.TASKS == DATABASE_TASKS  # nothing runs in the request
    client.force_login(analyst)
    plan = Plan.objects.filter(county__project=project).first()
    import_url = reverse("interviews:import_start", args=[project.slug])
    plan_url = reverse("planner:plan_detail", args=[project.slug, plan.pk])
    vtt = million_cue_vtt(tmp_path / "million.vtt")
    (tmp_path / "bombe.pdf").write_bytes(bomb_pdf())
    (tmp_path / "sider.pdf").write_bytes(many_pages_pdf())

    with vtt.open("rb") as upload:
        response, seconds = _timed_post(client, import_url, [upload])
    print(f"upload of {vtt.stat().st_size / 1e6:.0f} MB .vtt answered in {seconds:.2f} s of CPU")
    assert response.status_code == 302 and seconds < WEB_SECONDS
    with (tmp_path / "bombe.pdf").open("rb") as bomb, (tmp_path / "sider.pdf").open("rb") as pages:
        response, seconds = _timed_post(client, reverse("planner:plan_files_attach", args=[project.slug, plan.pk]),
                                        [bomb, pages], field=PlanFilesForm().add_prefix("files"))
    print(f"upload of the two PDFs answered in {seconds:.2f} s of CPU")
    assert response.status_code == 302 and seconds < WEB_SECONDS
    assert FileJob.objects.filter(status="queued").count() == 3

    out, launcher = _measured(tmp_path, "worker")
    process = worker(launcher=launcher)
    deadline = time.monotonic() + 60
    while FileJob.objects.exclude(status__in=["done", "failed"]).exists():
        assert time.monotonic() < deadline, list(FileJob.objects.values_list("file_name", "status"))
        time.sleep(0.2)
    process.send_signal(signal.SIGTERM)
    peak = _peak_mb(process, out)
    print(f"peak memory of the worker and its PDF child: {peak:.0f} MB")
    assert peak < PEAK_MB

    assert _errors(client, import_url) == [
        "Ikke importert: million.vtt: den har 3\u00a0000\u00a0003 linjer, flere enn de 200\u00a0000 linjene et "
        "transkript med høyst 20\u00a0000 replikker kan ha. Del den opp i flere filer."]
    bomb_error, pages_error = _errors(client, plan_url)
    assert bomb_error.startswith("Ikke lagt ved: bombe.pdf ble ikke lest: å lese teksten trengte mer enn grensen")
    assert pages_error.startswith("Ikke lagt ved: sider.pdf har 2000 sider; høyst 1000 sider blir lest.")
    assert not (ImportDraft.objects.exists() or Document.objects.exists() or Chunk.objects.exists()
                or FileJob.objects.exists())


def test_the_command_line_refuses_a_200_mb_file_by_its_size_without_reading_it(project, tmp_path):
    huge = tmp_path / "stor.vtt"
    with huge.open("wb") as file:
        file.truncate(200 * 1024 * 1024)  # sparse: no disk used, but 200 MB to read
    env = {**os.environ, "DEBUG": "1", "DATABASE_URL": database_url()}
    out, launcher = _measured(tmp_path, "command")
    started = time.monotonic()
    process = subprocess.Popen([*launcher, sys.executable, "manage.py", "import_transcripts", "--study", project.slug,
                                str(huge)], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    stdout, stderr = process.stdout.read().decode(), process.stderr.read().decode()
    peak = _peak_mb(process, out)
    print(f"refused in {time.monotonic() - started:.1f} s, peak memory {peak:.0f} MB")
    assert "NOT imported: stor.vtt er for stor (200.0 MB); grensen er 25 MB." in stderr, stderr + stdout
    # Reading the file would have taken 200 MB more than Django itself (some 60 MB).
    assert peak < 150
    assert not Document.objects.exists()
