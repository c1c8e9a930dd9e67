"""Quotes: the one home of the rules that decide what a quote says and who says it.

The speaker turn of a position, a quote's text as people read it, its internal and publication
attribution (nb, en), the codebook tree and order, and which quotes a selection holds. Review
pages, the matrix, search, the coding view and every export call these; none keeps a copy.
Attribution is derived here, never stored (DESIGN.md).
"""

from __future__ import annotations

import bisect
import datetime
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, Substr
from django.utils import translation

from coding.models import Coding, Excerpt, Theme
from interviews.importers import UNKNOWN_SPEAKER
from interviews.models import (
    INFORMANT_ROLES,
    InterviewFormat,
    ParticipantField,
    ParticipantRole,
    Turn,
    format_seconds,
)
from planner.compiled import CompiledRead
from planner.models import Chunk, Document, PlanType, Project
from planner.textindex import slices, text_slice

KINDS = {"interviews": Document.Kind.TRANSCRIPT, "plans": Document.Kind.PLAN}
LANGUAGES = ("nb", "en")

# Words of the attribution lines that are not display names of choices. Kept here rather than in
# gettext so that the signature a report uses never depends on the state of a translation file.
LABELS = {
    "nb": {"page": "s.", "county_council": "fylkeskommune", "informant": "Informant", "interviewer": "Intervjuer"},
    "en": {"page": "p.", "county_council": "county council", "informant": "Informant", "interviewer": "Interviewer"},
}


# --- The speaker turn of a position -------------------------------------------------------------
# A quote's speaker is the turn that contains its start: the last turn of its document that starts
# at or before it. A turn that starts where the quote starts is its turn; a quote before the first
# turn has none. turn_index() is the definition; speaker_turn() is the same rule as a subquery, and
# the matrix's SQL window (coding/review/matrix.py) is tested against turn_index().

def turn_index(turn_starts: Sequence[int], position: int) -> int | None:
    """The index, in `turn_starts` (sorted), of the turn that contains `position`; None before the first."""
    index = bisect.bisect_right(turn_starts, position) - 1
    return index if index >= 0 else None


def speaker_turn(document: str = "document_id", position: str = "start") -> QuerySet:
    """The turns that may contain the outer row's `position`, the containing one first: take [:1]."""
    return Turn.objects.holding(OuterRef(position), document=OuterRef(document))


class TurnsAround:
    """The turns of a transcript around a stretch [lo, hi], read in one query: from the turn that holds `lo`
    (the first turn after it when none does) through the last that starts at or before `hi`, in order, each
    as (start, speech_start, end, start_seconds, participant label).

    Every question below is about positions inside [lo, hi], and the rows answer it exactly as reading
    the turns one by one would: the turn that holds a position is among them, and so is each neighbour
    the span rule looks at (the comments in `span` say why one outside them never changes its answer).
    """

    _READ = CompiledRead(
        lambda document_id, lo, hi: Turn.objects.filter(
            document_id=document_id, start__lte=hi,
            start__gte=Coalesce(Subquery(Turn.objects.holding(lo, document=document_id).values("start")[:1]), lo))
        .order_by("start").values_list("start", "speech_start", "end", "start_seconds", "participant__label"),
        document_id=int, lo=int, hi=int)

    def __init__(self, document: Document, lo: int, hi: int) -> None:
        self.lo, self.hi = lo, hi
        self.rows = self._READ(document_id=document.pk, lo=lo, hi=hi)
        self.starts = [row[0] for row in self.rows]

    def covers(self, start: int, end: int) -> bool:
        return self.lo <= start and end <= self.hi

    def starting_in(self, start: int, end: int) -> list[tuple]:
        """(start, speech_start, start_seconds, participant label) of the turns that start in [start, end]."""
        rows = self.rows[bisect.bisect_left(self.starts, start):bisect.bisect_right(self.starts, end)]
        return [(a, b, seconds, label) for a, b, _end, seconds, label in rows]

    def span(self, start: int, end: int) -> tuple[int, int] | None:
        """speech_span's rule (read it there) on these turns."""
        if end <= start:
            return None
        rows, starts = self.rows, self.starts
        first = turn_index(starts, start)
        if first is not None:
            _start, speech, stop = rows[first][:3]
            if start < speech:
                start = speech
            elif start >= stop:  # the line break after a turn: the next turn's speech
                # A next turn after `hi` would start past `end`: no speech either way.
                start = rows[first + 1][1] if first + 1 < len(rows) else end
        last = turn_index(starts, end - 1)
        if last is not None:
            _start, speech, stop = rows[last][:3]
            if end - 1 < speech:  # ends in a label: the turn before it ends the span
                # When that turn is not among the rows, `last` holds `start` too and the span is empty anyway.
                end = rows[last - 1][2] if last > 0 else start
            elif end > stop:
                end = stop
        return (start, end) if end > start else None

    def over(self, start: int, end: int) -> tuple[int | None, int]:
        """turns_over's answer (read it there) on these turns."""
        holder = turn_index(self.starts, start)
        speech = self.rows[holder][1] if holder is not None else None
        return speech, max(0, bisect.bisect_left(self.starts, end) - bisect.bisect_right(self.starts, start))


