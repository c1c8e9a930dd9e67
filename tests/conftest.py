"""Shared fixtures: a study made from the template, and one user per role plus an outsider.

How they work, and why they are fast:
- `lead`, `analyst`, `viewer` and `outsider` are new users in each test (usernames «leder»,
  «analytiker», «leser», «utenforstaende», password `PASSWORD`); `role_users` maps the role names
  to them. Passwords are hashed with MD5 here, since the real hasher is slow on purpose.
- `project` is the template study «integrering» (15 counties, 43 plans, 17 themes and the watch
  list its counties put there) with `lead` as project lead, `analyst` as analyst and `viewer` as
  viewer. Building it through `template_apply` takes some 500 queries, so it is built once per
  test process, in the first test that asks for it, and its rows are recorded in memory
  (tests/studies.py). Every later test gets a copy: the same rows, with new keys, UUIDs and
  timestamps, in one INSERT per table. The copy lives in the test's own transaction like any
  other row, so it is rolled back after a plain test and flushed after a transactional one
  (browser tests with `live_server`), and the next test makes its own. A test that needs the
  real build calls `project_create(..., template="integrering")` itself;
  tests/test_studies.py checks that a copy holds what a fresh build holds.
- A module whose tests only read the study, or change it inside their own transaction, shares one:
  `pytestmark = pytest.mark.usefixtures("module_study")` makes the users and the study once for the
  module, inside a transaction rolled back at its end, and each test runs in a savepoint of it (as
  Django's TestCase does with setUpTestData). Module-scoped fixtures build the module's quotes on it
  once as well. A test that needs an empty study there is marked `own_study`.
- `make test` runs the suite in three processes (pytest-xdist, `-n 3`). Each has its own test
  database (on PostgreSQL `test_<name>_gw0` to `_gw2`), a copy of one migrated once per run
  (tests/template_db.py), its own recorded study and its own browser. Run one file without `-n`
  as usual: `python -m pytest tests/coding/test_x.py`.
  Idle processes take tests from busy ones (`--dist worksteal`); the few tests marked `slow`
  (seconds of waiting on a worker process, a poll or a timer) run first, and the browser tests are
  spread among the others (`pytest_collection_modifyitems` below), so that the cores stay busy.
"""

import contextlib
import gc
import logging
import types
from importlib import import_module

import pytest
from django.conf import settings as django_settings
from django.contrib import auth
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import MD5PasswordHasher
from django.db import transaction
from django.http import HttpRequest
from django.test import Client, override_settings
from django.utils import translation

from planner.models import Membership
from planner.services import membership_set
from tests.studies import study_from_template

# One migrated database per run, copied for each test process (tests/template_db.py); a flush puts the content
# types and permissions back from a record (tests/flush.py).
pytest_plugins = ["tests.template_db", "tests.flush"]

PASSWORD = "korrekt-hest-batteri-42"


DATABASE_FIXTURES = {"db", "transactional_db", "live_server", "django_db_reset_sequences",
                     "django_db_serialized_rollback"}


