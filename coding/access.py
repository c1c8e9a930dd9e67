"""Who may see or change the codebook and the coding of a study.

Membership and roles are the planner's; this helper names the coding app's actions.
"""

from django.shortcuts import get_object_or_404

from coding.models import Excerpt
from interviews.access import participant_for
from planner.access import LEAD, READ, WRITE, project_for_user
from planner.models import Document


def study_for_reader(request, slug):
    return project_for_user(request, slug, need=READ)


def study_for_coder(request, slug):
    """Creating, changing and deleting excerpts: analysts and the lead."""
    return project_for_user(request, slug, need=WRITE)


def study_for_codebook_manager(request, slug):
    """Changing the codebook and marking reviews: the project lead only."""
    return project_for_user(request, slug, need=LEAD)


def _document(project, document_id, with_text):
    documents = Document.objects.select_related("county", "plan")
    return get_object_or_404(documents if with_text else documents.without_text(), project=project, pk=document_id)


def document_for_reader(request, slug, document_id, *, with_text=True):
    project, membership = study_for_reader(request, slug)
    return project, membership, _document(project, document_id, with_text)


def document_for_coder(request, slug, document_id, *, with_text=True):
    """A document of the study that the user may code (analysts and the lead)."""
    project, membership = study_for_coder(request, slug)
    return project, membership, _document(project, document_id, with_text)


def document_for_lead(request, slug, document_id, *, with_text=True):
    """Deleting a document with its coding: the project lead only."""
    project, membership = study_for_codebook_manager(request, slug)
    return project, membership, _document(project, document_id, with_text)


def excerpt_for_user(request, slug, excerpt_id, *, write=False):
    """An excerpt of the study; changing it needs an analyst or the lead."""
    project, membership = (study_for_coder if write else study_for_reader)(request, slug)
    excerpt = Excerpt.objects.of_study(project).filter(pk=excerpt_id).select_related(
        "document", "coder").defer("document__text").first()
    return project, membership, excerpt


def participant_for_lead(request, slug, participant_id):
    """Deleting a participant's data and exporting everything held about them: the project lead only."""
    return participant_for(request, slug, participant_id, need=LEAD)