def turn_starts(document: Document, start: int, end: int, turns: TurnsAround | None = None) -> list[tuple]:
    """(start, speech_start, start_seconds, participant label) of the turns that start in [start, end].

    `turns`: the caller's read of the turns around, used when it covers [start, end]."""
    if turns is not None and turns.covers(start, end):
        return turns.starting_in(start, end)
    return list(Turn.objects.filter(document=document, start__gte=start, start__lte=end).order_by("start")
                .values_list("start", "speech_start", "start_seconds", "participant__label"))


def speech_span(document: Document, start: int, end: int,
                turns: TurnsAround | None = None) -> tuple[int, int] | None:
    """A selection [start, end) of a transcript snapped to speech, or None when it holds none.

    One that starts in a speaker's label (or on the line break before a turn) starts at the speech;
    one whose last character lies in the next turn's label ends where the turn before it ends; one
    that runs past its last turn's end (onto the line break) ends there. A span across turns stays
    one span. A plan's text has no labels: only an empty span is refused. The coding view, the
    boundary edit and a search hit's proposal all go through here; the services store what they
    are given, so that exchange files and tests keep their exact offsets.

    One query (TurnsAround.span holds the rule); none when `turns`, the caller's read, covers the span.
    """
    if end <= start:
        return None
    if document.kind != Document.Kind.TRANSCRIPT:
        return start, end
    if turns is None or not turns.covers(start, end):
        turns = TurnsAround(document, start, end)
    return turns.span(start, end)


# --- A quote's text as shown to people ---------------------------------------------------------

def speech_start(start: int, end: int, speech: int | None) -> int:
    """Where a quote's shown text starts: a quote that starts on its speaker's label («Informant 3: »)
    starts at the speech. The attribution says who speaks; the label would only be masked as «[navn]:»."""
    return speech if speech is not None and start < speech < end else start


_HYPHENATED = re.compile(r"(?<=[^\W\d_])-[ \t]*\r?\n[ \t]*(?=[^\W\d_])")
_SENTENCE_END = ".!?:;»”\""
_LINE_BREAK = re.compile(r"[ \t]*(?<!\n)\r?\n(?![\r\n])[ \t]*")


def shown_text(text: str, kind: str = Document.Kind.PLAN) -> str:
    """The text of a quote as every page and file shows it; the stored text stays as extracted.

    A transcript's line breaks are its turn boundaries and stay (speech inside a turn holds none).
    PDF text breaks lines where the page did: a word hyphenated over a line break is joined
    («inte-\\ngrering» → «integrering»; before a capital the hyphen is a compound's and stays:
    «Nord-\\nNorge» → «Nord-Norge»), and a line break inside a sentence is a space. A break after
    a sentence's end and a blank line between paragraphs stay.
    """
    if kind == Document.Kind.TRANSCRIPT:
        return text

    def join(match):
        return "" if text[match.end()].islower() else "-"

    text = _HYPHENATED.sub(join, text)

    def line(match):
        before = text[:match.start()].rstrip(" \t")
        return match.group() if before and before[-1] in _SENTENCE_END else " "

    return _LINE_BREAK.sub(line, text)


