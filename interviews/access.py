"""Who may see or change the interviews of a study: readers see, analysts and the lead import."""

from django.shortcuts import get_object_or_404

from planner.access import READ, WRITE, project_for_user
from planner.models import Document


def study_for_reader(request, slug):
    return project_for_user(request, slug, need=READ)


def study_for_importer(request, slug):
    return project_for_user(request, slug, need=WRITE)


def transcript_for_reader(request, slug, document_id):
    """A transcript of the study, without its text: pages read the stretches they show from the chunks."""
    project, membership = study_for_reader(request, slug)
    document = get_object_or_404(
        Document.objects.select_related("county", "interview").defer("text"), project=project, pk=document_id,
        kind=Document.Kind.TRANSCRIPT,
    )
    return project, membership, document


def draft_for_importer(request, slug, draft_id):
    """Drafts are private to the analyst who uploaded them."""
    project, membership = study_for_importer(request, slug)
    draft = get_object_or_404(project.import_drafts, pk=draft_id, created_by=request.user)
    return project, membership, draft
