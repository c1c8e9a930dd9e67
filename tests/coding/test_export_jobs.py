"""Background exports: a job runs as a task, saves its progress, heartbeat and file, fails cleanly, is retried
once when its worker goes silent, is purged."""

import datetime
import io
import time

import docx
import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from coding.exports import jobs, word
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


def test_it_records_its_attempt_and_heartbeat_as_it_runs(project, analyst, lead, settings, monkeypatch):
    export_study(project, analyst, lead)
    _STEPS.clear()
    monkeypatch.setattr(jobs, "PROGRESS_EVERY", 0)
    monkeypatch.setattr(word, "PROGRESS_STEP", 1)
    settings.KODEVERK_EXPORT_STEP_HOOK = f"{__name__}.record_step"
    job = jobs.job_create(project=project, user=analyst, options=ExportOptions(), fmt="docx")
    before = timezone.now()
    jobs.run(job.pk)
    job.refresh_from_db()
    assert (job.status, job.attempts) == ("done", 1)
    assert before <= job.heartbeat_at <= job.finished_at
    # Each step saw the row running with a fresh heartbeat and the progress of the step before.
    assert [row[:2] for row in _STEPS] == [("running", 1)] * len(_STEPS) and len(_STEPS) >= 5
    assert [row[2] for row in _STEPS] == sorted(row[2] for row in _STEPS)
    assert [row[3] for row in _STEPS][-1] > 0


_STEPS = []


def record_step(done, total):
    """A step hook (KODEVERK_EXPORT_STEP_HOOK): what the job's row says at each quote."""
    job = ExportJob.objects.get()
    _STEPS.append((job.status, job.attempts, job.heartbeat_at, job.done))


def test_a_running_job_without_a_heartbeat_for_30_s_is_queued_again_once_then_failed(project, analyst):
    silent = timezone.now() - jobs.heartbeat_stale() - datetime.timedelta(seconds=1)
    lost = DBTaskResult.objects.create(status="RUNNING", args_kwargs={"args": [0], "kwargs": {}},
                                       task_path="coding.exports.jobs.export_file", backend_name="default",
                                       run_after=timezone.now())
    rows = {name: _job(project, analyst, **fields) for name, fields in {
        "first": {"status": "running", "attempts": 1, "heartbeat_at": silent, "task_id": str(lost.id)},
        "last": {"status": "running", "attempts": jobs.MAX_ATTEMPTS, "heartbeat_at": silent},
        "beating": {"status": "running", "attempts": 1, "heartbeat_at": timezone.now()},
        "waiting": {"status": "queued"},
        "done": {"status": "done", "attempts": 1, "heartbeat_at": silent},
    }.items()}
    ExportJob.objects.exclude(pk=rows["beating"].pk).update(created_at=timezone.now() - datetime.timedelta(hours=1))
    with override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}):
        jobs.sweep()
    after = {name: ExportJob.objects.get(pk=job.pk) for name, job in rows.items()}
    assert {name: (job.status, job.attempts) for name, job in after.items()} == {
        "first": ("queued", 1), "last": ("failed", 2), "beating": ("running", 1), "waiting": ("queued", 0),
        "done": ("done", 1)}
    assert after["last"].message == jobs.STOPPED and after["last"].finished_at is not None
    assert after["first"].heartbeat_at > silent  # queued again now: the queue limit counts from here
    # The job queued again has its task, in the same transaction; nothing else was enqueued; the record of
    # the lost run is closed, so no task stays «running» either.
    assert [(t.task_path, t.args_kwargs["args"]) for t in DBTaskResult.objects.exclude(pk=lost.pk)] == [
        ("coding.exports.jobs.export_file", [rows["first"].pk])]
    lost.refresh_from_db()
    assert (lost.status, lost.exception_class_path) == ("FAILED", "planner.jobs.WorkerLost")
    jobs.sweep()  # a second sweep finds nothing more to do
    assert DBTaskResult.objects.count() == 2


def test_a_late_run_never_overwrites_the_job_that_was_handed_on(project, analyst, lead, settings, monkeypatch):
    """The sweep handed the job to a new attempt while the old run was stuck; the old run must stop."""
    export_study(project, analyst, lead)
    monkeypatch.setattr(jobs, "PROGRESS_EVERY", 0)
    monkeypatch.setattr(word, "PROGRESS_STEP", 1)
    settings.KODEVERK_EXPORT_STEP_HOOK = f"{__name__}.hand_on"
    job = jobs.job_create(project=project, user=analyst, options=ExportOptions(), fmt="docx")
    jobs.run(job.pk)
    job.refresh_from_db()
    assert (job.status, job.attempts, job.content, job.file_name) == ("running", 2, None, "")