# --- The codebook tree and order ---------------------------------------------------------------

def children_of(themes: Iterable[Theme]) -> dict[int | None, list[Theme]]:
    """{parent id: its child themes, in the order given}; main themes under None."""
    children = {}
    for theme in themes:
        children.setdefault(theme.parent_id, []).append(theme)
    return children


_PICKER = CompiledRead(
    lambda project_id: Theme.objects.filter(project_id=project_id).active().in_codebook_order()
    .values_list("id", "name", "colour"), project_id=int)


def panel_themes(project: Project) -> list[tuple[int, str, str]]:
    """(id, name, colour) of the study's active themes in codebook order: what the excerpt panel offers to
    code with. Read on every coding, so without making a model of each theme (planner.compiled)."""
    return _PICKER(project_id=project.pk)


def theme_checkboxes(project: Project, chosen: set[int], active: list[tuple[int, str, str]] | None = None
                     ) -> list[dict]:
    """The theme checkboxes of the excerpt panel and of a search hit's panel: each active theme in codebook
    order ({"id", "name", "colour", "checked"}), ticked where `chosen` has it. `active`: panel_themes(project),
    when the caller has read it."""
    if active is None:
        active = panel_themes(project)
    return [{"id": pk, "name": name, "colour": colour, "checked": pk in chosen} for pk, name, colour in active]


def codebook_order(themes: Iterable[Theme]) -> list[Theme]:
    """Themes in codebook order with each theme's sub-themes right after it, and their `depth`.

    A theme whose parent is not among `themes` (an archived parent left out) stands as a main theme.
    """
    themes = list(themes)
    known = {theme.pk for theme in themes}
    children = {}
    for theme in themes:
        children.setdefault(theme.parent_id if theme.parent_id in known else None, []).append(theme)
    ordered = []

    def walk(parent_id, depth):
        for theme in children.get(parent_id, []):
            theme.depth = depth
            ordered.append(theme)
            walk(theme.pk, depth + 1)

    walk(None, 0)
    return ordered


def sub_themes_of(children: dict[int | None, list[Theme]], theme: Theme) -> list[Theme]:
    """The theme's sub-themes at every depth, in codebook order (each once, whatever the nesting)."""
    found, seen, todo = [], {theme.pk}, list(reversed(children.get(theme.pk, [])))
    while todo:
        child = todo.pop()
        if child.pk not in seen:
            seen.add(child.pk)
            found.append(child)
            todo += reversed(children.get(child.pk, []))
    return found


# --- Which quotes a selection holds ------------------------------------------------------------

def selected_themes(project: Project, theme_ids: Sequence[int] = ()) -> list[Theme]:
    """The themes a selection shows, in codebook order, each with `members`: its id and its sub-themes' ids.

    No theme chosen means every theme the codebook shows: archived themes only while coded.
    A chosen id that is not a theme of the study is a ValueError.
    """
    themes = codebook_order(project.themes.annotate(
        coded=Exists(Coding.objects.filter(theme=OuterRef("pk")))).in_codebook_order())
    if theme_ids:
        known = {theme.pk for theme in themes}
        unknown = [pk for pk in theme_ids if pk not in known]
        if unknown:
            raise ValueError(f"themes: {unknown[0]} is not a theme of the study")
        chosen = [theme for theme in themes if theme.pk in set(theme_ids)]
    else:
        chosen = [theme for theme in themes if not theme.archived or theme.coded]
    children = children_of(themes)
    for theme in chosen:
        theme.members = {theme.pk, *(sub.pk for sub in sub_themes_of(children, theme))}
    return chosen


