"""Background exports: a job runs in a worker thread, saves its progress and its file, fails cleanly, is purged."""

import datetime
import io
import threading
import time

import docx
import pytest
from django.conf import settings
from django.db import OperationalError
from django.urls import reverse
from django.utils import timezone

from coding.exports import jobs
from coding.exports.options import ExportOptions
from coding.models import ExportJob
from tests.coding.test_export_views import COUNTY_QUOTE, PLAN_QUOTE, TOWN_QUOTE, export_study, form_data
from tests.planner.test_settings import _manage


def _job(project, user, **fields):
    return ExportJob.objects.create(project=project, created_by=user, format=fields.pop("format", "docx"),
                                    options=fields.pop("options", ExportOptions().to_json()), **fields)


def test_it_makes_the_file_and_marks_the_job_done(project, analyst, lead):
    export_study(project, analyst, lead)
    job = jobs.job_create(project=project, user=analyst, options=ExportOptions(), fmt="xlsx")
    assert (job.status, job.done, job.total) == ("queued", 0, 0)
    jobs.run(job.pk)
    job.refresh_from_db()
    assert job.status == "done" and job.message == ""
    # One row per quote and theme: the plain quote has two themes.
    assert (job.done, job.total) == (5, 5)
    assert job.file_name.startswith(f"{project.slug}-sitater-") and job.file_name.endswith(".xlsx")
    assert bytes(job.content).startswith(b"PK")
    assert job.finished_at is not None


def test_it_keeps_the_decisions_keyed_by_excerpt_id_as_text(project, analyst, lead):
    study = export_study(project, analyst, lead)
    job = jobs.job_create(project=project, user=lead, options=ExportOptions(attribution="publication"), fmt="docx",
                          decisions={study["county"].pk: "drop", study["town"].pk: "mask"})
    job.refresh_from_db()
    assert job.decisions == {str(study["county"].pk): "drop", str(study["town"].pk): "mask"}
    jobs.run(job.pk)
    job.refresh_from_db()
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(bytes(job.content))).paragraphs)
    assert "Agder samarbeider" not in text
    assert "Kommunene rundt [kommune] trenger mer veiledning." in text


def test_a_failing_export_is_marked_failed_with_a_message_and_logged(project, analyst, caplog):
    job = _job(project, analyst, options=ExportOptions(themes=(987654,)).to_json())
    jobs.run(job.pk)
    job.refresh_from_db()
    assert job.status == "failed" and job.finished_at is not None
    assert job.message == jobs.FAILED and "Traceback" not in job.message
    assert job.content is None and job.file_name == ""
    assert [r.exc_info is not None for r in caplog.records if r.name == "coding.exports.jobs"] == [True]


def test_stored_options_that_no_longer_read_fail_the_job(project, analyst):
    job = _job(project, analyst, options={"themes": [], "colour": "red"})
    jobs.run(job.pk)
    job.refresh_from_db()
    assert job.status == "failed"


@pytest.mark.parametrize("status", ["running", "done", "failed"])
def test_it_runs_only_a_queued_job(project, analyst, status):
    job = _job(project, analyst, status=status)
    jobs.run(job.pk)
    job.refresh_from_db()
    assert job.status == status and job.content is None


def test_a_purged_job_is_not_run(project, analyst):
    job = _job(project, analyst)
    ExportJob.objects.filter(pk=job.pk).delete()
    jobs.run(job.pk)
    assert not ExportJob.objects.exists()


def test_jobs_stuck_for_more_than_half_an_hour_are_marked_failed(project, analyst):
    long_ago = timezone.now() - jobs.STALE_AFTER - datetime.timedelta(seconds=5)
    rows = {name: _job(project, analyst, status=status) for name, status in [
        ("queued", "queued"), ("running", "running"), ("done", "done"), ("fresh", "running")]}
    ExportJob.objects.exclude(pk=rows["fresh"].pk).update(created_at=long_ago)
    shown = jobs.expire_stale(list(ExportJob.objects.all()))
    assert {job.pk: job.status for job in shown} == dict(ExportJob.objects.values_list("pk", "status"))
    after = dict(ExportJob.objects.values_list("pk", "status"))
    assert {name: after[job.pk] for name, job in rows.items()} == {
        "queued": "failed", "running": "failed", "done": "done", "fresh": "running"}
    assert ExportJob.objects.get(pk=rows["running"].pk).message == jobs.STOPPED
    # A job marked stale is not started afterwards by a late worker.
    jobs.run(rows["queued"].pk)
    assert ExportJob.objects.get(pk=rows["queued"].pk).status == "failed"


