"""The one place that decides who may see or change a study in the planner app.

A user who is not a member of a study gets 404, as if the study did not exist; a member
whose role does not allow the action gets 403.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.http import Http404

from planner.compiled import CompiledRead
from planner.models import Membership, Project

READ = "read"
WRITE = "write"  # analysts and the lead: code, import, edit the register
LEAD = "lead"  # the project lead only: members, codebook, reviews


def project_for_user(request, slug, *, need=READ):
    """Return (project, membership) for the request's user, or raise 404/403."""
    if not request.user.is_authenticated:
        raise Http404
    membership = _membership(slug, request.user)
    if membership is None:
        raise Http404
    if need == WRITE and not membership.can_write:
        raise PermissionDenied
    if need == LEAD and not membership.is_lead:
        raise PermissionDenied
    return membership.project, membership


_MEMBERSHIP_FIELDS = [field.attname for field in Membership._meta.concrete_fields]
_PROJECT_FIELDS = [field.attname for field in Project._meta.concrete_fields]
# Every request of a study's pages starts here: compiled once (planner.compiled), not per request.
_MEMBERSHIP_OF = CompiledRead(
    lambda slug, user_id: Membership.objects.filter(project__slug=slug, user_id=user_id).values_list(
        *_MEMBERSHIP_FIELDS, *(f"project__{name}" for name in _PROJECT_FIELDS)),
    slug=str, user_id=int)


def _membership(slug, user):
    """The user's membership of the study named `slug`, with its project; None when they have none."""
    rows = _MEMBERSHIP_OF(slug=slug, user_id=user.pk)  # one at most: (user, project) is unique
    if not rows:
        return None
    row, split = rows[0], len(_MEMBERSHIP_FIELDS)
    membership = Membership.from_db(Membership.objects.db, _MEMBERSHIP_FIELDS, row[:split])
    membership.project = Project.from_db(Project.objects.db, _PROJECT_FIELDS, row[split:])
    membership.user = user
    return membership


def projects_of(user):
    """The studies the user is a member of, each with the user's role as `my_role`."""
    return Project.objects.filter(memberships__user=user).annotate(my_role=F("memberships__role")).order_by("name")