def selected_codings(project: Project, *, theme_ids: Iterable[int], counties: Iterable[int] = (), sources: str = "",
                     key_only: bool = False, coder: str = "", with_blind: bool = False,
                     document_ids: Iterable[int] | None = None) -> QuerySet:
    """The codings behind selected_excerpts (the same arguments): the study's codings with any of `theme_ids`
    on the chosen documents, of key quotes only or all, by the `coder` or anyone. An excerpt with two of the
    themes has two of them: count distinct excerpt ids.
    """
    # The documents as a list of ids read from the document indexes alone: joined, SQLite builds a Bloom
    # filter on the documents first, reading each one's project and county columns, which lie after its
    # text, through every overflow page of every transcript (100-250 ms at bench scale 1, issue 15).
    documents = Document.objects.filter(project=project)
    counties = [county for county in counties if county]
    if counties:
        documents = documents.filter(county_id__in=counties)
    if sources in KINDS:
        documents = documents.filter(kind=KINDS[sources])
    codings = Coding.objects.filter(theme_id__in=list(theme_ids), document_id__in=documents.values("pk"))
    if document_ids is not None:
        # On the codings' own column: on the documents, SQLite reads each one's row to check its project.
        codings = codings.filter(document_id__in=list(document_ids))
    if not (with_blind and coder):
        codings = codings.settled()
    if key_only:
        codings = codings.filter(excerpt__is_key=True)
    if coder:
        codings = codings.filter(excerpt__coder__username=coder)
    return codings


def selected_excerpts(project: Project, *, theme_ids: Iterable[int], counties: Iterable[int] = (), sources: str = "",
                      key_only: bool = False, coder: str = "", with_blind: bool = False,
                      document_ids: Iterable[int] | None = None) -> QuerySet:
    """The study's excerpts coded with any of `theme_ids`, from `counties` (all when empty), of `sources`
    («interviews», «plans» or all), key quotes only or all, by the `coder` (a user name) or anyone; of the
    documents `document_ids` only, when given.

    Documents still coded blind are left out (coding.models.blind_documents), unless `with_blind` and a
    `coder` are given: then that coder's excerpts there count too (coding.access.counts_blind_coding_of).
    """
    # Chosen through their codings, which carry their document: SQLite then looks each excerpt up by id
    # instead of testing every excerpt of every document of the study (25 times slower).
    codings = selected_codings(project, theme_ids=theme_ids, counties=counties, sources=sources, key_only=key_only,
                               coder=coder, with_blind=with_blind, document_ids=document_ids)
    return Excerpt.objects.filter(pk__in=codings.values("excerpt_id"))


def spoken_by(excerpts: QuerySet, *, role: str = "", field: str = "") -> QuerySet:
    """The excerpts whose speaker has the role and field (either left out when empty): transcripts only."""
    for name, value in (("role", role), ("field", field)):
        if value:
            excerpts = excerpts.alias(**{f"speaker_{name}": Subquery(
                speaker_turn().values(f"participant__{name}")[:1])}).filter(**{f"speaker_{name}": value})
    return excerpts


# --- Quotes read -------------------------------------------------------------------------------

@dataclass
class Quote:
    excerpt_id: int
    text: str  # as shown: shown_text() of the speech the excerpt covers
    theme_ids: list[int]  # the selected themes it is shown under, in codebook order (once each)
    county_id: int | None
    county: str  # county name, or ""
    document_id: int
    document_title: str
    kind: str  # "transcript" | "plan"
    participant_label: str  # speaker of the turn containing the excerpt's start; "" for plans
    role: str  # Participant role code, "" if none
    field: str  # Participant field code, "" if none
    interview_format: str
    interview_date: datetime.date | None
    time_code: str  # "00:14:32" or ""
    plan_title: str
    plan_type: str  # Plan.plan_type code, "" if none
    page: int | None
    memo: str
    coder: str  # username or ""
    is_key: bool
    start: int
    end: int
    created_at: datetime.datetime
    field_other: str = ""  # the field in the study's own words, for field «other»; "" if none


