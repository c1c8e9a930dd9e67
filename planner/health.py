"""What /healthz reports: that the database answers, and how long the oldest queued task has waited.

Nothing in it is about a study, so anyone may ask without logging in (load balancers, monitoring).
"""

from django.db.models import Count, Min
from django.utils import timezone
from django_tasks_db.models import DBTaskResult


def health_report() -> dict:
    """One query, which is also the database check: it raises DatabaseError when the database does not answer.

    A task is queued while it waits for a worker (django-tasks-db's `ready()`: status READY, due now);
    a growing age means no worker is running, or too few.
    """
    queued = DBTaskResult.objects.ready().aggregate(count=Count("id"), oldest=Min("enqueued_at"))
    oldest = queued["oldest"]
    age = round((timezone.now() - oldest).total_seconds(), 1) if oldest else None
    return {"database": "ok", "queued_tasks": queued["count"], "oldest_queued_task_age_seconds": age}
