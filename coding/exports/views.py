"""The export page: choose the quotes, check a publication export for names, and follow the file being made.

Every member of a study may export, viewers included; each user sees and downloads only their own
exports. The file is made by a task worker (coding.exports.jobs), so no request waits for it.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from coding.access import study_for_codebook_manager, study_for_reader
from coding.exports import anonymity, jobs, refi
from coding.exports.forms import ExportForm, decisions_from
from coding.exports.quotes import collect, selected_excerpts, selected_themes
from coding.models import ExportJob
from coding.quotes import publication_attribution
from planner.jobs import poll_count, poll_delay


@login_required
@require_GET
def export_page(request, slug):
    project, membership = study_for_reader(request, slug)
    return _page(request, project, membership, ExportForm(project=project))


def _page(request, project, membership, form):
    """The form (fresh, or with its errors) and the user's recent exports; an invalid form still answers 200."""
    if form.is_bound:
        options = form.export_options() if form.is_valid() else None
    else:
        options = form.initial_options()
    return render(request, "coding/export.html", {
        "project": project, "membership": membership, "form": form,
        "count": None if options is None else quote_count(project, options),
        "jobs": jobs.recent(project, request.user),
    })


def quote_count(project, options):
    """The number of quotes the options select, each once however many of its themes are chosen."""
    members = {pk for theme in selected_themes(project, options) for pk in theme.members}
    return selected_excerpts(project, options, list(members)).count() if members else 0


@login_required
@require_GET
def export_count(request, slug):
    """How many quotes the choices select, as the user changes them: one COUNT query."""
    project, _membership = study_for_reader(request, slug)
    form = ExportForm(request.GET, project=project)
    count = quote_count(project, form.export_options()) if form.is_valid() else None
    return render(request, "coding/export.html#export-count", {"form": form, "count": count})


@login_required
@require_POST
def export_start(request, slug):
    """Start the export; a publication export first shows the quotes that hold a watched name."""
    project, membership = study_for_reader(request, slug)
    form = ExportForm(request.POST, project=project)
    if not form.is_valid():
        return _page(request, project, membership, form)
    options = form.export_options()
    decisions = {}
    if options.attribution == "publication":
        found = anonymity.findings(project, collect(project, options))
        decisions = decisions_from(request.POST, found, may_keep_unattributed=membership.is_lead)
        if decisions is None:
            return _review(request, project, membership, form, options, found)
        if not found:
            messages.info(request, _("No quote holds a name on the watch list or a participant's label."))
        elif dropped := sum(1 for f in found if f.unattributed and decisions[f.quote.excerpt_id] == "drop"):
            messages.info(request, ngettext(
                "%(n)s quote whose speaker is not assigned is left out.",
                "%(n)s quotes whose speaker is not assigned are left out.", dropped) % {"n": dropped})
    with transaction.atomic():  # the job's row and its task are written together, or neither is
        job = jobs.job_create(project=project, user=request.user, options=options, fmt=form.cleaned_data["format"],
                              decisions=decisions)
        jobs.start(job)
    messages.success(request, _("The export has started. You can go on working; the file appears below when "
                                "it is ready."))
    return _see_other(project)


@login_required
@require_POST
def study_export_start(request, slug):
    """The whole study as a REFI-QDA project (.qdpx) or its codebook (.qdc), made by the worker like any export."""
    project, _membership = study_for_reader(request, slug)
    fmt = "qdc" if request.POST.get("format") == "qdc" else "qdpx"
    if fmt == "qdc" and not project.themes.exists():
        messages.error(request, str(refi.NO_THEMES))
        return _see_other(project)
    return _start_study_export(request, project, fmt)


@login_required
@require_POST
def backup_start(request, slug):
    """The study's backup: only the lead, since it holds the watch list (real names) and the whole history."""
    project, _membership = study_for_codebook_manager(request, slug)
    return _start_study_export(request, project, "backup")


def _start_study_export(request, project, fmt):
    with transaction.atomic():
        job = jobs.job_create(project=project, user=request.user, options=None, fmt=fmt)
        jobs.start(job)
    messages.success(request, _("The export has started. You can go on working; the file appears below when "
                                "it is ready."))
    return _see_other(project)


def _see_other(project):
    response = redirect("coding:export", slug=project.slug)
    response.status_code = 303  # after a POST, the browser GETs the page
    return response


def _review(request, project, membership, form, options, found):
    """The quotes that hold a watched name, each with the names marked and a choice: mask, keep or drop."""
    again = any(key.startswith("decision-") for key in request.POST)
    items = [{"finding": finding, "pieces": _pieces(finding), "masks": _masks(finding),
              "attribution": publication_attribution(finding.quote, options.language),
              "field_name": f"decision-{finding.quote.excerpt_id}",
              "may_keep": membership.is_lead or not finding.unattributed,
              "choice": _choice(request.POST.get(f"decision-{finding.quote.excerpt_id}"), finding,
                                membership.is_lead)} for finding in found]
    return render(request, "coding/export_review.html", {
        "project": project, "membership": membership, "form": form, "items": items, "again": again,
        "hidden": form.hidden_pairs(), "named": sum(1 for f in found if f.matches),
        "unattributed": sum(1 for f in found if f.unattributed),
    })


def _choice(submitted, finding, is_lead):
    """The choice shown for a quote: the one the user made before, else the safe default (mask a name,
    leave out a quote nobody has attributed); only the lead may keep an unattributed quote."""
    if finding.unattributed and not is_lead:
        return "drop"
    return submitted if submitted in anonymity.CHOICES else finding.default_choice


def _pieces(finding):
    """The quote's text cut into plain and matched pieces; the template escapes both and marks the matches."""
    text, at, pieces = finding.quote.text, 0, []
    for match in sorted(finding.matches, key=lambda m: (m.start, -m.end)):
        if match.start < at:
            continue  # overlaps a name already marked
        if match.start > at:
            pieces.append({"text": text[at:match.start], "match": None})
        pieces.append({"text": text[match.start:match.end], "match": match})
        at = match.end
    if at < len(text):
        pieces.append({"text": text[at:], "match": None})
    return pieces


def _masks(finding):
    """Each matched name once, with what masking puts in its place."""
    seen = {}
    for match in finding.matches:
        seen.setdefault(match.name, anonymity.MASKS.get(match.kind, "[navn]"))
    return list(seen.items())


@login_required
@require_GET
def export_job(request, slug, job_uuid):
    """One export's row: polled while the file is being made, each time a little later (`poll` counts)."""
    project, _membership = study_for_reader(request, slug)
    job = jobs.own_job(project, request.user, job_uuid)
    if job is None:
        raise Http404
    polls = poll_count(request)
    return render(request, "coding/_export_job.html", {
        "project": project, "job": job, "next_poll": min(polls, 99) + 1, "poll_ms": poll_delay(polls)})


@login_required
@require_GET
def export_download(request, slug, job_uuid):
    project, _membership = study_for_reader(request, slug)
    job = jobs.own_job(project, request.user, job_uuid, with_content=True)
    if job is None or job.status != ExportJob.Status.DONE:
        raise Http404
    response = HttpResponse(bytes(job.content), content_type=jobs.CONTENT_TYPES[job.format])
    response["Content-Disposition"] = content_disposition_header(True, job.file_name)
    return response
