"""The plan page (register data, documents, attaching files and excerpts), the county page and the
reading view of a plan document."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from planner.access import READ, WRITE, project_for_user
from planner.filejobs import (
    OTHER_FILES,
    PLAN_FILES,
    file_job_create,
    file_job_row,
    file_jobs_of,
    own_file_job,
    tell_ended,
)
from planner.models import Document, FileJob, Plan, PlanType
from planner.plandoc_forms import OtherFilesForm, PlanExcerptForm, PlanFilesForm
from planner.plandocs import check_plan_file, document_pages, plan_excerpt_attach
from planner.textfiles import ImporterError
from planner.uploads import refused_uploads


def _plan(project, plan_id):
    return get_object_or_404(Plan.objects.select_related("county"), county__project=project, pk=plan_id)


def _documents():
    """Plan documents for lists: everything but the text, which may be a hundred pages."""
    return Document.objects.without_text().select_related("created_by").order_by("created_at", "pk")


@login_required
@require_GET
def plan_detail(request, slug, plan_id):
    project, membership = project_for_user(request, slug)
    plan = _plan(project, plan_id)
    return _render_plan(request, project, membership, plan, PlanFilesForm(), PlanExcerptForm())


def _render_plan(request, project, membership, plan, files_form, excerpt_form):
    return render(request, "planner/plan_detail.html", {
        "project": project, "membership": membership, "plan": plan, "file_jobs": _file_jobs(request, project, plan),
        "documents": _documents().filter(plan=plan), "files_form": files_form, "excerpt_form": excerpt_form,
    })


def _file_jobs(request, project, plan):
    """The user's files of this plan still being read, with a poll address each; those that ended are told
    once (a viewer starts none, so has none)."""
    reading, ended = file_jobs_of(PLAN_FILES, project=project, user=request.user, plan=plan)
    for job in ended:
        if not tell_ended(request, job, _("Not attached: %(problem)s")):
            continue
        if job.document:
            messages.success(request, _("%(name)s was attached as «%(title)s».") % {
                "name": job.file_name, "title": job.document.title})
    for job in reading:
        job.poll_url = reverse("planner:plan_file_job", args=[project.slug, plan.pk, job.uuid])
    return reading


@login_required
@require_POST
def plan_files_attach(request, slug, plan_id):
    """Each file goes to the task worker (planner.filejobs), which extracts and stores its text; the plan
    page polls the jobs."""
    project, membership = project_for_user(request, slug, need=WRITE)
    plan = _plan(project, plan_id)
    form = PlanFilesForm(request.POST, request.FILES)
    refused = refused_uploads(request)  # files past the limit were dropped as they streamed in
    for problem in refused:
        messages.error(request, _("Not attached: %(problem)s") % {"problem": problem})
    if not form.is_valid():
        if refused:
            return redirect("planner:plan_detail", slug=project.slug, plan_id=plan.pk)
        return _render_plan(request, project, membership, plan, form, PlanExcerptForm())
    uploads, title = form.cleaned_data["files"], form.cleaned_data["title"]
    for upload in uploads:
        try:
            check_plan_file(upload.name)
        except ImporterError as error:
            messages.error(request, _("Not attached: %(problem)s") % {"problem": error})
            continue
        with transaction.atomic():  # the job's row and its task are written together, or neither is
            PLAN_FILES.start(file_job_create(
                project=project, user=request.user, kind=FileJob.Kind.PLAN_FILE, upload=upload, plan=plan,
                title=f"{title} ({upload.name})" if title and len(uploads) > 1 else title))
    return redirect("planner:plan_detail", slug=project.slug, plan_id=plan.pk)


@login_required
@require_GET
def plan_file_job(request, slug, plan_id, job_uuid):
    """One plan file being read: polled by its row; once it has ended the plan page reloads and tells."""
    project, _membership = project_for_user(request, slug, need=WRITE)
    plan = _plan(project, plan_id)
    job = own_file_job(PLAN_FILES, project=project, user=request.user, job_uuid=job_uuid, plan=plan)
    if job is None:
        raise Http404
    return file_job_row(request, job, reverse("planner:plan_file_job", args=[project.slug, plan.pk, job.uuid]))


@login_required
@require_POST
def plan_excerpt_add(request, slug, plan_id):
    project, membership = project_for_user(request, slug, need=WRITE)
    plan = _plan(project, plan_id)
    form = PlanExcerptForm(request.POST)
    if form.is_valid():
        try:
            document = plan_excerpt_attach(plan=plan, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The excerpt was attached as «%(title)s».") % {"title": document.title})
            return redirect("planner:plan_detail", slug=project.slug, plan_id=plan.pk)
    return _render_plan(request, project, membership, plan, PlanFilesForm(), form)


@login_required
@require_GET
def county_detail(request, slug, county_id):
    """A county's plans by type, each with its year, status, notes and documents (report appendices 3–4)."""
    project, membership = project_for_user(request, slug)
    county = get_object_or_404(project.counties, pk=county_id)
    plans = list(county.plans.prefetch_related(Prefetch("documents", queryset=_documents()))
                 .order_by("-year", "title"))
    groups = [(label, [plan for plan in plans if plan.plan_type == value]) for value, label in PlanType.choices]
    return render(request, "planner/county_detail.html", {
        "project": project, "membership": membership, "county": county,
        "groups": [(label, rows) for label, rows in groups if rows], "plan_count": len(plans),
    })


