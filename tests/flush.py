"""After a transactional test, the content types and permissions are put back from a record, not made again.

A transactional test (a browser test with `live_server`, `transaction=True`) ends with Django's `flush`, which
empties every table and then sends `post_migrate`, whose two receivers, `create_contenttypes` and
`create_permissions`, compare each installed app's models with the database and insert what is missing. Here the
first flush in a test process sends the signal as Django does and records the rows it made; every later flush
inserts the same rows again, with the same keys, in two statements: a flush took 27 ms of the test process's
CPU on SQLite and 50 ms on PostgreSQL, and takes 17 and 9 ms so. Should another receiver of `post_migrate`
appear, every flush sends the signal as before. tests/test_flush.py checks that a flush leaves what the signal leaves.
"""

import weakref

from django.core.management import sql
from django.core.management.commands import flush
from django.db.models.signals import post_migrate

EXPECTED_RECEIVERS = {"create_contenttypes", "create_permissions"}

_recorded = {}  # database alias -> [(model, rows)]


def _receivers():
    """The names of the functions connected to `post_migrate` (weakly, as Django's apps connect them, or not)."""
    live = (reference() if isinstance(reference, weakref.ReferenceType) else reference
            for _key, reference, _is_async in post_migrate.receivers)
    return {getattr(receiver, "__name__", repr(receiver)) for receiver in live if receiver is not None}


def restore_post_migrate_rows(verbosity, interactive, db, **kwargs):
    """What `flush` calls in place of `emit_post_migrate_signal` (same arguments)."""
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType

    if db not in _recorded or _receivers() != EXPECTED_RECEIVERS:
        sql.emit_post_migrate_signal(verbosity, interactive, db, **kwargs)
        if _receivers() == EXPECTED_RECEIVERS:
            _recorded[db] = [(model, list(model._base_manager.using(db).order_by("pk")))
                             for model in (ContentType, Permission)]
        return
    ContentType.objects.clear_cache()
    for model, rows in _recorded[db]:
        model._base_manager.using(db).bulk_create(rows)


def pytest_configure(config):
    flush.emit_post_migrate_signal = restore_post_migrate_rows
