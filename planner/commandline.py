"""Helpers the management commands of several apps share."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from planner.models import Membership, Project


def command_user(project, username):
    """The user a command records as the one who imported: the one named, or the study's first lead."""
    if username:
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user is called {username!r}.")
        return user
    lead = project.memberships.filter(role=Membership.Role.LEAD).select_related("user").order_by("pk").first()
    return lead.user if lead else None


def file_problem(error, path):
    """One line naming the file and what is wrong with it."""
    if isinstance(error, ValidationError):
        return f"{path.name}: {'; '.join(error.messages)}"
    if isinstance(error, OSError):
        return f"{path.name}: {error.strerror or error}"
    return str(error)


def command_project(slug):
    """The study with this short name, or a CommandError that says there is none."""
    project = Project.objects.filter(slug=slug).first()
    if project is None:
        raise CommandError(f"No study has the short name {slug!r}.")
    return project


def command_county(project, name):
    """The study's county of this name (any case), None for no name, or a CommandError."""
    if not name:
        return None
    county = project.counties.filter(name__iexact=name).first()
    if county is None:
        raise CommandError(f"The study has no county called {name!r}.")
    return county