# Up to this many stretches the chunks are chosen by their spans in the statement; beyond it, by an EXISTS
# on the excerpts (SQLite nests each OR one level deeper, up to 1,000).
SPANS_IN_STATEMENT = 300


def _chunks_holding(excerpts, documents, spans):
    """The chunks that hold the spans. Few spans (a one-theme export of 200 quotes): named in the statement,
    read through the (document, start) index; the EXISTS on the excerpts made SQLite run the excerpts'
    selection again for each chunk of each document, 150-800 ms at bench scale 0.25 (issue 15)."""
    merged = []
    for _key, document_id, start, end, *_rest in sorted(spans, key=lambda span: (span[1], span[2])):
        if merged and merged[-1][0] == document_id and start <= merged[-1][2]:
            merged[-1][2] = max(merged[-1][2], end)
        else:
            merged.append([document_id, start, end])
    if len(merged) <= SPANS_IN_STATEMENT:
        where = Q(pk__in=[])
        for document_id, start, end in merged:
            where |= Q(document_id=document_id, start__lt=max(end, start + 1), end__gt=start)
        return Chunk.objects.filter(where)
    return Chunk.objects.filter(document_id__in=list(documents)).filter(Exists(excerpts.filter(
        document_id=OuterRef("document_id"), start__lt=OuterRef("end"), end__gt=OuterRef("start"))))


def read_quotes(excerpts: QuerySet) -> dict[int, Quote]:
    """{excerpt id: Quote} of the excerpts (theme_ids left empty): four queries, whatever the number.

    Texts are cut out of the search chunks that hold them, never out of the whole documents
    (on PostgreSQL reading a long text means decompressing all of it, once per excerpt).
    """
    # Unordered: the rows go into a dict (the excerpts' default order would join the documents for their titles).
    with_turn = excerpts.order_by().annotate(turn_id=Subquery(speaker_turn().values("pk")[:1]))
    rows = list(with_turn.values_list("pk", "document_id", "start", "end", "memo", "is_key", "coder__username",
                                      "created_at", "turn_id"))
    if not rows:
        return {}
    documents = {d.pk: d for d in Document.objects.filter(pk__in={row[1] for row in rows}).without_text()
                 .select_related("county", "plan", "interview")}
    turns = {pk: rest for pk, *rest in Turn.objects.filter(pk__in={row[-1] for row in rows if row[-1]}).values_list(
        "pk", "participant__label", "participant__role", "participant__field", "participant__field_other",
        "start_seconds", "speech_start")}
    spans = []
    for excerpt_id, document_id, start, end, *_rest, turn_id in rows:
        speech = turns[turn_id][-1] if turn_id in turns else None
        spans.append((excerpt_id, document_id, speech_start(start, end, speech), end))
    texts = slices(_chunks_holding(excerpts, documents, spans), spans)
    quotes = {}
    for excerpt_id, document_id, start, end, memo, is_key, coder, created_at, turn_id in rows:
        # The queries do not share a snapshot: skip an excerpt whose document went in between.
        document = documents.get(document_id)
        if document is None:
            continue
        transcript = document.kind == Document.Kind.TRANSCRIPT
        label, role, field, field_other, seconds, _speech = (
            turns.get(turn_id, ("", "", "", "", None, None)) if transcript else ("", "", "", "", None, None))
        interview = getattr(document, "interview", None) if transcript else None
        plan = document.plan
        quotes[excerpt_id] = Quote(
            excerpt_id=excerpt_id, text=shown_text(texts[excerpt_id], document.kind), theme_ids=[],
            county_id=document.county_id, county=document.county.name if document.county else "",
            document_id=document_id, document_title=document.title, kind=document.kind,
            participant_label=label, role=role, field=field, field_other=field_other or "",
            interview_format=interview.format if interview else "",
            interview_date=interview.date if interview else None,
            time_code=format_seconds(seconds), plan_title=plan.title if plan else "",
            plan_type=plan.plan_type if plan else "", page=document.page_at(start), memo=memo, coder=coder or "",
            is_key=is_key, start=start, end=end, created_at=created_at,
        )
    return quotes


