"""Shared fixtures: a study made from the template, and one user per role plus an outsider."""

import pytest
from django.contrib.auth import get_user_model

from planner.models import Membership
from planner.services import membership_set, project_create

PASSWORD = "korrekt-hest-batteri-42"


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
    study = project_create(name="Fylkeskommunenes integreringsarbeid", lead=lead, template="integrering")
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
