"""Keyword search across a study's documents: word prefixes and quoted phrases.

A term matches where a word starts with it («innv» finds innvandring, Innvandrerbefolkningen);
a quoted phrase («"små kommuner"») matches those words in that order. Case is ignored.

Hits are always found by the same regular expression in Python, on both databases, so the
same query gives the same hits on SQLite and PostgreSQL. PostgreSQL only narrows the chunks
to scan, through the GIN index on `to_tsvector('simple', words)` (planner/textindex.py):
`Chunk.words` holds exactly the words the expression sees, lowercased, so a chunk that can
hold a hit always matches the tsquery. The `simple` configuration is used, not `norwegian`:
Norwegian stemming makes «innvandrern» of «innvandrerne», so a prefix query «innvandrern»
would be stemmed differently from the words it must find, and hits would go missing.
"""

import re
from dataclasses import dataclass, field

from django.db import connection
from django.utils.translation import gettext as _

from coding.quotes import turn_index
from interviews.models import Turn, format_seconds
from planner.models import Chunk, Document
from planner.textindex import WORD

CONTEXT = 100  # characters on each side of a hit
MAX_HITS_SHOWN = 10  # per document on the results page; the rest on request
_QUOTED = re.compile(r'"([^"]*)"|«([^»]*)»|“([^”]*)”|(\S+)')


@dataclass(frozen=True)
class Term:
    label: str
    words: tuple
    phrase: bool

    def matcher(self):
        """A regex that matches the term at a position where a word starts."""
        if self.phrase:
            return re.compile(r"\s+".join(re.escape(w) for w in self.words) + r"(?![^\W_])", re.IGNORECASE)
        return re.compile(re.escape(self.words[0]) + r"[^\W_]*", re.IGNORECASE)

    def tsquery(self):
        if self.phrase:
            return "(" + " & ".join(f"'{w}'" for w in self.words) + ")"
        return f"'{self.words[0]}':*"


def parse_query(query):
    """Terms of a query: quoted phrases, and single words as prefixes (duplicates dropped)."""
    terms = {}
    for match in _QUOTED.finditer(query or ""):
        raw = next(group for group in match.groups() if group is not None)
        words = tuple(WORD.findall(raw.lower()))
        if words:
            term = Term(label=raw.strip(), words=words, phrase=len(words) > 1)
            terms.setdefault((term.words, term.phrase), term)
    return list(terms.values())


@dataclass
class Hit:
    """A hit at [start, end) of the document; the context comes from its chunk when asked for."""

    start: int
    end: int
    term: Term
    chunk_text: str
    offset: int  # of the hit in chunk_text
    page: int | None = None
    timeline: tuple | None = None  # (turn starts, their seconds) of a transcript

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


def search(*, project, query, kind="", county=None, plan_type="", document=None, narrow=True):
    """Documents with hits, most hits first; each hit with context, page or time code.

    `narrow=False` scans every chunk on PostgreSQL too (tests compare the two).
    """
    terms = parse_query(query)
    if not terms:
        return []
    matchers = [(term, term.words[0], term.matcher()) for term in terms]
    chunks = Chunk.objects.filter(document__project=project)
    if kind:
        chunks = chunks.filter(document__kind=kind)
    if county:
        chunks = chunks.filter(document__county=county)
    if plan_type:
        chunks = chunks.filter(document__plan__plan_type=plan_type)
    if document is not None:
        chunks = chunks.filter(document=document)
    if narrow and connection.vendor == "postgresql":
        chunks = chunks.extra(
            where=["to_tsvector('simple'::regconfig, planner_chunk.words) @@ to_tsquery('simple'::regconfig, %s)"],
            params=[" | ".join(t.tsquery() for t in terms)],
        )
    found = {}
    rows = chunks.order_by("document_id", "position").values_list("document_id", "start", "end", "page", "text")
    # Not .iterator(): on PostgreSQL that opens a cursor, whose fast-start plan re-computes the
    # tsvector of every chunk instead of using the GIN index (seconds instead of milliseconds).
    for document_id, start, end, page, text in rows:
        hits = found.setdefault(document_id, [])
        for offset, stop, term in _scan(text, matchers, end - start):
            hits.append(Hit(start=start + offset, end=start + stop, term=term, page=page, chunk_text=text,
                            offset=offset))
    return _results(found)


def _scan(text, matchers, limit):
    """(start, end, term) of the hits starting before `limit` (the rest is the overlap).

    Finds each term's first word with str.find in the lowercased text, which is many times
    faster than one regular expression over the text, then checks that a word starts there
    and matches the whole term. Where two terms' hits overlap the longer, earlier one stays.
    """
    lowered = text.lower()
    if len(lowered) != len(text):  # a few characters lowercase to two; offsets would shift
        lowered = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    hits = []
    for term, needle, matcher in matchers:
        index = lowered.find(needle, 0, limit + len(needle) - 1)
        while index != -1:
            if index == 0 or not lowered[index - 1].isalnum():
                match = matcher.match(text, index)
                if match:
                    hits.append((index, match.end(), term))
            index = lowered.find(needle, index + 1, limit + len(needle) - 1)
    hits.sort(key=lambda hit: (hit[0], -hit[1]))
    kept, reach = [], -1
    for hit in hits:
        if hit[0] >= reach:
            kept.append(hit)
            reach = hit[1]
    return kept


def _results(found):
    found = {document_id: hits for document_id, hits in found.items() if hits}
    if not found:
        return []
    documents = Document.objects.filter(pk__in=found).select_related("county", "plan").without_text()
    _add_time_codes(found)
    results = []
    for document in documents:
        hits = found[document.pk]
        counts = {}
        for hit in hits:
            counts[hit.term.label] = counts.get(hit.term.label, 0) + 1
        results.append(DocumentHits(document=document, hits=hits, term_counts=counts))
    results.sort(key=lambda r: (-len(r.term_counts), -r.count, r.document.title))
    return results


def _add_time_codes(found):
    """A transcript hit gets the time code of the turn it starts in (one query for all hits)."""
    turns = {}
    for document_id, start, seconds in Turn.objects.filter(document_id__in=found).order_by(
        "document_id", "start"
    ).values_list("document_id", "start", "start_seconds"):
        starts, times = turns.setdefault(document_id, ([], []))
        starts.append(start)
        times.append(seconds)
    for document_id, timeline in turns.items():
        for hit in found[document_id]:
            hit.timeline = timeline
