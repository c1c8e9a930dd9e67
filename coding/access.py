"""Who may see or change the codebook and the coding of a study.

Membership and roles are the planner's; this helper names the coding app's actions.
"""

from django.shortcuts import get_object_or_404

from coding.models import DoubleCoding, Excerpt
from interviews.access import participant_for
from planner.access import LEAD, READ, WRITE, document_for_user, project_for_user
from planner.models import Document


def study_for_reader(request, slug):
    return project_for_user(request, slug, need=READ)


def study_for_coder(request, slug):
    """Creating, changing and deleting excerpts: analysts and the lead."""
    return project_for_user(request, slug, need=WRITE)


def study_for_codebook_manager(request, slug):
    """Changing the codebook and marking reviews: the project lead only."""
    return project_for_user(request, slug, need=LEAD)


def study_for_register(request, slug):
    """Choosing the saved searches the plan register shows as columns: the project lead only."""
    return project_for_user(request, slug, need=LEAD)


def _document(project, document_id):
    return get_object_or_404(Document.objects.select_related("county", "plan"), project=project, pk=document_id)


def _document_for(request, slug, document_id, need, with_text):
    if not with_text:  # the coding view's requests: one statement (planner.access.document_for_user)
        return document_for_user(request, slug, document_id, need=need)
    project, membership = project_for_user(request, slug, need=need)
    return project, membership, _document(project, document_id)


def document_for_reader(request, slug, document_id, *, with_text=True):
    return _document_for(request, slug, document_id, READ, with_text)


def document_for_coder(request, slug, document_id, *, with_text=True):
    """A document of the study that the user may code (analysts and the lead)."""
    return _document_for(request, slug, document_id, WRITE, with_text)


def own_excerpts_only(membership, document_id):
    """The user whose excerpts alone this member may see in the document, or None for everyone's.

    Until the lead reveals a double-coded document, every member but the lead sees only their own
    excerpts there: the named coders code blind, and nobody else reads a coding not yet settled.
    """
    if membership.is_lead or not DoubleCoding.objects.unrevealed().filter(document_id=document_id).exists():
        return None
    return membership.user_id


def counts_blind_coding_of(membership, coder, *, user) -> bool:
    """Whether review pages shown to `user` (of `membership`), filtered to one `coder` (a user or a user
    name), count that coder's excerpts in documents still coded blind: for the lead and for the coder
    themselves, so that each coder is counted separately before reveal; for nobody else, and never in
    «all coders» (that would count a passage twice).
    """
    if coder is None or coder == "":
        return False
    name = coder if isinstance(coder, str) else coder.get_username()
    return membership.is_lead or name == user.get_username()


def document_for_lead(request, slug, document_id, *, with_text=True):
    """Deleting a document with its coding: the project lead only."""
    return _document_for(request, slug, document_id, LEAD, with_text)


def excerpt_for_user(request, slug, excerpt_id, *, write=False):
    """An excerpt of the study; changing it needs an analyst or the lead. Another coder's excerpt in a
    document still coded blind is None, as if it did not exist (own_excerpts_only)."""
    project, membership = (study_for_coder if write else study_for_reader)(request, slug)
    excerpt = Excerpt.objects.of_study(project).filter(pk=excerpt_id).select_related(
        "document", "coder").defer("document__text").first()
    if excerpt is not None and own_excerpts_only(membership, excerpt.document_id) not in (None, excerpt.coder_id):
        excerpt = None
    return project, membership, excerpt


def double_coding_for_lead(request, slug, document_id):
    """A document's double coding: comparing, settling and revealing are the project lead's."""
    project, membership = study_for_codebook_manager(request, slug)
    double_coding = get_object_or_404(DoubleCoding.objects.select_related("document").defer("document__text"),
                                      project=project, document_id=document_id)
    return project, membership, double_coding


def participant_for_lead(request, slug, participant_id):
    """Deleting a participant's data and exporting everything held about them: the project lead only."""
    return participant_for(request, slug, participant_id, need=LEAD)
