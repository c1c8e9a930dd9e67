"""The one place that decides who may see or change a study in the planner app.

A user who is not a member of a study gets 404, as if the study did not exist; a member
whose role does not allow the action gets 403.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.http import Http404

from planner.compiled import CompiledRead
from planner.models import County, Document, Membership, Plan, Project

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
    _check(membership, need)
    return membership.project, membership


def _check(membership, need):
    if need == WRITE and not membership.can_write:
        raise PermissionDenied
    if need == LEAD and not membership.is_lead:
        raise PermissionDenied


_MEMBERSHIP_FIELDS = [field.attname for field in Membership._meta.concrete_fields]
_PROJECT_FIELDS = [field.attname for field in Project._meta.concrete_fields]
# Every request of a study's pages starts here: compiled once (planner.compiled), not per request.
_MEMBERSHIP_OF = CompiledRead(
    lambda slug, user_id: Membership.objects.filter(project__slug=slug, user_id=user_id).values_list(
        *_MEMBERSHIP_FIELDS, *(f"project__{name}" for name in _PROJECT_FIELDS)),
    slug=str, user_id=int)


def _models(row, *parts):
    """A compiled read's row cut into model instances: (model, its fields' attnames) for each part in the row's
    order; None for a part whose id is NULL (a document without a county)."""
    made, start = [], 0
    for model, fields in parts:
        values = row[start:start + len(fields)]
        start += len(fields)
        made.append(model.from_db(model.objects.db, fields, values) if values[0] is not None else None)
    return made


def _membership(slug, user):
    """The user's membership of the study named `slug`, with its project; None when they have none."""
    rows = _MEMBERSHIP_OF(slug=slug, user_id=user.pk)  # one at most: (user, project) is unique
    if not rows:
        return None
    membership, project = _models(rows[0], (Membership, _MEMBERSHIP_FIELDS), (Project, _PROJECT_FIELDS))
    membership.user, membership.project = user, project
    return membership


_DOCUMENT_FIELDS = [field.attname for field in Document._meta.concrete_fields if field.attname != "text"]
_COUNTY_FIELDS = [field.attname for field in County._meta.concrete_fields]
_PLAN_FIELDS = [field.attname for field in Plan._meta.concrete_fields]
# The coding view's every request: the user's membership, the study, and the document without its text, with
# its county and plan, in one statement compiled once.
_DOCUMENT_FOR = CompiledRead(
    lambda slug, user_id, document_id: Document.objects.filter(
        pk=document_id, project__slug=slug, project__memberships__user_id=user_id).values_list(
        *(f"project__memberships__{name}" for name in _MEMBERSHIP_FIELDS),
        *(f"project__{name}" for name in _PROJECT_FIELDS), *_DOCUMENT_FIELDS,
        *(f"county__{name}" for name in _COUNTY_FIELDS), *(f"plan__{name}" for name in _PLAN_FIELDS)),
    slug=str, user_id=int, document_id=int)


def document_for_user(request, slug, document_id, *, need=READ):
    """Return (project, membership, document) for the request's user in one statement, the document without its
    text (deferred) and with its county and plan; 404 and 403 as project_for_user, and 404 for a document of
    another study or none."""
    if not request.user.is_authenticated or not 0 < document_id < 2**63:  # no column holds a larger id
        raise Http404
    rows = _DOCUMENT_FOR(slug=slug, user_id=request.user.pk, document_id=document_id)
    if not rows:
        raise Http404
    membership, project, document, county, plan = _models(
        rows[0], (Membership, _MEMBERSHIP_FIELDS), (Project, _PROJECT_FIELDS), (Document, _DOCUMENT_FIELDS),
        (County, _COUNTY_FIELDS), (Plan, _PLAN_FIELDS))
    membership.user, membership.project = request.user, project
    document.project, document.county, document.plan = project, county, plan
    _check(membership, need)
    return project, membership, document


def projects_of(user):
    """The studies the user is a member of, each with the user's role as `my_role`."""
    return Project.objects.filter(memberships__user=user).annotate(my_role=F("memberships__role")).order_by("name")
