"""The lead's data protection pages for one participant: delete their data after a confirmation that
names what goes, and download everything the study holds about them."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from coding.access import participant_for_lead
from coding.participant_data import (
    erasure_counts,
    participant_erase,
    subject_access,
    subject_access_json,
    subject_access_text,
)

COUNT_KEYS = ("documents", "turns", "excerpts", "watch_names")


@login_required
@require_http_methods(["GET", "POST"])
def participant_erase_view(request, slug, participant_id):
    project, membership, participant = participant_for_lead(request, slug, participant_id)
    counts, error = erasure_counts(participant), None
    if request.method == "POST":
        try:
            expected = {key: int(request.POST.get(key, "")) for key in COUNT_KEYS}
        except ValueError:
            expected = {}
        try:
            done = participant_erase(participant=participant, user=request.user, expected=expected)
        except ValidationError as problem:
            error = problem.messages[0]
            counts = erasure_counts(participant)
        else:
            messages.success(request, _("The data of «%(label)s» was deleted: %(turns)s turns replaced by "
                                        "«[slettet]», %(excerpts)s excerpts removed.") % {
                "label": participant.label, "turns": done["turns"], "excerpts": done["excerpts"]})
            return redirect("interviews:participant_detail", slug=project.slug, participant_id=participant.pk)
    return render(request, "coding/participant_erase.html", {
        "project": project, "membership": membership, "participant": participant, "counts": counts,
        "error": error})


@login_required
@require_GET
def participant_data_export(request, slug, participant_id):
    """A text file by default, for a reader without tools; ?format=json for the same data as JSON."""
    project, membership, participant = participant_for_lead(request, slug, participant_id)
    data = subject_access(participant)
    as_json = request.GET.get("format") == "json"
    body = subject_access_json(data) if as_json else subject_access_text(data)
    response = HttpResponse(body, content_type="application/json" if as_json else "text/plain; charset=utf-8")
    name = f"innsyn-{slugify(participant.label) or participant.pk}.{'json' if as_json else 'txt'}"
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response
