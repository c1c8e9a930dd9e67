"""Keyword search across a study's documents: terms inside words, phrases, boolean and NEAR queries.

A term matches anywhere inside a word by default («innv» finds arbeidsinnvandrere), at the start of
a word (`^innv`) or as the whole word (`=innv`), or the search's mode says which for every term; a
hit is the whole word that holds it. A quoted phrase («"små kommuner"») matches whole words in that
order, across line breaks. Case is ignored. The query language is coding/query.py's: AND, OR, NOT
and NEAR/n join terms per document, and a document's hits are those of the terms that made it match.

Hits are always found by the same Python matcher on both databases, so the same query gives the
same hits on SQLite and PostgreSQL. The databases only narrow the chunks to scan, each with its own
trigram index over `Chunk.words` (planner.textindex.narrowed): `words` holds exactly the words the
matcher sees, lowercased, with single spaces, so a chunk with a hit always holds the needle. There
is no stemming: it changes the words a prefix must find.
"""

import bisect
import re
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import Q
from django.dispatch import receiver
from django.urls import reverse
from django.utils.translation import gettext as _

from coding.models import Coding
from coding.query import Any, Near, Not, QueryError, Term, parse, positive_leaves
from coding.quotes import turn_index
from interviews.models import Turn, format_seconds
from planner.models import Chunk, Document
from planner.plan_io import RegisterColumn
from planner.signals import register_columns
from planner.textindex import WORD, narrowed

CONTEXT = 100  # characters on each side of a hit
MAX_HITS_SHOWN = 10  # per document on the results page; the rest on request


@dataclass(frozen=True)
class Filters:
    """What a search is limited to, besides its query (all optional)."""

    kind: str = ""
    county: object = None
    plan_type: str = ""
    year_from: int | None = None
    year_to: int | None = None
    role: str = ""  # the speaker's role: transcript hits only
    field: str = ""  # the speaker's field
    theme: object = None  # documents (theme_scope «document») or passages («passage») coded with it
    theme_scope: str = "document"
    document: object = None
    plan: object = None  # the documents of one plan (the plan register's links)


@dataclass
class Hit:
    """A hit at [start, end) of the document; the context comes from its chunk when asked for."""

    start: int
    end: int
    term: object  # the Term, or the Near whose terms it joins
    chunk_text: str
    offset: int  # of the hit in chunk_text
    page: int | None = None
    timeline: tuple | None = None  # (turn starts, their seconds) of a transcript

    @property
    def label(self):
        return self.term.label

    @property
    def seconds(self):
        """The time code of the turn the hit starts in (the speaker-turn rule of coding/quotes.py)."""
        if not self.timeline:
            return None
        index = turn_index(self.timeline[0], self.start)
        return self.timeline[1][index] if index is not None else None

    @property
    def match(self):
        return self.chunk_text[self.offset:self.offset + self.end - self.start]

    @property
    def before(self):
        return self.chunk_text[max(0, self.offset - CONTEXT):self.offset]

    @property
    def after(self):
        stop = self.offset + self.end - self.start
        return self.chunk_text[stop:stop + CONTEXT]

    @property
    def time_code(self):
        return format_seconds(self.seconds)

    @property
    def where(self):
        """«s. 12» for a plan, the time code for a transcript."""
        return _("p. %(page)s") % {"page": self.page} if self.page else self.time_code


@dataclass
class DocumentHits:
    document: Document
    hits: list = field(default_factory=list)
    term_counts: dict = field(default_factory=dict)

    @property
    def count(self):
        return len(self.hits)

    @property
    def shown(self):
        return self.hits[:MAX_HITS_SHOWN]


def parse_query(query, mode="infix"):
    """The terms of a query whose hits it shows (duplicates dropped); QueryError if it cannot be read."""
    tree = parse(query, mode)
    terms = {}
    for term in positive_leaves(tree) if tree is not None else []:
        terms.setdefault(term.key, term)
    return list(terms.values())


