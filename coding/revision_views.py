"""Correcting a document's text in place (a turn's speech; the lead a plan's paragraph), its text versions
and undo of the last correction. The writes are coding.revisions'."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from coding.access import document_for_coder, document_for_lead, document_for_reader
from coding.models import Change
from coding.revisions import (
    document_delete,
    document_delete_counts,
    document_replace,
    editable_span,
    last_version,
    text_correct,
    text_correction_undo,
)
from coding.services import ConflictError
from planner.models import Document
from planner.uploads import refused_uploads


def _corrector(request, slug, document_id):
    """Analysts and the lead correct transcripts; a plan document's text is the lead's to correct."""
    project, membership, document = document_for_coder(request, slug, document_id)
    if document.kind == Document.Kind.PLAN and not membership.is_lead:
        raise PermissionDenied
    return project, membership, document


def _place(project, document, start):
    return reverse("coding:document_code", args=[project.slug, document.pk]) + f"?at={start}#row-{start}"


@login_required
@require_http_methods(["GET", "POST"])
def text_edit(request, slug, document_id):
    """The speech of the turn (or the paragraph) holding offset `at`, in a box to correct it."""
    project, membership, document = _corrector(request, slug, document_id)
    source = request.POST if request.method == "POST" else request.GET
    span = editable_span(document, _int(source.get("at"), 0))
    if span is None:
        raise Http404
    start, end = span
    text, message = document.text[start:end], None
    if request.method == "POST":
        try:
            revision = text_correct(document=document, start=start, end=end, text=request.POST.get("text", ""),
                                    checksum=request.POST.get("checksum", ""), user=request.user)
        except (ValidationError, ConflictError) as problem:
            message = problem.messages[0] if isinstance(problem, ValidationError) else str(problem)
            if isinstance(problem, ValidationError):
                text = request.POST.get("text", "")
            document.refresh_from_db()
        else:
            messages.success(request, _summary(revision))
            return HttpResponseRedirect(_place(project, document, start))
    return render(request, "coding/text_edit.html", {
        "project": project, "membership": membership, "document": document, "start": start, "text": text,
        "message": message})


def _summary(revision):
    if revision.version is None:
        return _("Nothing was changed.")
    return _("Saved as version %(number)s. Excerpts moved: %(moved)s; marked «text changed»: %(changed)s; whose "
             "words were deleted: %(orphaned)s.") % {"number": revision.version.number, "moved": revision.moved,
                                                     "changed": len(revision.changed),
                                                     "orphaned": len(revision.orphaned)}


@login_required
@require_GET
def document_versions(request, slug, document_id):
    """Who corrected the text when, what each correction changed, and the excerpts whose words went."""
    project, membership, document = document_for_reader(request, slug, document_id, with_text=False)
    versions = list(document.versions.select_related("created_by").order_by("-number"))
    for version in versions:  # what each correction replaced by what, its first few spans
        version.pairs = [(old, new) for (_s, _e, old), (_a, _b, new) in zip(version.reverse[:6], version.changes[:6],
                                                                         strict=False)]
    orphaned = Change.objects.filter(document=document, action=Change.Action.EXCERPT_ORPHANED).select_related(
        "user").order_by("-id")
    names = dict(project.themes.values_list("id", "name"))
    orphans = [{"change": change, "passage": change.before.get("passage", ""),
                "themes": ", ".join(names.get(pk, "?") for pk in change.before.get("themes", []))}
               for change in orphaned]
    latest = last_version(document)
    can_undo = latest is not None and membership.can_write and (
        latest.created_by_id == request.user.pk or membership.is_lead)
    return render(request, "coding/document_versions.html", {
        "project": project, "membership": membership, "document": document, "versions": versions,
        "orphans": orphans, "latest": latest, "can_undo": can_undo})


@login_required
@require_POST
def text_undo(request, slug, document_id):
    project, membership, document = document_for_coder(request, slug, document_id, with_text=False)
    try:
        version = text_correction_undo(document=document, user=request.user, is_lead=membership.is_lead)
    except ConflictError as error:
        messages.error(request, str(error))
        return HttpResponseRedirect(reverse("coding:document_versions", args=[project.slug, document.pk]))
    messages.success(request, _("Correction %(number)s undone.") % {"number": version.number})
    start = version.changes[0][0] if version.changes else 0
    return HttpResponseRedirect(_place(project, document, start))


@login_required
@require_http_methods(["GET", "POST"])
def document_delete_view(request, slug, document_id):
    """The lead deletes a document after a confirmation naming what goes with it."""
    project, membership, document = document_for_lead(request, slug, document_id, with_text=False)
    counts = document_delete_counts(document)
    message = None
    if request.method == "POST":
        expected = {key: _int(request.POST.get(key), -1) for key in counts}
        try:
            document_delete(document=document, user=request.user, expected=expected)
        except ValidationError as error:
            message = error.messages[0]
        else:
            messages.success(request, _("«%(title)s» was deleted with its %(excerpts)s excerpts.") % {
                "title": document.title, "excerpts": counts["excerpts"]})
            return HttpResponseRedirect(reverse("planner:project_detail", args=[project.slug]))
    return render(request, "coding/document_delete.html", {
        "project": project, "membership": membership, "document": document, "counts": counts, "message": message})


@login_required
@require_http_methods(["GET", "POST"])
def document_replace_view(request, slug, document_id):
    """The lead replaces a document's file by a new one of the same kind; the report says what moved."""
    project, membership, document = document_for_lead(request, slug, document_id)
    problems = []
    if request.method == "POST":
        upload = request.FILES.get("file")
        problems = refused_uploads(request) or ([] if upload else [_("Choose a file.")])
        if not problems:
            try:
                revision = document_replace(document=document, name=upload.name, data=upload.read(),
                                            user=request.user)
            except (ValidationError, ConflictError) as problem:
                problems = problem.messages if isinstance(problem, ValidationError) else [str(problem)]
            else:
                messages.success(request, _summary(revision))
                return HttpResponseRedirect(reverse("coding:document_versions", args=[project.slug, document.pk]))
    return render(request, "coding/document_replace.html", {
        "project": project, "membership": membership, "document": document, "problems": problems})


def _int(value, default=0):
    try:
        return int(value)
    except (TypeError, ValueError):
        return default
