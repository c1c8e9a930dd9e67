"""Who may see or change the codebook and the coding of a study.

Membership and roles are the planner's; this helper names the coding app's actions.
"""

from django.http import Http404
from django.shortcuts import get_object_or_404

from coding.models import DoubleCoding, Excerpt
from interviews.access import participant_for
from planner.access import LEAD, READ, WRITE, project_for_user
from planner.compiled import CompiledRead
from planner.models import County, Document, Plan


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


_DOCUMENT_FIELDS = [field.attname for field in Document._meta.concrete_fields if field.attname != "text"]
_COUNTY_FIELDS = [field.attname for field in County._meta.concrete_fields]
_PLAN_FIELDS = [field.attname for field in Plan._meta.concrete_fields]
# A document of the study without its text, with its county and plan: every request of the coding view reads
# it, so its SQL is compiled once (planner.compiled).
_DOCUMENT_OF = CompiledRead(
    lambda project_id, document_id: Document.objects.filter(project_id=project_id, pk=document_id).values_list(
        *_DOCUMENT_FIELDS, *(f"county__{name}" for name in _COUNTY_FIELDS),
        *(f"plan__{name}" for name in _PLAN_FIELDS)),
    project_id=int, document_id=int)


def _document(project, document_id, with_text):
    if with_text:
        return get_object_or_404(Document.objects.select_related("county", "plan"), project=project, pk=document_id)
    if not 0 < document_id < 2**63:  # no row has such an id, and no database column holds it
        raise Http404
    rows = _DOCUMENT_OF(project_id=project.pk, document_id=document_id)
    if not rows:
        raise Http404
    row, county, plan = rows[0], len(_DOCUMENT_FIELDS), len(_DOCUMENT_FIELDS) + len(_COUNTY_FIELDS)
    db = Document.objects.db
    document = Document.from_db(db, _DOCUMENT_FIELDS, row[:county])  # the text deferred, as without_text()
    document.county = County.from_db(db, _COUNTY_FIELDS, row[county:plan]) if row[county] is not None else None
    document.plan = Plan.from_db(db, _PLAN_FIELDS, row[plan:]) if row[plan] is not None else None
    document.project = project
    return document


def document_for_reader(request, slug, document_id, *, with_text=True):
    project, membership = study_for_reader(request, slug)
    return project, membership, _document(project, document_id, with_text)


def document_for_coder(request, slug, document_id, *, with_text=True):
    """A document of the study that the user may code (analysts and the lead)."""
    project, membership = study_for_coder(request, slug)
    return project, membership, _document(project, document_id, with_text)


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
    project, membership = study_for_codebook_manager(request, slug)
    return project, membership, _document(project, document_id, with_text)


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