def search(*, project, query, mode="infix", aa=False, narrow=True, filters=None, time_codes=True, **limits):
    """Documents with hits, most terms and hits first; each hit with context, page or time code.

    `limits` are the fields of Filters (kind, county, plan_type, …), or `filters` gives them at once.
    `time_codes=False` leaves the transcript hits' time codes to add_time_codes (for the page shown).
    `aa`: «aa» and «å» find each other (coding.query.parse).
    `narrow=False` reads every chunk instead of asking the index (tests compare the two).
    Raises coding.query.QueryError for a query that cannot be read.
    """
    tree = parse(query, mode, aa=aa)
    if tree is None:
        return []
    filters = filters or Filters(**limits)
    leaves = list({term.key: term for term in tree.leaves()}.values())
    nears = _nears(tree)
    direct = {term.key: term for term in _direct(tree)}.values()  # the terms not only inside a NEAR
    # Hits are (start, end, chunk, node) tuples until the last step: a document can hold thousands.
    found = {}
    rows = candidates(project, tree, filters, narrow=narrow).values_list("document_id", "start", "end", "page",
                                                                          "text")
    # Not .iterator(): on PostgreSQL that opens a cursor, whose fast-start plan may skip the index.
    for document_id, start, end, page, text in rows:
        per_node = found.setdefault(document_id, {})
        chunk = (start, page, text)
        limit = end - start  # a hit belongs to the chunk it starts in; the rest is the overlap
        lowered = _lowered(text)
        local = _Scans(lowered, leaves)
        for term in direct:
            per_node.setdefault(term.key, []).extend(
                (start + a, start + b, chunk, term) for a, b in local[term.key] if a < limit)
        for near in nears:
            per_node.setdefault(near, []).extend(
                (start + a, start + b, chunk, near) for a, b in _near_spans(near, local, lowered) if a < limit)
    speakers = bool(found) and (time_codes or filters.role or filters.field)
    timelines = _speakers(found) if speakers else {}
    if filters.role or filters.field:
        _keep_spoken_by(found, timelines, filters.role, filters.field)
    if filters.theme is not None and filters.theme_scope == "passage":
        _keep_coded(found, filters.theme)
    results = {}
    for document_id, per_node in found.items():
        present, hits = _evaluate(tree, per_node)
        if present and hits:
            results[document_id] = [
                Hit(start=a, end=b, term=node, page=chunk[1], chunk_text=chunk[2], offset=a - chunk[0])
                for a, b, chunk, node in _without_overlaps(hits)]
    return _results(results, timelines)


def candidates(project, tree, filters, *, narrow=True):
    """The chunks of the study within the filters that can hold a hit of the query, in text order."""
    chunks = _chunks(project, filters)
    if narrow:
        chunks = narrowed(chunks, ("or", [_needles(tree), *(term.needle for term in _negated(tree))]))
    return chunks.order_by("document_id", "position")


def _needles(node):
    """What a chunk must hold to hold a hit of the node: a NEAR pair lies in one chunk (with its overlap),
    so both sides; for AND (about documents) either side; NOT adds nothing here (see _negated)."""
    if isinstance(node, Term):
        return node.needle
    if isinstance(node, Near):
        return ("and", [_needles(node.left), _needles(node.right)])
    if isinstance(node, Not):
        return ("or", [])
    return ("or", [_needles(child) for child in node.children])


def _negated(node):
    """The terms under a NOT: the chunks that hold them tell which documents a NOT leaves out."""
    if isinstance(node, Not):
        return node.child.leaves()
    if isinstance(node, Term):
        return []
    if isinstance(node, Near):
        return _negated(node.left) + _negated(node.right)
    return [term for child in node.children for term in _negated(child)]


def _chunks(project, filters):
    chunks = Chunk.objects.filter(document__project=project)
    if filters.kind:
        chunks = chunks.filter(document__kind=filters.kind)
    if filters.county:
        chunks = chunks.filter(document__county=filters.county)
    if filters.plan_type:
        chunks = chunks.filter(document__plan__plan_type=filters.plan_type)
    if filters.document is not None:
        chunks = chunks.filter(document=filters.document)
    if filters.plan:
        chunks = chunks.filter(document__plan=filters.plan)
    if filters.year_from or filters.year_to:
        # A plan's year, an interview's date; a document with neither is left out of a year range.
        plans, interviews = Q(plan__isnull=False), Q(interview__date__isnull=False)
        if filters.year_from:
            plans &= Q(plan__year__gte=filters.year_from)
            interviews &= Q(interview__date__year__gte=filters.year_from)
        if filters.year_to:
            plans &= Q(plan__year__lte=filters.year_to)
            interviews &= Q(interview__date__year__lte=filters.year_to)
        chunks = chunks.filter(document__in=Document.objects.filter(plans | interviews, project=project).values("pk"))
    if filters.role or filters.field:
        chunks = chunks.filter(document__kind=Document.Kind.TRANSCRIPT)
    if filters.theme is not None:
        chunks = chunks.filter(document__in=Coding.objects.filter(theme=filters.theme).values("document_id"))
    return chunks


def _lowered(text):
    lowered = text.lower()
    if len(lowered) != len(text):  # a few characters lowercase to two; offsets would shift
        lowered = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    return lowered