@login_required
@require_GET
def document_detail(request, slug, document_id):
    """A plan document to read, page by page; one query for the document."""
    project, membership = project_for_user(request, slug)
    document = get_object_or_404(Document.objects.select_related("plan", "county"), project=project,
                                 pk=document_id, kind=Document.Kind.PLAN)
    return render(request, "planner/document_detail.html", {
        "project": project, "membership": membership, "document": document, "pages": document_pages(document),
    })


@login_required
@require_http_methods(["GET", "POST"])
def other_documents(request, slug):
    """The study's other documents («annet»), and attaching files to them (read by the task worker)."""
    project, membership = project_for_user(request, slug, need=WRITE if request.method == "POST" else READ)
    form = OtherFilesForm(request.POST or None, request.FILES or None, project=project)
    if request.method == "POST":
        for problem in refused_uploads(request):
            messages.error(request, _("Not attached: %(problem)s") % {"problem": problem})
        if form.is_valid():
            county = form.cleaned_data["county"]
            for upload in form.cleaned_data["files"]:
                try:
                    check_plan_file(upload.name)
                except ImporterError as error:
                    messages.error(request, _("Not attached: %(problem)s") % {"problem": error})
                    continue
                with transaction.atomic():
                    OTHER_FILES.start(file_job_create(
                        project=project, user=request.user, kind=FileJob.Kind.OTHER_FILE, upload=upload,
                        title=form.cleaned_data["title"], params={"county": county.pk} if county else {}))
            return redirect("planner:other_documents", slug=project.slug)
    reading, ended = file_jobs_of(OTHER_FILES, project=project, user=request.user)
    for job in ended:
        if tell_ended(request, job, _("Not attached: %(problem)s")) and job.document:
            messages.success(request, _("%(name)s was attached as «%(title)s».") % {
                "name": job.file_name, "title": job.document.title})
    for job in reading:
        job.poll_url = reverse("planner:other_file_job", args=[project.slug, job.uuid])
    documents = _documents().select_related("county").filter(project=project, kind=Document.Kind.OTHER)
    return render(request, "planner/other_documents.html", {
        "project": project, "membership": membership, "documents": documents, "form": form,
        "file_jobs": reading})


@login_required
@require_GET
def other_file_job(request, slug, job_uuid):
    """One file of another document being read: polled by its row, as a plan file's is."""
    project, _membership = project_for_user(request, slug, need=WRITE)
    job = own_file_job(OTHER_FILES, project=project, user=request.user, job_uuid=job_uuid)
    if job is None:
        raise Http404
    return file_job_row(request, job, reverse("planner:other_file_job", args=[project.slug, job.uuid]))