# --- Attribution -------------------------------------------------------------------------------

def language_of(code: str | None) -> str:
    """The attribution language for a language code («nb», «en-gb», None): Norwegian unless English."""
    return "en" if (code or "").lower().startswith("en") else "nb"


def speaker_kind(quote: Quote) -> str:
    """Who speaks in a quote, as far as its signature goes.

    "plan" for a plan excerpt; for a transcript quote "interviewer", "informant" (adviser or
    leader), "unattributed" (no turn, or a turn still of «Ukjent»: nobody has said who speaks)
    or "participant" (someone of another role).
    """
    if quote.kind == Document.Kind.PLAN:
        return "plan"
    if quote.participant_label in ("", UNKNOWN_SPEAKER):
        return "unattributed"
    if quote.role == ParticipantRole.INTERVIEWER:
        return "interviewer"
    if quote.role in INFORMANT_ROLES:
        return "informant"
    return "participant"


@lru_cache(maxsize=4)
def _names(language):
    with translation.override(language):
        return {
            "role": {code: str(label) for code, label in ParticipantRole.choices},
            "field": {code: str(label) for code, label in ParticipantField.choices},
            "format": {code: str(label) for code, label in InterviewFormat.choices},
            "plan_type": {code: str(label) for code, label in PlanType.choices},
        }


def display_names(language: str) -> dict[str, dict[str, str]]:
    """Display names of roles, fields, interview formats and plan types in one language."""
    return _names(language)


def field_label(quote: Quote, language: str = "nb") -> str:
    """The speaker's field as a column shows it: the choice's name, or the study's own words for «other»."""
    if quote.field == ParticipantField.OTHER and quote.field_other:
        return quote.field_other
    return _names(language)["field"].get(quote.field, "")


def _field(quote, names):
    """The field in lower case, as inside a sentence; «other field» is named by the study's own words
    for it, as written, or left out when there are none."""
    if quote.field == ParticipantField.OTHER:
        return quote.field_other
    return names["field"].get(quote.field, "").lower() if quote.field else ""


def _page(quote, language):
    return f"{LABELS[language]['page']} {quote.page}" if quote.page is not None else ""


def format_date(date: datetime.date, language: str = "nb") -> str:
    return date.strftime("%d.%m.%Y") if language == "nb" else date.strftime("%d/%m/%Y")


def internal_attribution(quote: Quote, language: str = "nb") -> str:
    """«Rådgiver, integrering – Agder – Gruppeintervju 12.02.2025 – 00:14:32»; plans:
    «Regional planstrategi for Vestland 2024–2028 – Planstrategi – Vestland – s. 12». Missing parts are left out."""
    names = _names(language)
    if quote.kind in (Document.Kind.PLAN, Document.Kind.OTHER):  # another document is signed by its title
        parts = [quote.plan_title or quote.document_title, names["plan_type"].get(quote.plan_type, ""),
                 quote.county, _page(quote, language)]
    else:
        if quote.role in ("", ParticipantRole.OTHER):
            speaker = quote.participant_label  # «Ukjent» or a label: the role says nothing
        else:
            speaker = ", ".join(p for p in (names["role"].get(quote.role, ""), _field(quote, names)) if p)
        interview = " ".join(p for p in (names["format"].get(quote.interview_format, ""),
                                         format_date(quote.interview_date, language) if quote.interview_date else "")
                             if p)
        parts = [speaker, quote.county, interview, quote.time_code]
    return " – ".join(p for p in parts if p)


