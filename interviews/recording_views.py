"""An interview's recording: attached by analysts and the lead, played by every member (byte ranges)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from interviews.access import transcript_for_assigner, transcript_for_reader
from interviews.models import Recording
from interviews.recordings import ranged_response, recording_attach
from planner.uploads import refused_uploads


@login_required
@require_POST
def recording_upload(request, slug, document_id):
    project, membership, document = transcript_for_assigner(request, slug, document_id)
    upload = request.FILES.get("recording")
    problems = refused_uploads(request)
    if upload is None and not problems:
        problems = [_("Choose a recording to upload.")]
    if not problems:
        try:
            recording_attach(interview=document.interview, upload=upload, user=request.user)
        except ValidationError as error:
            problems = error.messages
    for problem in problems:
        messages.error(request, problem)
    if not problems:
        messages.success(request, _("The recording %(name)s was attached.") % {"name": upload.name})
    return redirect("interviews:transcript_detail", project.slug, document.pk)


@login_required
@require_GET
def recording_file(request, slug, document_id):
    """The recording, or a byte range of it (the player seeks with Range requests)."""
    project, membership, document = transcript_for_reader(request, slug, document_id)
    recording = Recording.objects.filter(interview_id=document.pk).first()
    if recording is None:
        raise Http404
    return ranged_response(recording, request.headers.get("Range"))
