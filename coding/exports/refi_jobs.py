"""A REFI-QDA project (.qdpx) imported by the task worker, not in the request: the request checks that the file is a
.qdpx, makes the new, empty study and stores the file in a FileJob row (planner.filejobs); the worker reads the
file (a problem with it fails the job with its message) and stores it in one transaction, with its report."""

from django.db import transaction
from django_tasks import TaskContext, task

from coding.exports.refi_import import read_project, report_keep, store_project
from planner.filejobs import file_job_kind, process
from planner.models import FileJob, Project

REFI_IMPORTS = file_job_kind(FileJob.Kind.REFI_IMPORT, lambda job_id: import_refi_file.enqueue(job_id))


@task(takes_context=True)
def import_refi_file(context: TaskContext, job_id: int) -> None:
    REFI_IMPORTS.work(job_id, str(context.task_result.id), _import)


def _import(job_id, attempt):
    process(REFI_IMPORTS, job_id, attempt, read=_read, store=_store)


def _read(job, beat):
    read = read_project(bytes(job.data))
    beat()
    return read


def _store(job, read):
    report = store_project(read, project=job.project, lead=job.created_by)
    report_keep(job.project, report, user=job.created_by, file_name=job.file_name, uuid=job.uuid)
    return []


def discard_empty_study(project: Project) -> bool:
    """After a failed import: the study made for it, if nothing was stored in it."""
    with transaction.atomic():
        if project.documents.exists() or project.themes.exists() or project.exchange_imports.exists():
            return False
        project.delete()
        return True
