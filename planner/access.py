"""The one place that decides who may see or change a study in the planner app.

A user who is not a member of a study gets 404, as if the study did not exist; a member
whose role does not allow the action gets 403.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.http import Http404

from planner.models import Membership, Project

READ = "read"
WRITE = "write"  # analysts and the lead: code, import, edit the register
LEAD = "lead"  # the project lead only: members, codebook, reviews


def project_for_user(request, slug, *, need=READ):
    """Return (project, membership) for the request's user, or raise 404/403."""
    if not request.user.is_authenticated:
        raise Http404
    membership = (
        Membership.objects.select_related("project")
        .filter(project__slug=slug, user=request.user)
        .first()
    )
    if membership is None:
        raise Http404
    if need == WRITE and not membership.can_write:
        raise PermissionDenied
    if need == LEAD and not membership.is_lead:
        raise PermissionDenied
    return membership.project, membership


def projects_of(user):
    """The studies the user is a member of, each with the user's role as `my_role`."""
    return Project.objects.filter(memberships__user=user).annotate(my_role=F("memberships__role")).order_by("name")
