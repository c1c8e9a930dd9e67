"""One migrated test database per `make test`, copied for each test process.

Migrating takes some 3.5 s of CPU on SQLite (most of it Django building model states) and more on
PostgreSQL, and each xdist process used to do it for its own database. Here the controlling process
migrates once, in a thread while the workers start and collect the tests (some 2.5 s of CPU each, which
used to wait for it), and each worker copies that database when it is ready: a file copy on SQLite,
`CREATE DATABASE … TEMPLATE` on PostgreSQL. The copy holds what the migrations made, their SQL too
(triggers, the FTS5 table, pg_trgm), so nothing is built another way than in production.

Without xdist (`-n 0`) or with `--reuse-db`, pytest-django migrates as usual.
"""

import os
import shutil
import tempfile
import threading
import time
from pathlib import Path

import pytest

TEMPLATE = "KODEVERK_TEST_TEMPLATE_DB"
# A file the controller writes when the template is migrated ("ok") or failed (the error); the workers wait for it.
READY = "KODEVERK_TEST_TEMPLATE_READY"
READY_WAIT = 300  # seconds


def _is_controller(config):
    return (not hasattr(config, "workerinput") and config.pluginmanager.hasplugin("dsession")
            and not config.getoption("reuse_db", False))


def pytest_sessionstart(session):
    """The controller starts migrating the template before xdist starts the workers (xdist's hook runs last)."""
    config = session.config
    if not _is_controller(config):
        return
    from django.db import connection

    name = connection.creation._get_test_db_name()
    descriptor, ready = tempfile.mkstemp(prefix="kodeverk-template-", suffix=".ready")
    os.close(descriptor)
    os.unlink(ready)  # it exists once the template does
    os.environ[TEMPLATE] = f"{connection.vendor}:{name}"
    os.environ[READY] = ready
    migrating = threading.Thread(target=_migrate, args=(config, ready), name="template", daemon=True)
    config.stash[_template_key] = (connection.settings_dict["NAME"], ready, migrating)
    migrating.start()


def _migrate(config, ready):
    """In the controller's thread: migrate the template, then tell the workers (READY)."""
    from django.db import connection
    from pytest_django.plugin import blocking_manager_key

    try:
        with config.stash[blocking_manager_key].unblock():
            connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
            # SQLite folds its write-ahead log into the file on the last close; PostgreSQL copies only a
            # database nobody is connected to.
            connection.close()
        outcome = "ok"
    except BaseException as error:  # noqa: BLE001 (told to the workers, which fail with it)
        outcome = f"the template database could not be migrated: {error!r}"
    Path(f"{ready}.part").write_text(outcome, encoding="utf-8")
    os.replace(f"{ready}.part", ready)


def migrated_template():
    """(vendor, name) of this run's migrated template once it is ready, or None without one (`-n 0`)."""
    if not os.environ.get(TEMPLATE) or not os.environ.get(READY):
        return None
    _wait_for_template()
    vendor, _sep, name = os.environ[TEMPLATE].partition(":")
    return vendor, name


def _wait_for_template():
    ready = Path(os.environ[READY])
    deadline = time.monotonic() + READY_WAIT
    while not ready.exists():
        if time.monotonic() > deadline:
            raise RuntimeError(f"the template database was not migrated within {READY_WAIT} s")
        time.sleep(0.05)
    outcome = ready.read_text(encoding="utf-8")
    if outcome != "ok":
        raise RuntimeError(outcome)


_template_key = pytest.StashKey()


def pytest_sessionfinish(session):
    config = session.config
    if _template_key not in config.stash:
        return
    from django.db import connection
    from pytest_django.plugin import blocking_manager_key

    original, ready, migrating = config.stash[_template_key]
    migrating.join()
    outcome = Path(ready).read_text(encoding="utf-8") if Path(ready).exists() else ""
    Path(ready).unlink(missing_ok=True)
    if outcome != "ok":
        return
    with config.stash[blocking_manager_key].unblock():
        connection.creation.destroy_test_db(original, verbosity=0)


def pytest_configure(config):
    """In a worker, pytest-django's creation of the test database copies the template instead."""
    template = os.environ.get(TEMPLATE)
    if not template or not hasattr(config, "workerinput") or config.getoption("reuse_db", False):
        return
    from django.db import connection

    vendor, source = template.split(":", 1)
    if vendor != connection.vendor:
        return
    creation = connection.creation

    def create_test_db(verbosity=1, autoclobber=False, serialize=True, keepdb=False):
        _wait_for_template()
        target = creation._get_test_db_name()
        if vendor == "sqlite":
            shutil.copyfile(source, target)
        else:
            quote = connection.ops.quote_name
            with creation._nodb_cursor() as cursor:
                cursor.execute(f"DROP DATABASE IF EXISTS {quote(target)}")
                cursor.execute(f"CREATE DATABASE {quote(target)} WITH TEMPLATE {quote(source)}")
        # As Django's create_test_db leaves it.
        connection.close()
        from django.conf import settings

        settings.DATABASES[connection.alias]["NAME"] = target
        connection.settings_dict["NAME"] = target
        connection.ensure_connection()
        return target

    creation.create_test_db = create_test_db

    if vendor == "sqlite":
        destroy = creation._destroy_test_db

        def destroy_with_its_log(test_database_name, verbosity):
            """Django removes the file only; its write-ahead log (tens of MB in /dev/shm) went on living."""
            destroy(test_database_name, verbosity)
            for sidecar in ("-wal", "-shm"):
                Path(f"{test_database_name}{sidecar}").unlink(missing_ok=True)

        creation._destroy_test_db = destroy_with_its_log
    else:
        def destroy_at_once(test_database_name, verbosity):
            """A session some test's thread left open (idle, its last statement a ROLLBACK) made DROP DATABASE
            wait 5 s at the end of each worker, then fail and leave the database behind."""
            with creation._nodb_cursor() as cursor:
                cursor.execute(f"DROP DATABASE {connection.ops.quote_name(test_database_name)} WITH (FORCE)")

        creation._destroy_test_db = destroy_at_once
