"""Who may see or change the interviews of a study: readers see, analysts and the lead import, the lead
keeps the study's list of names that are also words."""

from django.shortcuts import get_object_or_404

from interviews.models import Participant
from planner.access import LEAD, READ, WRITE, project_for_user
from planner.models import Document


def study_for_reader(request, slug):
    return project_for_user(request, slug, need=READ)


def study_for_importer(request, slug):
    return project_for_user(request, slug, need=WRITE)


def study_for_lead(request, slug):
    """The study's own list of names that are also ordinary words: the project lead only."""
    return project_for_user(request, slug, need=LEAD)


def transcript_for_reader(request, slug, document_id):
    """A transcript of the study, without its text: pages read the stretches they show from the chunks."""
    project, membership = study_for_reader(request, slug)
    document = get_object_or_404(
        Document.objects.select_related("county", "interview").without_text(), project=project, pk=document_id,
        kind=Document.Kind.TRANSCRIPT,
    )
    return project, membership, document


def draft_for_importer(request, slug, draft_id):
    """Drafts are private to the analyst who uploaded them."""
    project, membership = study_for_importer(request, slug)
    draft = get_object_or_404(project.import_drafts, pk=draft_id, created_by=request.user)
    return project, membership, draft


def participant_for(request, slug, participant_id, *, need=READ):
    """A participant of the study: everyone in it reads; the lead edits and merges (need=LEAD)."""
    project, membership = project_for_user(request, slug, need=need)
    participant = get_object_or_404(Participant.objects.select_related("county"), project=project,
                                    pk=participant_id)
    return project, membership, participant


def transcript_for_assigner(request, slug, document_id):
    """Analysts and the lead assign turns; text is not needed for it, so it is not read."""
    project, membership = study_for_importer(request, slug)
    document = get_object_or_404(
        Document.objects.without_text().select_related("county"), project=project, pk=document_id,
        kind=Document.Kind.TRANSCRIPT,
    )
    return project, membership, document