def publication_attribution(quote: Quote, language: str = "nb") -> str:
    """As the report signs quotes: «(Rådgiver, integrering, fylkeskommune)», never a county or a name for
    informants; the interviewer's words «(Intervjuer)»; plans are public: «(Planstrategi, Vestland, s. 12)».

    A quote nobody has attributed is never signed as an informant's: the anonymity review leaves it out
    unless the lead keeps it, and then it says only «(fylkeskommune)».
    """
    names, words = _names(language), LABELS[language]
    kind = speaker_kind(quote)
    if kind == "plan":
        parts = [names["plan_type"].get(quote.plan_type, "") or "Plan", quote.county, _page(quote, language)]
    elif kind == "informant":
        parts = [names["role"][quote.role], _field(quote, names), words["county_council"]]
    elif kind == "interviewer":
        parts = [words["interviewer"]]
    elif kind == "unattributed":
        parts = [words["county_council"]]
    else:
        parts = [words["informant"], words["county_council"]]
    return "(" + ", ".join(p for p in parts if p) + ")"


def attribution(quote: Quote, *, kind: str = "internal", language: str = "nb") -> str:
    """The quote's signature: `kind` «publication» as the report signs it, otherwise the internal one."""
    if kind == "publication":
        return publication_attribution(quote, language)
    return internal_attribution(quote, language)


# --- One quote's text, and lists of excerpts with theirs ----------------------------------------

def quote_start(document: Document, start: int, end: int) -> int:
    """Where the shown text of the passage [start, end) of a document starts: after its speaker's label."""
    speech = None
    if document.kind == Document.Kind.TRANSCRIPT:
        speech = speaker_turn_at(document, start)
    return speech_start(start, end, speech)


def turns_over(document: Document, start: int, end: int,
               turns: TurnsAround | None = None) -> tuple[int | None, int]:
    """Of the passage [start, end): the speech start of the turn that holds `start` (None before the first
    turn, and in a plan) and how many turns start inside it after `start`. One query at most: none in a plan,
    or when `turns`, the caller's read of the turns around, covers the passage."""
    if document.kind != Document.Kind.TRANSCRIPT:
        return None, 0
    if turns is None or not turns.covers(start, end):
        turns = TurnsAround(document, start, end)
    return turns.over(start, end)


def speaker_turn_at(document: Document, position: int) -> int | None:
    """The speech start of the turn that contains `position` (one query), or None before the first turn."""
    return Turn.objects.holding(position, document=document).values_list("speech_start", flat=True).first()


_TO_READ = object()


def quote_text(document: Document, start: int, end: int, text: str | None = None, *,
               speech: int | None | object = _TO_READ) -> str:
    """The shown text of the passage [start, end) of a document, as it reads once coded: two queries at most.

    `text` is the document's whole text when the caller has it; otherwise the passage is read alone.
    `speech`: the speech start of the turn that holds `start` (turns_over), when the caller has read it.
    """
    start = quote_start(document, start, end) if speech is _TO_READ else speech_start(start, end, speech)
    return shown_text(text_slice(document.pk, start, end) if text is None else text[start:end], document.kind)


def excerpts_with_passages(excerpts: QuerySet) -> list[Excerpt]:
    """Excerpts by plan type, title and place, each with its shown text (`passage`), themes and page.

    A plan has no turns, so `speech` is None there and only the line breaks are joined.

    The text is cut out by the database, never the whole document read.
    """
    excerpts = list(
        excerpts.select_related("document__plan", "document__county", "coder").defer("document__text")
        .annotate(passage=Substr("document__text", F("start") + 1, F("end") - F("start")),
                  speech=Subquery(speaker_turn().values("speech_start")[:1]))
        .prefetch_related(Prefetch("codings", queryset=Coding.objects.select_related("theme").order_by(
            "theme__position")))
        .order_by("document__plan__plan_type", "document__title", "start"))
    for excerpt in excerpts:
        excerpt.passage = shown_text(excerpt.passage[speech_start(excerpt.start, excerpt.end, excerpt.speech)
                                                     - excerpt.start:], excerpt.document.kind)
        excerpt.page = excerpt.document.page_at(excerpt.start)
    return excerpts