def test_a_job_marked_stopped_while_it_ran_stays_failed(project, analyst):
    """A job that outlived the stale limit was shown as failed; its late result must not undo that."""
    job = _job(project, analyst, status="running", created_at=timezone.now())
    ExportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - datetime.timedelta(hours=1))
    jobs.recent(project, analyst)  # a page that shows the job marks it stale
    jobs._finish(job.pk, status=ExportJob.Status.DONE, content=b"PK", file_name="late.docx", message="")
    job.refresh_from_db()
    assert (job.status, job.message, job.content, job.file_name) == ("failed", jobs.STOPPED, None, "")


def test_purge_deletes_exports_older_than_seven_days(project, analyst, viewer):
    old, young = _job(project, analyst, status="done"), _job(project, viewer, status="done")
    ExportJob.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=8))
    ExportJob.objects.filter(pk=young.pk).update(created_at=timezone.now() - datetime.timedelta(days=6, hours=23))
    jobs.purge()
    assert list(ExportJob.objects.values_list("pk", flat=True)) == [young.pk]


def test_the_pool_has_as_many_threads_as_the_setting_says():
    assert jobs.executor()._max_workers == settings.KODEVERK_EXPORT_WORKERS
    assert jobs.executor() is jobs.executor()


@pytest.mark.parametrize("value, message", [("0", "must be 1 or more"), ("two", "must be an integer")])
def test_a_bad_number_of_export_threads_stops_the_app(value, message):
    result = _manage("check", DEBUG="1", KODEVERK_EXPORT_WORKERS=value)
    assert result.returncode != 0 and f"KODEVERK_EXPORT_WORKERS {message}" in result.stderr


def test_starting_a_job_waits_for_the_commit(project, analyst, django_capture_on_commit_callbacks):
    job = _job(project, analyst)
    with django_capture_on_commit_callbacks() as callbacks:
        jobs.start(job)
    assert len(callbacks) == 1  # nothing runs before the row is visible to other connections


def _wait_for(job, statuses=("done", "failed"), seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            job.refresh_from_db(fields=["status", "done", "total", "message"])
        except OperationalError:  # SQLite's shared in-memory test database locks whole tables
            continue
        if job.status in statuses:
            return job
        time.sleep(0.1)
    raise AssertionError(f"the export is still {job.status} after {seconds} s")


@pytest.mark.django_db(transaction=True)
def test_an_export_started_from_the_page_runs_in_a_thread_and_is_downloaded(client, project, analyst, lead, viewer):
    export_study(project, analyst, lead)
    client.force_login(viewer)
    started = time.monotonic()
    response = client.post(reverse("coding:export_start", args=[project.slug]), form_data(project))
    assert response.status_code == 303
    job = ExportJob.objects.get()
    assert job.status in ("queued", "running", "done")
    _wait_for(job)
    assert job.status == "done", job.message
    assert time.monotonic() - started < 30
    threads = [t.name for t in threading.enumerate()]
    assert any(name.startswith("kodeverk-export") for name in threads)

    row = client.get(reverse("coding:export_job", args=[project.slug, job.uuid])).content.decode()
    assert "status-done" in row and "hx-trigger" not in row
    response = client.get(reverse("coding:export_download", args=[project.slug, job.uuid]))
    assert response.status_code == 200
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(response.content)).paragraphs)
    for phrase in (COUNTY_QUOTE, TOWN_QUOTE, PLAN_QUOTE):
        assert phrase in text


@pytest.mark.django_db(transaction=True)
def test_more_exports_than_threads_wait_their_turn_while_pages_answer(client, project, analyst, lead, viewer):
    export_study(project, analyst, lead)
    client.force_login(analyst)
    queued = [jobs.job_create(project=project, user=viewer, options=ExportOptions(), fmt=fmt)
              for fmt in ("docx", "xlsx", "csv", "docx", "xlsx")]
    for job in queued:
        jobs.start(job)  # outside a transaction: handed to the pool at once
    # Pages that read none of the export's rows answer while the two threads work through five files.
    assert client.get(reverse("coding:matrix", args=[project.slug])).status_code == 200
    assert client.get(reverse("coding:theme_list", args=[project.slug])).status_code == 200
    for job in queued:
        assert _wait_for(job).status == "done", job.message
    assert {job.file_name.rsplit(".", 1)[1] for job in ExportJob.objects.all()} == {"docx", "xlsx", "csv"}