def hand_on(done, total):
    """A step hook: another worker took the job over (attempt 2) while this run was at its first quote."""
    ExportJob.objects.filter(attempts=1).update(attempts=2)


def test_purge_deletes_exports_older_than_seven_days(project, analyst, viewer):
    old, young = _job(project, analyst, status="done"), _job(project, viewer, status="done")
    ExportJob.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=8))
    ExportJob.objects.filter(pk=young.pk).update(created_at=timezone.now() - datetime.timedelta(days=6, hours=23))
    jobs.purge()
    assert list(ExportJob.objects.values_list("pk", flat=True)) == [young.pk]


@pytest.mark.parametrize("value", ["redis", "Database"])
def test_an_unknown_task_backend_stops_the_app(value):
    result = _manage("check", DEBUG="1", KODEVERK_TASKS=value)
    assert result.returncode != 0 and "KODEVERK_TASKS must be one of database, immediate" in result.stderr


def test_a_job_and_its_task_are_written_together_or_not_at_all(project, analyst, settings):
    settings.TASKS = DATABASE_TASKS
    with transaction.atomic():
        job = _job(project, analyst)
        jobs.start(job)
        [task] = DBTaskResult.objects.all()
        assert task.args_kwargs["args"] == [job.pk]
    # A web process that dies before its commit leaves neither: never a queued job without its task.
    with pytest.raises(RuntimeError), transaction.atomic():
        _job(project, analyst)
        jobs.start(ExportJob.objects.latest("pk"))
        raise RuntimeError("the web process died")
    assert ExportJob.objects.count() == DBTaskResult.objects.count() == 1


DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def _work_off_the_queue():
    """What `manage.py db_worker` does, in this process: run every queued task, then stop."""
    call_command("db_worker", "--batch", "--no-reload", "--no-startup-delay", "--interval=0", verbosity=0)


@pytest.mark.django_db(transaction=True)
def test_an_export_started_from_the_page_waits_for_the_worker_and_is_downloaded(client, project, analyst, lead,
                                                                                 viewer, settings):
    export_study(project, analyst, lead)
    settings.TASKS = DATABASE_TASKS
    client.force_login(viewer)
    started = time.monotonic()
    response = client.post(reverse("coding:export_start", args=[project.slug]), form_data(project))
    assert response.status_code == 303 and time.monotonic() - started < 2
    job = ExportJob.objects.get()
    # The web process made no file: the job waits as a task in the database.
    assert (job.status, job.attempts) == ("queued", 0)
    task = DBTaskResult.objects.get()
    assert (task.status, task.task_path, task.args_kwargs) == (
        "READY", "coding.exports.jobs.export_file", {"args": [job.pk], "kwargs": {}})
    row = client.get(reverse("coding:export_job", args=[project.slug, job.uuid])).content.decode()
    assert "status-queued" in row and "hx-trigger" in row

    _work_off_the_queue()
    job.refresh_from_db()
    assert (job.status, job.attempts, job.message) == ("done", 1, "")
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
    row = client.get(reverse("coding:export_job", args=[project.slug, job.uuid])).content.decode()
    assert "status-done" in row and "hx-trigger" not in row
    response = client.get(reverse("coding:export_download", args=[project.slug, job.uuid]))
    assert response.status_code == 200
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(response.content)).paragraphs)
    for phrase in (COUNTY_QUOTE, TOWN_QUOTE, PLAN_QUOTE):
        assert phrase in text


@pytest.mark.django_db(transaction=True)
def test_exports_wait_in_the_database_while_pages_answer(client, project, analyst, lead, viewer, settings):
    export_study(project, analyst, lead)
    settings.TASKS = DATABASE_TASKS
    client.force_login(analyst)
    queued = [jobs.job_create(project=project, user=viewer, options=ExportOptions(), fmt=fmt)
              for fmt in ("docx", "xlsx", "csv", "docx", "xlsx")]
    for job in queued:
        jobs.start(job)  # outside a transaction: enqueued at once
    assert DBTaskResult.objects.filter(status="READY").count() == 5
    for name in ("coding:matrix", "coding:theme_list"):
        started = time.monotonic()
        assert client.get(reverse(name, args=[project.slug])).status_code == 200
        assert time.monotonic() - started < 2
    assert set(ExportJob.objects.values_list("status", flat=True)) == {"queued"}
    _work_off_the_queue()
    assert set(ExportJob.objects.values_list("status", flat=True)) == {"done"}
    assert {job.file_name.rsplit(".", 1)[1] for job in ExportJob.objects.all()} == {"docx", "xlsx", "csv"}