def _refuse_no_database_with_a_database(items):
    """A test marked `no_database` runs on one database only (.ci/run); it must not ask for one."""
    wrong = [item.nodeid for item in items if item.get_closest_marker("no_database")
             and (item.get_closest_marker("django_db") or DATABASE_FIXTURES & set(item.fixturenames))]
    if wrong:
        raise pytest.UsageError(f"marked no_database but using the database: {', '.join(wrong)}")


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """The slow tests first, then the browser tests spread evenly among the others.

    A browser test mostly waits on Chromium, so while one process runs it the others have a core for the
    tests that compute; left together at the end (pytest-django puts transactional tests last) they
    would leave the cores idle. Every transactional test empties the database after itself, so the
    order is free."""
    _refuse_no_database_with_a_database(items)
    slow = [item for item in items if item.get_closest_marker("slow")]
    browser = [item for item in items if item.get_closest_marker("browser") and item not in slow]
    rest = [item for item in items if item not in slow and item not in browser]
    # A little closer than even: waiting for a module's end spreads them out again.
    every = max(1, len(rest) * 3 // (len(browser) * 4 + 1))
    spread, since = [], 0
    for index, item in enumerate(rest):
        spread.append(item)
        since += 1
        # Between two modules where it can be: a module that shares one study among its tests
        # (`module_study`) builds it again after any test of another module; inside a long module only
        # when the browser tests would otherwise pile up at the end.
        module_ends = index + 1 == len(rest) or rest[index + 1].module is not item.module
        if browser and (since >= every and module_ends or since >= 2 * every):
            spread.append(browser.pop(0))
            since = 0
    items[:] = slow + spread + browser


def pytest_collection_finish(session):
    """Python's cycle collector, tuned for a test process: the modules and tests loaded so far are frozen (never
    scanned again), and the young generation is collected every 20,000 allocations, not every 700. Django's
    ORM and templates make many short-lived objects that reference counting frees anyway; with the defaults
    the collector took some 7 s of the test processes' CPU in a run, so 3.3 s."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the app's language, bokmål. A request leaves its language active in the thread
    (planner.middleware.LanguageMiddleware activates it and nothing resets it): after a test that asked for a
    page in English, the next test in the same process read English messages where it expected Norwegian."""
    translation.activate(django_settings.LANGUAGE_CODE)
    yield
    translation.activate(django_settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True, scope="session")
def _test_settings():
    """Settings of the whole run (a test may change them further with pytest-django's `settings`)."""
    with override_settings(
        # The manifest storage needs collectstatic; tests serve static files from the finders.
        STORAGES={**django_settings.STORAGES, "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}},
        # Password hashing is deliberately slow; tests create many users.
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        # Each task runs inside the call that enqueues it; tests/coding/test_task_worker.py starts a real worker.
        TASKS={"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}},
    ), _quiet_request_logs():
        yield


@contextlib.contextmanager
def _quiet_request_logs():
    """No log line for each request a test makes: the one-line access log (kodeverk.requests, INFO) and Django's
    warning for each 4xx answer (django.request). Each was formatted, written to the captured output twice (the
    console handler and pytest's) and sent to xdist's controller with the test's report: some 7 % of the CPU of
    the tests that make most requests (tests/planner/test_access_walk.py). Errors are still logged; the log lines
    themselves are tested where the app writes them, in gunicorn and the task worker
    (tests/planner/test_health_and_logs.py)."""
    quieted = {"kodeverk.requests": logging.WARNING, "django.request": logging.ERROR}
    levels = {name: logging.getLogger(name).level for name in quieted}
    for name, level in quieted.items():
        logging.getLogger(name).setLevel(level)
    try:
        yield
    finally:
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


def make_user(username):
    # Hashed with MD5 here and now, whatever the settings of the moment (the run's, above, let it be checked).
    md5 = MD5PasswordHasher()
    return get_user_model().objects.create(username=username, password=md5.encode(PASSWORD, md5.salt()))


USERNAMES = {"lead": "leder", "analyst": "analytiker", "viewer": "leser", "outsider": "utenforstaende"}


def _study_with_members(lead, analyst, viewer):
    study = study_from_template(name="Fylkeskommunenes integreringsarbeid", lead=lead, key="integrering")
    membership_set(project=study, user=analyst, role=Membership.Role.ANALYST)
    membership_set(project=study, user=viewer, role=Membership.Role.VIEWER)
    return study


@contextlib.contextmanager
def _rolled_back():
    """A transaction around a module's tests, rolled back at its end; each test's own transaction
    (pytest-django's, as in Django's TestCase) becomes a savepoint inside it."""
    atomic = transaction.atomic()
    atomic._from_testcase = True  # so that a durable atomic block in the code under test still runs
    atomic.__enter__()
    try:
        yield
    finally:
        transaction.set_rollback(True)
        atomic.__exit__(None, None, None)


@pytest.fixture(scope="module")
def module_study(request, django_db_setup, django_db_blocker):
    """The users and the template study made once for a whole module, for modules whose tests only read
    them or change them inside their own transaction (the change is rolled back after each test).

    A module opts in with `pytestmark = pytest.mark.usefixtures("module_study")`; `lead`, `analyst`,
    `viewer`, `outsider` and `project` then give the module's rows (read afresh in each test, so that
    no test sees another's objects in memory); a test marked `own_study` gets a study of its own
    (with the same users), for data it builds on an empty study. Module-scoped fixtures of the module may build more on
    it: the database stays open to them until the module ends, and everything is rolled back then.
    Transactional tests (live_server, transaction=True) cannot run inside it; they are refused."""
    transactional = [item.name for item in request.session.items
                     if item.module is request.module and _is_transactional(item)]
    if transactional:
        raise pytest.UsageError(f"{request.module.__name__} shares one study among its tests, but "
                                f"{', '.join(transactional)} commit(s) to the database")
    with django_db_blocker.unblock(), _rolled_back():
        users = {role: make_user(name) for role, name in USERNAMES.items()}
        yield types.SimpleNamespace(**users, project=_study_with_members(
            users["lead"], users["analyst"], users["viewer"]))


def _is_transactional(item):
    marker = item.get_closest_marker("django_db")
    return ("live_server" in item.fixturenames or "transactional_db" in item.fixturenames
            or bool(marker and marker.kwargs.get("transaction")))


def _shared(request, role):
    """The module's row of `role` read afresh, if the module shares one study (see `module_study`)."""
    if "module_study" not in request.fixturenames or (
            role == "project" and request.node.get_closest_marker("own_study")):
        return None
    row = getattr(request.getfixturevalue("module_study"), role)
    return type(row)._base_manager.get(pk=row.pk)


@pytest.fixture
def lead(request, db):
    return _shared(request, "lead") or make_user(USERNAMES["lead"])


@pytest.fixture
def analyst(request, db):
    return _shared(request, "analyst") or make_user(USERNAMES["analyst"])


@pytest.fixture
def viewer(request, db):
    return _shared(request, "viewer") or make_user(USERNAMES["viewer"])


@pytest.fixture
def outsider(request, db):
    return _shared(request, "outsider") or make_user(USERNAMES["outsider"])


@pytest.fixture
def project(request, lead, analyst, viewer):
    """The template study, with a lead, an analyst and a viewer."""
    return _shared(request, "project") or _study_with_members(lead, analyst, viewer)


class SignedInClient(Client):
    """Django's test client whose `force_login` writes the session a login leaves and nothing else.

    Django's own goes through `login()`: a session made and saved, its key cycled, `user_logged_in` sent (the
    user's last_login saved, an access-log row written by django-axes): eight statements and 3.3 ms of CPU, for
    a shortcut that most tests take; this one, four and 1.0 ms. A test of signing in itself posts the login
    form. A session already in the client is replaced by the new one, as Django's login replaces it for another
    user (for the same user, Django's would keep what it holds; no test puts anything there first)."""

    def force_login(self, user, backend=None):
        session = import_module(django_settings.SESSION_ENGINE).SessionStore()
        session[auth.SESSION_KEY] = user._meta.pk.value_to_string(user)
        session[auth.BACKEND_SESSION_KEY] = backend or self._get_backend()
        session[auth.HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.save()
        request = HttpRequest()
        request.session = session
        self._set_login_cookies(request)


@pytest.fixture
def client():
    """pytest-django's `client`, signing in by its session alone (SignedInClient)."""
    return SignedInClient()


@pytest.fixture
def role_users(lead, analyst, viewer, outsider):
    return {"lead": lead, "analyst": analyst, "viewer": viewer, "outsider": outsider}


