"""Writes that touch several models of the study frame."""

import bisect
import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import cached_property

from django.db import transaction
from django.db.models import ProtectedError
from django.utils.text import slugify

from planner.models import County, Document, Membership, Plan, Project, normalise_text, text_checksum
from planner.signals import template_applied
from planner.studytemplates import TEMPLATES
from planner.textindex import document_reindex


def unique_slug(name):
    base = slugify(name)[:50] or "studie"
    slug, n = base, 2
    while Project.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


@transaction.atomic
def project_create(*, name, lead, slug=None, description="", template=None):
    """Create a study with `lead` as its project lead, optionally from a template."""
    project = Project(name=name, slug=slug or unique_slug(name), description=description)
    project.full_clean()
    project.save()
    Membership.objects.create(project=project, user=lead, role=Membership.Role.LEAD)
    if template:
        template_apply(project=project, key=template)
    return project


@transaction.atomic
def template_apply(*, project, key):
    """Put the template's counties, plans and codebook into the study.

    Idempotent: rows are matched on their natural keys and updated, never duplicated, so
    running it twice leaves the study as running it once.
    """
    template = TEMPLATES[key]
    counties = {}
    for row in template.rows("counties.csv"):
        county, _ = County.objects.update_or_create(
            project=project,
            name=row["county"],
            defaults={
                "municipalities": int(row["municipalities"]),
                "district_municipalities": int(row["district_municipalities"]),
                "district_share": int(row["district_share_pct"]),
                "in_study": row["in_study"] == "yes",
                "reform_change": row["reform_change"],
            },
        )
        counties[county.name] = county
    for row in template.rows("plans.csv"):
        Plan.objects.update_or_create(
            county=counties[row["county"]],
            plan_type=row["plan_type"],
            title=row["title"],
            year=int(row["year"]),
            defaults={"status": row["status"], "notes": row["note"], "url": row.get("url", "")},
        )
    template_applied.send(sender=Project, project=project, template=template)
    return project


@transaction.atomic
def plan_create(*, county, plan_type, title, year, status=Plan.Status.ADOPTED, url="", notes="", assessment=""):
    """Add a plan to the register of the county's study."""
    plan = Plan(county=county, plan_type=plan_type, title=title, year=year, status=status, url=url, notes=notes,
                assessment=assessment)
    plan.full_clean()
    plan.save()
    return plan


@transaction.atomic
def plan_update(*, plan, county, plan_type, title, year, status, url, notes, assessment=None):
    """Change every field of a plan (the assessment when given)."""
    plan.county, plan.plan_type, plan.title, plan.year = county, plan_type, title, year
    plan.status, plan.url, plan.notes = status, url, notes
    if assessment is not None:
        plan.assessment = assessment
    plan.full_clean()
    plan.save()
    return plan


class PlanInUseError(Exception):
    def __init__(self, documents):
        super().__init__(f"{documents} documents belong to the plan")
        self.documents = documents


@transaction.atomic
def plan_delete(*, plan):
    """Delete a plan that no document belongs to: deleting must never lose coded material."""
    # The row lock makes a document added meanwhile wait, and then fail on the missing plan.
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    try:
        plan.delete()
    except ProtectedError as error:  # Document.plan is PROTECT, and so should be whatever comes next
        raise PlanInUseError(plan.documents.count()) from error


@transaction.atomic
def membership_set(*, project, user, role):
    """Add the user to the study, or change their role."""
    membership, _ = Membership.objects.update_or_create(project=project, user=user, defaults={"role": role})
    return membership


class LastLeadError(Exception):
    pass


@transaction.atomic
def membership_change(*, membership, role=None, remove=False):
    """Change a member's role or remove them; a study always keeps at least one lead."""
    project = membership.project
    losing_lead = membership.is_lead and (remove or role != Membership.Role.LEAD)
    if losing_lead:
        leads = Membership.objects.select_for_update().filter(project=project, role=Membership.Role.LEAD)
        if leads.count() <= 1:
            raise LastLeadError
    if remove:
        membership.delete()
    else:
        membership.role = role
        membership.full_clean()
        membership.save(update_fields=["role"])
    return membership


@dataclass(frozen=True)
class TextEdit:
    """How offsets into a document's text move when spans of it are replaced.

    `spans` holds (old start, old end, length of the new text), sorted, not empty, not overlapping.
    """

    spans: tuple[tuple[int, int, int], ...]

    @cached_property
    def _shifts(self) -> list[int]:
        """The shift of an offset after the first i spans, for i = 0 … len(spans)."""
        shifts = [0]
        for start, end, length in self.spans:
            shifts.append(shifts[-1] + length - (end - start))
        return shifts

    def position(self, offset: int, *, side: str = "right") -> int:
        """The new offset of an old one. An offset inside a replaced span stays inside its replacement.

        Text inserted exactly at `offset` (an empty span there) lands before the offset with side
        "right" and after it with side "left": an excerpt's start takes "right" and its end "left", so
        words typed just outside a passage stay outside it.
        """
        if side == "left":
            index = bisect.bisect_left(self.spans, (offset,))  # the spans starting before it
        else:
            index = bisect.bisect_right(self.spans, (offset, float("inf"), 0))  # the spans starting at or before it
        if index and offset < self.spans[index - 1][1]:
            start, _end, length = self.spans[index - 1]
            return start + self._shifts[index - 1] + min(offset - start, length)
        return offset + self._shifts[index]

    def segments(self) -> list[tuple[int, int | None, int]]:
        """(from, to, shift): each offset in [from, to) outside the spans moves by shift (to None: to the end)."""
        ends = [end for _start, end, _length in self.spans]
        return [(0 if i == 0 else ends[i - 1], self.spans[i][0] if i < len(ends) else None, self._shifts[i])
                for i in range(len(ends) + 1)]

    def touches(self, start: int, end: int) -> bool:
        """Whether the old stretch [start, end) overlaps a replaced span."""
        # The spans starting before `end`; sorted and apart, the last of them reaches furthest.
        index = bisect.bisect_left(self.spans, (end,))
        return index > 0 and self.spans[index - 1][1] > start