def _scan(lowered, term):
    """(start, end) in the lowercased chunk text of the term's hits.

    Finds the needle with str.find, many times faster than one regular expression over the text,
    then checks where it stands in its word. A hit is the whole word that holds the needle (the
    phrase itself for a phrase).
    """
    needle = term.words[0]
    phrase = _phrase(term.words) if term.phrase else None
    infix, whole = term.mode == "infix", term.mode == "word"
    found, last = [], -1
    index = lowered.find(needle)
    while index != -1:
        at_start = index == 0 or not lowered[index - 1].isalnum()
        stop = None
        if phrase is not None:
            if at_start:
                match = phrase.match(lowered, index)
                stop = match.end() if match else None
        elif at_start or infix:
            stop = index + len(needle)
            if whole:
                stop = stop if stop == len(lowered) or not lowered[stop].isalnum() else None
            else:
                stop = _WORD_REST.match(lowered, stop).end()
        if stop is not None:
            begin = index
            if not at_start:  # inside a word (infix): the hit is the whole word
                while begin > 0 and lowered[begin - 1].isalnum():
                    begin -= 1
            if begin != last:
                found.append((begin, stop))
                last = begin
            if not phrase:
                index = stop - 1  # the rest of this word is the same hit
        index = lowered.find(needle, index + 1)
    return found


_PHRASES = {}
_WORD_REST = re.compile(r"[^\W_]*")  # the rest of a word from a position


def _phrase(words):
    if words not in _PHRASES:
        _PHRASES[words] = re.compile(r"\s+".join(re.escape(w) for w in words) + r"(?![^\W_])")
    return _PHRASES[words]


def _direct(node):
    """The terms whose own hits the query evaluates: all but those only inside a NEAR."""
    if isinstance(node, Term):
        return [node]
    if isinstance(node, Near):
        return []
    if isinstance(node, Not):
        return _direct(node.child)
    return [term for child in node.children for term in _direct(child)]


class _Scans(dict):
    """The hits of each term in one chunk, scanned when first asked for: a term only inside a NEAR is
    not scanned in a chunk where the NEAR's other side has no hit."""

    def __init__(self, lowered, terms):
        super().__init__()
        self.lowered, self.terms = lowered, {term.key: term for term in terms}

    def __missing__(self, key):
        self[key] = hits = _scan(self.lowered, self.terms[key])
        return hits


def _nears(node):
    """The NEAR nodes of a query not inside another NEAR: each is found chunk by chunk."""
    if isinstance(node, Near):
        return [node]
    if isinstance(node, Term):
        return []
    if isinstance(node, Not):
        return _nears(node.child)
    return [near for child in node.children for near in _nears(child)]


def _near_spans(node, local, lowered):
    """(start, end) in one chunk of a NEAR node's hits: one per pair of a left and a right hit with at most
    `distance` words between them, in either order, from the first one's start to the last one's end.

    Within one chunk and its overlap into the next (planner.textindex.OVERLAP characters), so NEAR/n
    finds pairs across a chunk boundary as far as the overlap reaches (coding.query.NEAR_MAX words).
    From each hit of the smaller side it walks outwards through the other side's hits and stops at the
    first one too far away, so the words between are counted only for pairs that are near or nearly so.
    """
    if isinstance(node, Term):
        return local[node.key]
    if isinstance(node, Any):
        return sorted({span for child in node.children for span in _near_spans(child, local, lowered)})
    left = _near_spans(node.left, local, lowered)
    right = _near_spans(node.right, local, lowered) if left else []
    if not right:
        return []
    if len(left) > len(right):
        left, right = right, left  # «within n words, in either order» is symmetric
    starts = [start for start, _end in right]
    words, distance, spans = WORD.findall, node.distance, set()
    for a, b in left:
        index = bisect.bisect_left(starts, a)
        for c, d in right[index:]:
            if c > b and len(words(lowered, b, c)) > distance:
                break
            spans.add((a, max(b, d)))
        for c, d in reversed(right[:index]):
            if d < a and len(words(lowered, d, a)) > distance:
                break
            spans.add((c, max(b, d)))
    return sorted(spans)


def _evaluate(node, per_node):
    """(whether the document matches, the hits that show it) for one node of the query."""
    if isinstance(node, Term):
        hits = per_node.get(node.key, [])
        return bool(hits), hits
    if isinstance(node, Near):
        hits = per_node.get(node, [])
        return bool(hits), hits
    if isinstance(node, Not):
        present, _hits = _evaluate(node.child, per_node)
        return not present, []
    results = [_evaluate(child, per_node) for child in node.children]
    if isinstance(node, Any):
        return any(p for p, _h in results), [hit for p, hits in results if p for hit in hits]
    if all(p for p, _h in results):  # All
        return True, [hit for _p, hits in results for hit in hits]
    return False, []


