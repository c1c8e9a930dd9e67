"""Views of the study frame: my studies, the dashboard, counties, the plan register, members; /healthz."""

import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.db import DatabaseError
from django.db.models import Count
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST, require_safe

from planner.access import LEAD, WRITE, project_for_user, projects_of
from planner.forms import MemberAddForm, MemberRoleForm, PlanFilterForm, PlanForm, PlanImportForm, ProjectCreateForm
from planner.health import health_report
from planner.lockouts import locked_out, login_unlock
from planner.models import Document, Membership, Plan
from planner.plan_io import (
    CONTENT_TYPES,
    FILE_GUIDE,
    WRITERS,
    PlanImportError,
    plan_rows,
    plans_import,
    read_plan_file,
    register_columns,
)
from planner.services import (
    LastLeadError,
    PlanInUseError,
    membership_change,
    membership_set,
    plan_create,
    plan_delete,
    plan_update,
    project_create,
)
from planner.uploads import refused_uploads

User = get_user_model()
logger = logging.getLogger(__name__)


@login_required
@require_GET
def project_list(request):
    return render(request, "planner/project_list.html", {"projects": projects_of(request.user)})


@login_required
def project_create_view(request):
    form = ProjectCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        project = project_create(
            name=form.cleaned_data["name"], slug=form.cleaned_data["slug"] or None,
            lead=request.user, template=form.cleaned_data["template"] or None,
        )
        messages.success(request, _("The study «%(name)s» is ready.") % {"name": project.name})
        return redirect(project)
    return render(request, "planner/project_create.html", {"form": form})


@login_required
@require_GET
def project_detail(request, slug):
    project, membership = project_for_user(request, slug)
    counties = list(project.counties.order_by("-in_study", "name"))
    counts = {}
    for row in Document.objects.filter(project=project).values("county_id", "kind").annotate(n=Count("id")):
        counts[(row["county_id"], row["kind"])] = row["n"]
    kinds = [(Document.Kind.TRANSCRIPT, _("Transcripts")), (Document.Kind.PLAN, _("Plan documents"))]
    document_rows = [
        {"county": county, "cells": [counts.get((county.id, kind), 0) for kind, _label in kinds]}
        for county in counties
    ]
    no_county = [counts.get((None, kind), 0) for kind, _label in kinds]
    totals = [sum(n for (_county, k), n in counts.items() if k == kind) for kind, _label in kinds]
    context = {
        "project": project, "membership": membership, "kinds": kinds, "document_rows": document_rows,
        "no_county": no_county if any(no_county) else None, "document_totals": totals,
        "kind_totals": [(label, total) for (_kind, label), total in zip(kinds, totals, strict=True)],
        "theme_count": project.themes.active().count(),
        "excerpt_count": excerpt_count(project),
        "plan_count": Plan.objects.filter(county__project=project).count(),
        "county_count": sum(1 for c in counties if c.in_study),
        "members": project.memberships.select_related("user").order_by("role", "user__username"),
    }
    return render(request, "planner/project_detail.html", context)


def excerpt_count(project):
    """The study's excerpts, counted as COUNT(*) over the excerpts' document index, which PostgreSQL answers
    from the index alone (800 pages read for 100,000 excerpts); counted through the documents, as
    COUNT(excerpt.id), it read each excerpt's row as well (88,000 pages, 45 ms; issue 15). Excerpts live in
    the coding app: the model is reached through the relation, not imported."""
    excerpts = Document._meta.get_field("excerpts").related_model
    return excerpts.objects.filter(document__project=project).count()


@login_required
@require_GET
def county_list(request, slug):
    project, membership = project_for_user(request, slug)
    counties = project.counties.annotate(plan_count=Count("plans")).order_by("-in_study", "-district_share", "name")
    return render(request, "planner/county_list.html", {"project": project, "membership": membership,
                                                         "counties": counties})