@transaction.atomic
def document_text_replace(*, document_id: int, spans: list[tuple[int, int]] | list[tuple[int, int, str]],
                          replacement: str | None = None) -> TextEdit:
    """Replace stretches of a stored document's text, the one exception to «text never changes».

    For erasing personal data (a participant's speech: every span gets `replacement`) and for the
    corrections of coding.revisions (spans of (start, end, new text), `replacement` None; an empty span
    inserts). The row is locked; text, checksum, length, page starts and the search chunks are
    rewritten together. A span that holds its replacement already is left as it is (erased before).
    The caller moves whatever points into the text (turns, excerpts) with the returned TextEdit, in
    the same transaction.
    """
    if replacement is not None:
        spans = [(start, end, replacement) for start, end in spans]
    document = Document.objects.select_for_update().get(pk=document_id)
    text, pieces, last = document.text, [], 0
    edit = []
    for start, end, new in sorted(spans):
        new = normalise_text(new)
        if start < last or end < start or (end == start and not new) or end > len(text):
            raise ValueError(f"Span {start}-{end} overlaps another or lies outside the text")
        if text[start:end] == new:
            continue
        pieces += [text[last:start], new]
        edit.append((start, end, len(new)))
        last = end
    pieces.append(text[last:])
    edit = TextEdit(tuple(edit))
    document.text = "".join(pieces)
    document.page_starts = [edit.position(start) for start in document.page_starts]
    Document.objects.filter(pk=document_id).update(
        text=document.text, checksum=text_checksum(document.text), length=len(document.text),
        page_starts=document.page_starts)
    document_reindex(document, edit)
    return edit


# A token of the word diff: a word, a run of white space, or one other character.
_TOKEN = re.compile(r"\w+|\s+|[^\w\s]")
# Paragraph blocks larger than this (in tokens, old times new) are replaced whole instead of diffed word by
# word: SequenceMatcher's cost grows with the product.
DIFF_TOKEN_BOUND = 4_000_000


def text_changes(old: str, new: str) -> list[tuple[int, int, str]]:
    """The spans (start, end, new text) of `old` that turn it into `new`, word by word, sorted and apart.

    Bounded: the common head and tail are cut off first (a corrected turn costs what the turn does), then
    paragraphs are matched, and only paragraphs that changed are compared word by word. A paragraph moved
    elsewhere is deleted here and inserted there.
    """
    new = normalise_text(new)
    head = _common_head(old, new)
    tail = _common_head(old[head:][::-1], new[head:][::-1])  # the common tail, never overlapping the head
    # Widen to whole words, so that a changed word is compared as a word.
    while head and old[head - 1].isalnum():
        head -= 1
    while tail and old[len(old) - tail].isalnum():
        tail -= 1
    a, b = old[head:len(old) - tail], new[head:len(new) - tail]
    if not a and not b:
        return []
    spans = []
    lines_a, lines_b = a.splitlines(keepends=True), b.splitlines(keepends=True)
    starts_a = _starts(lines_a, head)
    for op, i1, i2, j1, j2 in SequenceMatcher(None, lines_a, lines_b, autojunk=False).get_opcodes():
        if op == "equal":
            continue
        block_a, block_b = "".join(lines_a[i1:i2]), "".join(lines_b[j1:j2])
        spans += _word_changes(block_a, block_b, starts_a[i1])
    return _merged(spans)


def _common_head(a, b):
    """The length of the longest common prefix, found by halving with slice comparisons (in C, not per
    character in Python: a 3-hour transcript has 700,000 of them)."""
    low, high = 0, min(len(a), len(b))
    while low < high:
        middle = (low + high + 1) // 2
        if a[low:middle] == b[low:middle]:
            low = middle
        else:
            high = middle - 1
    return low


def _starts(lines, offset):
    starts = [offset]
    for line in lines:
        starts.append(starts[-1] + len(line))
    return starts


def _word_changes(a, b, offset):
    tokens_a, tokens_b = _TOKEN.findall(a), _TOKEN.findall(b)
    if not tokens_a or not tokens_b or len(tokens_a) * len(tokens_b) > DIFF_TOKEN_BOUND:
        return [(offset, offset + len(a), b)]
    starts_a, starts_b = _starts(tokens_a, offset), _starts(tokens_b, 0)
    return [(starts_a[i1], starts_a[i2], b[starts_b[j1]:starts_b[j2]])
            for op, i1, i2, j1, j2 in SequenceMatcher(None, tokens_a, tokens_b, autojunk=False).get_opcodes()
            if op != "equal"]


def _merged(spans):
    merged = []
    for start, end, new in spans:
        if merged and merged[-1][1] >= start:
            last_start, _last_end, last_new = merged[-1]
            merged[-1] = (last_start, end, last_new + new)
        else:
            merged.append((start, end, new))
    return merged