def _without_overlaps(hits):
    """Hits in text order; where two overlap, the earlier (at one start, the longer) stays."""
    hits = sorted(hits, key=lambda hit: (hit[0], -hit[1]))
    kept, reach = [], -1
    for hit in hits:
        if hit[0] >= reach:
            kept.append(hit)
            reach = hit[1]
    return kept


def _speakers(found):
    """{document id: (turn starts, their seconds, their (role, field))} of the transcripts, in one query."""
    turns = {}
    for document_id, start, seconds, role, speaker_field in Turn.objects.filter(document_id__in=found).order_by(
            "document_id", "start").values_list("document_id", "start", "start_seconds", "participant__role",
                                                "participant__field"):
        starts, times, speakers = turns.setdefault(document_id, ([], [], []))
        starts.append(start)
        times.append(seconds)
        speakers.append((role, speaker_field))
    return turns


def add_time_codes(results):
    """The time codes of the hits of these DocumentHits (a page of results), in one query."""
    timelines = _speakers({result.document.pk for result in results if result.document.kind ==
                           Document.Kind.TRANSCRIPT})
    for result in results:
        timeline = timelines.get(result.document.pk)
        for hit in result.hits:
            hit.timeline = timeline[:2] if timeline else None


def _keep_spoken_by(found, timelines, role, speaker_field):
    """Only the hits in turns of a speaker with the role and field (the speaker-turn rule)."""
    for document_id, per_term in found.items():
        starts, _times, speakers = timelines.get(document_id, ([], [], []))

        def spoken(hit, starts=starts, speakers=speakers):
            index = turn_index(starts, hit[0])
            if index is None:
                return False
            speaker_role, speaker_of = speakers[index]
            return (not role or speaker_role == role) and (not speaker_field or speaker_of == speaker_field)

        for term, hits in per_term.items():
            per_term[term] = [hit for hit in hits if spoken(hit)]


def _keep_coded(found, theme):
    """Only the hits inside a passage coded with the theme (one query)."""
    spans = {}
    for document_id, start, end in Coding.objects.filter(theme=theme, document_id__in=found).values_list(
            "document_id", "excerpt__start", "excerpt__end"):
        spans.setdefault(document_id, []).append((start, end))
    for document_id, per_term in found.items():
        coded = spans.get(document_id, [])
        for term, hits in per_term.items():
            per_term[term] = [hit for hit in hits if any(s <= hit[0] and hit[1] <= e for s, e in coded)]


def _results(found, timelines):
    if not found:
        return []
    documents = Document.objects.filter(pk__in=found).select_related("county", "plan").without_text()
    results = []
    for document in documents:
        hits = found[document.pk]
        timeline = timelines.get(document.pk)
        counts = {}
        for hit in hits:
            hit.timeline = timeline[:2] if timeline else None
            counts[hit.label] = counts.get(hit.label, 0) + 1
        results.append(DocumentHits(document=document, hits=hits, term_counts=counts))
    results.sort(key=lambda r: (-len(r.term_counts), -r.count, r.document.title))
    return results


# --- Saved searches as columns of the plan register ------------------------------------------------

def saved_filters(saved, **overrides):
    """The Filters of a saved search (SavedSearch.params holds ids and plain values)."""
    params = saved.params
    values = {name: params.get(name) for name in ("county", "plan_type", "year_from", "year_to", "role", "field",
                                                   "theme", "theme_scope") if params.get(name) not in (None, "")}
    return Filters(**{"kind": saved.kind, **values, **overrides})


@receiver(register_columns, dispatch_uid="coding.search_columns")
def search_columns(sender, *, project, plans, **kwargs):
    """One register column per saved search the lead chose: its hits in each plan's documents."""
    plan_ids = {plan.pk for plan in plans}
    columns = []
    for saved in project.saved_searches.filter(in_register=True):
        try:
            results = search(project=project, query=saved.query, mode=saved.params.get("mode") or "infix",
                             aa=bool(saved.params.get("aa")), filters=saved_filters(saved, kind=Document.Kind.PLAN),
                             time_codes=False)
        except QueryError:
            continue  # saved before the query language changed; the search page says what is wrong
        counts = {}
        for result in results:
            if result.document.plan_id in plan_ids:
                counts[result.document.plan_id] = counts.get(result.document.plan_id, 0) + result.count
        url = reverse("coding:search", args=[project.slug])
        links = {plan_id: f"{url}?{urlencode({**saved.form_data(), 'kind': 'plan', 'plan': plan_id})}"
                 for plan_id in counts}
        columns.append(RegisterColumn(label=saved.query, counts=counts, links=links))
    return columns