def _plans_filtered(request, project):
    """The plan list's filter form and the plans it selects, in its order; the exports take the same."""
    form = PlanFilterForm(request.GET or None, project=project)
    plans = Plan.objects.filter(county__project=project).select_related("county")
    order = ["county__name", "plan_type", "title"]
    if form.is_valid():
        if form.cleaned_data["county"]:
            plans = plans.filter(county=form.cleaned_data["county"])
        if form.cleaned_data["plan_type"]:
            plans = plans.filter(plan_type=form.cleaned_data["plan_type"])
        if form.cleaned_data["sort"] in ("year", "-year"):
            order = [form.cleaned_data["sort"], "county__name", "title"]
    return form, plans.order_by(*order)


@login_required
@require_GET
def plan_list(request, slug):
    project, membership = project_for_user(request, slug)
    form, plans = _plans_filtered(request, project)
    plans = list(plans)
    columns = register_columns(project, plans)
    for plan in plans:
        plan.extra_cells = [column.cell(plan) for column in columns]
    context = {"project": project, "membership": membership, "form": form, "plans": plans,
               "filters": request.GET.urlencode(), "columns": columns}
    return render(request, "planner/plan_list.html", context)


@login_required
@require_GET
def plan_export(request, slug, fmt):
    project, _membership = project_for_user(request, slug)
    _form, plans = _plans_filtered(request, project)
    plans = list(plans)
    columns = register_columns(project, plans)
    response = HttpResponse(WRITERS[fmt](plan_rows(plans, columns), columns), content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = content_disposition_header(True, f"planregister-{project.slug}.{fmt}")
    return response


def _plan_of(project, plan_id):
    return get_object_or_404(Plan.objects.select_related("county"), pk=plan_id, county__project=project)


@login_required
@require_http_methods(["GET", "POST"])
def plan_create_view(request, slug):
    project, membership = project_for_user(request, slug, need=WRITE)
    form = PlanForm(request.POST or None, project=project)
    if request.method == "POST" and form.is_valid():
        plan = plan_create(**form.cleaned_data)
        messages.success(request, _("The plan «%(title)s» was added.") % {"title": plan.title})
        return redirect("planner:plan_list", slug=project.slug)
    return render(request, "planner/plan_form.html", {"project": project, "membership": membership, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def plan_edit(request, slug, plan_id):
    project, membership = project_for_user(request, slug, need=WRITE)
    plan = _plan_of(project, plan_id)
    saved_title = plan.title  # the form writes into the plan while it validates
    form = PlanForm(request.POST or None, instance=plan, project=project)
    if request.method == "POST" and form.is_valid():
        plan_update(plan=plan, **form.cleaned_data)
        messages.success(request, _("The plan «%(title)s» was saved.") % {"title": plan.title})
        return redirect("planner:plan_list", slug=project.slug)
    return render(request, "planner/plan_form.html", {"project": project, "membership": membership, "form": form,
                                                      "plan": plan, "saved_title": saved_title})


@login_required
@require_http_methods(["GET", "POST"])
def plan_delete_view(request, slug, plan_id):
    project, membership = project_for_user(request, slug, need=WRITE)
    plan = _plan_of(project, plan_id)
    if request.method == "GET":
        return render(request, "planner/plan_confirm_delete.html", {
            "project": project, "membership": membership, "plan": plan, "documents": plan.documents.count()})
    try:
        plan_delete(plan=plan)
    except PlanInUseError as error:
        messages.error(request, ngettext(
            "«%(title)s» was not deleted: %(count)s document belongs to it, with whatever is coded in it. "
            "Delete the document first.",
            "«%(title)s» was not deleted: %(count)s documents belong to it, with whatever is coded in them. "
            "Delete the documents first.", error.documents) % {"title": plan.title, "count": error.documents})
    else:
        messages.success(request, _("The plan «%(title)s» was deleted.") % {"title": plan.title})
    return redirect("planner:plan_list", slug=project.slug)


@login_required
@require_http_methods(["GET", "POST"])
def plan_import(request, slug):
    project, membership = project_for_user(request, slug, need=WRITE)
    form = PlanImportForm(request.POST or None, request.FILES or None)
    problems = []
    if request.method == "POST" and (refused := refused_uploads(request)):
        form.is_valid()  # a file past the limit was dropped as it streamed in: say so, not «required»
        form.errors["file"] = form.error_class(refused)
    elif request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            summary = plans_import(project=project, rows=read_plan_file(upload.name, upload.read()))
        except PlanImportError as error:
            problems = error.problems
        else:
            messages.success(request, _("%(name)s was imported: %(summary)s") % {"name": upload.name,
                                                                                  "summary": summary})
            return redirect("planner:plan_list", slug=project.slug)
    return render(request, "planner/plan_import.html", {
        **FILE_GUIDE, "project": project, "membership": membership, "form": form, "problems": problems,
        "file_name": form.cleaned_data["file"].name if problems else None,
    })


@login_required
@require_GET
def member_list(request, slug):
    project, membership = project_for_user(request, slug)
    return _render_members(request, project, membership, MemberAddForm(project=project))


def _render_members(request, project, membership, add_form, status=200):
    members = list(project.memberships.select_related("user").order_by("role", "user__username"))
    if membership.is_lead:
        locked = locked_out(m.user.get_username() for m in members)
        for m in members:
            m.locked_out = m.user.get_username() in locked
    context = {"project": project, "membership": membership, "members": members, "add_form": add_form,
               "roles": Membership.Role.choices}
    return render(request, "planner/member_list.html", context, status=status)


@login_required
@require_POST
def member_add(request, slug):
    project, membership = project_for_user(request, slug, need=LEAD)
    form = MemberAddForm(request.POST, project=project)
    if not form.is_valid():
        return _render_members(request, project, membership, form)
    user = form.cleaned_data["user"]
    if user is None:
        user = User.objects.create_user(form.cleaned_data["username"], password=form.cleaned_data["password"])
    membership_set(project=project, user=user, role=form.cleaned_data["role"])
    messages.success(request, _("%(name)s was added to the study.") % {"name": user.username})
    return redirect("planner:member_list", slug=project.slug)


@login_required
@require_POST
def member_role(request, slug, member_id):
    project, _membership = project_for_user(request, slug, need=LEAD)
    member = get_object_or_404(project.memberships.select_related("user", "project"), pk=member_id)
    form = MemberRoleForm(request.POST)
    if form.is_valid():
        _change(request, member, role=form.cleaned_data["role"])
    return redirect("planner:member_list", slug=project.slug)


@login_required
@require_POST
def member_remove(request, slug, member_id):
    project, _membership = project_for_user(request, slug, need=LEAD)
    member = get_object_or_404(project.memberships.select_related("user", "project"), pk=member_id)
    _change(request, member, remove=True)
    return redirect("planner:member_list", slug=project.slug)


@login_required
@require_POST
def member_unlock(request, slug, member_id):
    """The lead lets a member who is locked out after too many wrong passwords log in again."""
    project, _membership = project_for_user(request, slug, need=LEAD)
    member = get_object_or_404(project.memberships.select_related("user"), pk=member_id)
    login_unlock(user=member.user)
    messages.success(request, _("%(name)s can log in again.") % {"name": member.user.get_username()})
    return redirect("planner:member_list", slug=project.slug)


def login_locked(request, original_response=None, credentials=None):
    """The login page with the lockout message, in place of a bare 429 (django-axes: AXES_LOCKOUT_CALLABLE)."""
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    context = {"form": AuthenticationForm(request, initial={"username": username}),
               "next": request.POST.get("next", ""),
               "locked_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)}
    return render(request, "registration/login.html", context, status=429)


def _change(request, member, **change):
    try:
        membership_change(membership=member, **change)
    except LastLeadError:
        messages.error(request, _("A study needs at least one project lead. Make someone else lead first."))
    else:
        messages.success(request, _("The membership of %(name)s was updated.") % {"name": member.user.username})


@require_safe
@never_cache
def healthz(request):
    """For load balancers and monitoring, without login (planner/health.py): 200 when the database answers,
    503 when it does not. Not through the access helper: it shows nothing of any study."""
    try:
        report = health_report()
    except DatabaseError:
        logger.exception("Health check: the database does not answer")
        return JsonResponse({"status": "unavailable", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok", **report})
