"""After a transactional test, the content types and permissions are put back from a record, not made again.

A transactional test (a browser test with `live_server`, `transaction=True`) ends with Django's `flush`, which
empties every table and then sends `post_migrate`, whose two receivers, `create_contenttypes` and
`create_permissions`, compare each installed app's models with the database and insert what is missing. Here the
first flush in a test process sends the signal as Django does and records the rows it made; every later flush
inserts the same rows again, with the same keys, in two statements: a flush took 27 ms of the test process's
CPU on SQLite and 50 ms on PostgreSQL, and takes 17 and 9 ms so. Should another receiver of `post_migrate`
appear, every flush sends the signal as before. tests/test_flush.py checks that a flush leaves what the signal leaves.

On PostgreSQL the tables are emptied by a DELETE each, not one TRUNCATE of them all: TRUNCATE gives every
table and index a new file (and drops the old ones at commit): a flush took 490 ms, most of it the server's,
for the few rows a test leaves; with the DELETEs, 32 ms. Django's foreign keys are checked at commit (DEFERRABLE
INITIALLY DEFERRED), so the order of the tables does not matter; the sequences go on, as after Django's
TRUNCATE without RESTART IDENTITY.
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


def delete_each_table(self, style, tables, *, reset_sequences=False, allow_cascade=False):
    """PostgreSQL's `sql_flush` for the tests: a DELETE per table (see the module's docstring); with
    `reset_sequences` (a test asking for it), Django's own TRUNCATE … RESTART IDENTITY."""
    if reset_sequences:
        return _truncate(self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
    return [f"{style.SQL_KEYWORD('DELETE FROM')} {style.SQL_FIELD(self.quote_name(table))};" for table in tables]


_truncate = None


def pytest_configure(config):
    global _truncate
    flush.emit_post_migrate_signal = restore_post_migrate_rows
    from django.db.backends.postgresql.operations import DatabaseOperations

    _truncate = DatabaseOperations.sql_flush
    DatabaseOperations.sql_flush = delete_each_table
