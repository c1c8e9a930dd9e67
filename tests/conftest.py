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
- `make test` runs the suite in two processes (pytest-xdist, `-n 2`). Each has its own test
  database (on PostgreSQL `test_<name>_gw0`, `_gw1`), its own recorded study and its own
  browser. Run one file without `-n` as usual: `python -m pytest tests/coding/test_x.py`.
  Idle processes take tests from busy ones (`--dist worksteal`); the few tests marked `slow`
  (seconds of waiting on a worker process, a poll or a timer) run first, and the browser tests are
  spread among the others (`pytest_collection_modifyitems` below), so that the cores stay busy.
"""

import pytest
from django.contrib.auth import get_user_model

from planner.models import Membership
from planner.services import membership_set
from tests.studies import study_from_template

PASSWORD = "korrekt-hest-batteri-42"


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """The slow tests first, then the browser tests spread evenly among the others.

    A browser test mostly waits on Chromium, so while one process runs it the others have a core for the
    tests that compute; left together at the end (pytest-django puts transactional tests last) they
    would leave the cores idle. Every transactional test empties the database after itself, so the
    order is free."""
    slow = [item for item in items if item.get_closest_marker("slow")]
    browser = [item for item in items if item.get_closest_marker("browser") and item not in slow]
    rest = [item for item in items if item not in slow and item not in browser]
    every = max(1, len(rest) // (len(browser) + 1))
    spread = []
    for index, item in enumerate(rest):
        spread.append(item)
        if (index + 1) % every == 0 and browser:
            spread.append(browser.pop(0))
    items[:] = slow + spread + browser


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    # The manifest storage needs collectstatic; tests serve static files from the finders.
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    # Password hashing is deliberately slow; tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def make_user(username):
    return get_user_model().objects.create_user(username, password=PASSWORD)


@pytest.fixture
def lead(db):
    return make_user("leder")


@pytest.fixture
def analyst(db):
    return make_user("analytiker")


@pytest.fixture
def viewer(db):
    return make_user("leser")


@pytest.fixture
def outsider(db):
    return make_user("utenforstaende")


@pytest.fixture
def project(lead, analyst, viewer):
    """The template study, with a lead, an analyst and a viewer."""
    study = study_from_template(name="Fylkeskommunenes integreringsarbeid", lead=lead, key="integrering")
    membership_set(project=study, user=analyst, role=Membership.Role.ANALYST)
    membership_set(project=study, user=viewer, role=Membership.Role.VIEWER)
    return study


@pytest.fixture
def role_users(lead, analyst, viewer, outsider):
    return {"lead": lead, "analyst": analyst, "viewer": viewer, "outsider": outsider}


@pytest.fixture(autouse=True)
def _tasks_run_at_once(settings):
    # Each task runs inside the call that enqueues it; tests/coding/test_task_worker.py starts a real worker.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
