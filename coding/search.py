"""Keyword search across a study's documents: terms inside words, phrases, boolean and NEAR queries.

A term matches anywhere inside a word by default («innv» finds arbeidsinnvandrere), at the start of
a word (`^innv`) or as the whole word (`=innv`), or the search's mode says which for every term; a
hit is the whole word that holds it. A quoted phrase («"små kommuner"») matches whole words in that
order, across line breaks. Case is ignored. The query language is coding/query.py's: AND, OR, NOT
and NEAR/n join terms per document, and a document's hits are those of the terms that made it match.

Search answers from the word index (planner.textindex: for each document and word, where it stands),
never from the text: a term's words are found in the vocabulary (IndexWord; LIKE through a trigram index
on PostgreSQL), their postings in the study's documents give which documents match and how many hits
each has, and their positions give NEARs (word numbers) and phrases (words joined by white space only).
The same Python code reads the same stored positions on both databases, so the same query gives the
same hits on SQLite and PostgreSQL; `narrow=False` builds the positions from the texts instead (tests
compare the two). A document's hits are made only when shown or coded; a page of results reads the
text around its shown hits from the chunks. There is no stemming: it changes the words a prefix must find.
"""

import bisect
import gc
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from operator import itemgetter
from urllib.parse import urlencode

from django.db.models import Q, Subquery
from django.db.models.functions import Coalesce
from django.dispatch import receiver
from django.urls import reverse
from django.utils.translation import gettext as _

from coding.models import Coding
from coding.query import Any, Near, Not, QueryError, Term, parse, positive_leaves
from coding.quotes import turn_index
from interviews.models import Turn, format_seconds
from planner.models import Chunk, Document, IndexWord, Posting
from planner.plan_io import RegisterColumn
from planner.signals import register_columns
from planner.textindex import MAX_WORDS_PER_QUERY, batched, decode, postings_of, slices

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
    """A hit at [start, end) of the document; `text` holds the document's text around it once asked for
    (add_context), from `offset` on."""

    start: int
    end: int
    term: object  # the Term, or the Near whose terms it joins
    page: int | None = None
    timeline: tuple | None = None  # (turn starts, their seconds) of a transcript
    text: str | None = None
    offset: int = 0  # of the hit in `text`
    owner: object = field(default=None, repr=False, compare=False)  # its DocumentHits, which reads the text

    def _text(self):
        if self.text is None:
            add_context([self.owner], shown_only=False)
        return self.text

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
        return self._text()[self.offset:self.offset + self.end - self.start]

    @property
    def before(self):
        return self._text()[max(0, self.offset - CONTEXT):self.offset]

    @property
    def after(self):
        stop = self.offset + self.end - self.start
        return self._text()[stop:stop + CONTEXT]

    @property
    def time_code(self):
        return format_seconds(self.seconds)

    @property
    def where(self):
        """«s. 12» for a plan, the time code for a transcript."""
        return _("p. %(page)s") % {"page": self.page} if self.page else self.time_code


@dataclass
class DocumentHits:
    """One document's result: how many hits per term, and the hits themselves, made when first asked for."""

    document: Document
    count: int
    term_counts: dict
    spans: list | None = None  # (start, end, node) in text order, once made
    shown_nodes: list = field(default_factory=list)  # the terms and NEARs whose hits show the document
    engine: object = None
    timeline: tuple | None = None  # of a transcript, once add_time_codes has read it
    made: list = field(default_factory=list)  # the Hits made so far, for the first spans

    @property
    def document_id(self):
        return self.document.pk

    @property
    def hits(self):
        return self._hits(None)

    @property
    def shown(self):
        return self._hits(MAX_HITS_SHOWN)

    def _hits(self, limit):
        if self.spans is None:
            self.engine.make_spans([self])
        document, made = self.document, self.made
        for a, b, node in self.spans[len(made):limit]:
            made.append(Hit(start=a, end=b, term=node, page=document.page_at(a), timeline=self.timeline, owner=self))
        return made[:limit]


def parse_query(query, mode="infix"):
    """The terms of a query whose hits it shows (duplicates dropped); QueryError if it cannot be read."""
    tree = parse(query, mode)
    terms = {}
    for term in positive_leaves(tree) if tree is not None else []:
        terms.setdefault(term.key, term)
    return list(terms.values())


def search(*, project, query, mode="infix", aa=False, narrow=True, filters=None, time_codes=True, **limits):
    """Documents with hits, most terms and hits first, each with its hit counts; their hits (with page and,
    unless `time_codes=False`, time code) are made when first asked for, their context by add_context.

    `limits` are the fields of Filters (kind, county, plan_type, …), or `filters` gives them at once.
    `time_codes=False` leaves the transcript hits' time codes to add_time_codes (for the page shown).
    `aa`: «aa» and «å» find each other (coding.query.parse).
    `narrow=False` reads every document's text instead of the word index (tests compare the two).
    Raises coding.query.QueryError for a query that cannot be read.
    """
    tree = parse(query, mode, aa=aa)
    if tree is None:
        return []
    filters = filters or Filters(**limits)
    with _without_cycle_collection():
        return _search(tree, project, filters, narrow, time_codes)


@contextmanager
def _without_cycle_collection():
    """Hits are many small tuples, none of them in a reference cycle; the cyclic garbage collector, which
    runs every few hundred allocations and now and then walks every live object, took a third of the time
    of a search with a common word (measured: 250 → 165 ms of CPU for «innv OR distrikt NEAR/3 kommun»)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _search(tree, project, filters, narrow, time_codes):
    engine = _Engine(tree, _documents(project, filters), stored=narrow)
    # Plain terms are counted from the postings alone; NEARs, phrases and the filters by speaker or coded
    # passage need each document's hits to decide whether it matches and how many it has.
    filtered = bool(filters.role or filters.field or (filters.theme is not None and filters.theme_scope == "passage"))
    by_hits = filtered or any(isinstance(node, Near) or node.phrase for node in _shown_leaves(tree))
    found = engine.matches(by_hits)
    if by_hits:
        if filtered:  # the filters keep some hits of every node; then whether the document matches
            engine.make_spans(found, all_nodes=True)
            if filters.role or filters.field:
                _keep_spoken_by(found, _speakers(Turn.objects.filter(document_id__in=[r.document_id for r in found])),
                                filters.role, filters.field)
            if filters.theme is not None and filters.theme_scope == "passage":
                _keep_coded(found, filters.theme)
        found = [result for result in (engine.settle(result) for result in found) if result is not None]
    results = _results(found, engine)
    if time_codes:
        add_time_codes(results)
    return results


@dataclass
class _Found:
    """A matching document before its Document row is read."""

    document_id: int
    count: int = 0
    term_counts: dict = field(default_factory=dict)
    shown_nodes: list = field(default_factory=list)
    spans: list | None = None
    per_node: dict | None = None  # node key: [(start, end, node)], while hits are made


def _documents(project, filters):
    """The study's documents within the filters (a queryset of their ids)."""
    documents = Document.objects.filter(project=project)
    if filters.kind:
        documents = documents.filter(kind=filters.kind)
    if filters.county:
        documents = documents.filter(county=filters.county)
    if filters.plan_type:
        documents = documents.filter(plan__plan_type=filters.plan_type)
    if filters.document is not None:
        documents = documents.filter(pk=filters.document.pk)
    if filters.plan:
        documents = documents.filter(plan=filters.plan)
    if filters.year_from or filters.year_to:
        # A plan's year, an interview's date; a document with neither is left out of a year range.
        plans, interviews = Q(plan__isnull=False), Q(interview__date__isnull=False)
        if filters.year_from:
            plans &= Q(plan__year__gte=filters.year_from)
            interviews &= Q(interview__date__year__gte=filters.year_from)
        if filters.year_to:
            plans &= Q(plan__year__lte=filters.year_to)
            interviews &= Q(interview__date__year__lte=filters.year_to)
        documents = documents.filter(plans | interviews)
    if filters.role or filters.field:
        documents = documents.filter(kind=Document.Kind.TRANSCRIPT)
    if filters.theme is not None:
        documents = documents.filter(pk__in=Coding.objects.filter(theme=filters.theme).values("document_id"))
    return documents.values("pk")


def _holds(term, word):
    """Whether a word of the index is one of the term's: holds the needle (inside a word, the default),
    starts with it, or is it; a phrase's words are whole words."""
    if term.phrase:
        return word in term.words
    needle = term.words[0]
    if term.mode == "infix":
        return needle in word
    if term.mode == "start":
        return word.startswith(needle)
    return word == needle


def _vocabulary_filter(terms):
    """The words of the index that can be the terms' (a superset: _holds decides)."""
    condition = Q()
    for term in terms:
        if term.phrase:
            condition |= Q(word__in=term.words)
        elif term.mode == "infix":
            condition |= Q(word__contains=term.words[0])
        elif term.mode == "start":
            condition |= Q(word__startswith=term.words[0])
        else:
            condition |= Q(word=term.words[0])
    return condition


class _Engine:
    """The word index of one search: which words are each term's, and in each document where they stand."""

    def __init__(self, tree, documents, *, stored):
        self.tree, self.documents, self.stored = tree, documents, stored
        self.terms = {term.key: term for term in tree.leaves()}
        self.words = {}  # term key: {word id (or the word itself, from the texts): word}
        self.postings = {}  # document id: {word id: [count, positions or None]}

    # -- reading the index

    def matches(self, with_positions):
        """The documents that match the query, with their counts (unless hits are needed to count)."""
        self._read(with_positions)
        found = []
        for document_id, postings in self.postings.items():
            present, shown = _shown(self.tree, lambda node, p=postings: self._present(node, p))
            if not present or not shown:
                continue
            result = _Found(document_id=document_id, shown_nodes=shown)
            if not with_positions:
                result.count, result.term_counts = self._counts(postings, shown)
            found.append(result)
        return found

    def _read(self, with_positions):
        if not self.stored:
            return self._read_texts()
        vocabulary = IndexWord.objects.filter(_vocabulary_filter(self.terms.values()))
        for word_id, word in vocabulary.values_list("id", "word"):
            for key, term in self.terms.items():
                if _holds(term, word):
                    self.words.setdefault(key, {})[word_id] = word
        if not self.words:
            return
        fields = ("document_id", "word_id", "count", "positions") if with_positions else (
            "document_id", "word_id", "count")
        rows = Posting.objects.filter(word__in=vocabulary.values("pk"), document__in=self.documents)
        for document_id, word_id, count, *positions in rows.values_list(*fields):
            self.postings.setdefault(document_id, {})[word_id] = [count, decode(positions[0]) if positions else None]

    def _read_texts(self):
        for document_id, text in Document.objects.filter(pk__in=self.documents).values_list("pk", "text"):
            postings = self.postings[document_id] = {}
            for word, positions in postings_of(text).items():
                for key, term in self.terms.items():
                    if _holds(term, word):
                        self.words.setdefault(key, {})[word] = word
                        postings[word] = [len(positions) // 2, positions]

    def _positions(self, results, nodes):
        """Read the positions the index did not give yet: of these documents, for the words of these nodes."""
        ids = {word_id for node in nodes for term in node.leaves() for word_id in self.words.get(term.key, {})}
        missing = {result.document_id for result in results
                   if any(self.postings[result.document_id].get(word_id, [0, b""])[1] is None for word_id in ids)}
        for batch in batched(ids, MAX_WORDS_PER_QUERY) if missing else ():
            for document_id, word_id, positions in Posting.objects.filter(
                    document_id__in=missing, word_id__in=batch).values_list("document_id", "word_id", "positions"):
                self.postings[document_id][word_id][1] = decode(positions)

    # -- deciding

    def _present(self, node, postings):
        if isinstance(node, Term) and not node.phrase:
            return any(word_id in postings for word_id in self.words.get(node.key, ()))
        if not all(any(word_id in postings for word_id in self.words.get(term.key, ())) for term in
                   _required(node)):
            return False  # a phrase or NEAR lacks a word it needs: no need to read positions
        return True  # decided from the hits (settle)

    def _counts(self, postings, shown):
        """Hits per document without making them: each occurrence of a word one of the shown terms holds is
        one hit, counted for the first of those terms (as the hits' overlap rule keeps the first)."""
        counted, term_counts = {}, {}
        for term in shown:
            for word_id in self.words.get(term.key, ()):
                if word_id in postings and word_id not in counted:
                    counted[word_id] = term
                    term_counts[term.label] = term_counts.get(term.label, 0) + postings[word_id][0]
        return sum(postings[word_id][0] for word_id in counted), term_counts

    # -- making hits

    def make_spans(self, results, all_nodes=False):
        """The hits (start, end, node) of these results in text order. With `all_nodes` (a query with NEARs or
        phrases, or a filter by speaker or coded passage), every node's hits, kept in `per_node` for the
        filters and settle(); else those of the nodes that show each document."""
        with _without_cycle_collection():
            self._make_spans(results, all_nodes)

    def _make_spans(self, results, all_nodes):
        nodes = list(self._all_nodes()) if all_nodes else list({n: None for r in results for n in r.shown_nodes})
        if self.stored:
            self._positions(results, nodes)
        for result in results:
            postings = self.postings[result.document_id]
            cache = {}
            spans = lambda node, p=postings, c=cache: self._spans(node, p, c)  # noqa: E731
            if all_nodes:
                result.per_node = _LazyHits({_key(node): [(a, b, node) for a, b, _f, _l in spans(node)]
                                             for node in nodes})
            else:
                result.spans = _without_overlaps([(a, b, node) for node in result.shown_nodes
                                                  for a, b, _f, _l in spans(node)])

    def settle(self, result):
        """Whether a result matches after all, from its hits (a query with NEARs or phrases; the filters may
        have kept some hits of each node in `per_node`), and its hits and counts."""
        per_node = result.per_node
        if per_node is None:  # the positions came with the postings (matches(with_positions=True))
            postings, cache = self.postings[result.document_id], {}
            per_node = _LazyHits(lambda node: [(a, b, node) for a, b, _f, _l in self._spans(node, postings, cache)])
        present, shown = _shown(self.tree, lambda node: bool(per_node[node]))
        if not present or not shown:
            return None
        result.shown_nodes = shown
        result.spans = _without_overlaps([hit for node in shown for hit in per_node[node]])
        if not result.spans:
            return None
        result.count = len(result.spans)
        counts = Counter(map(id, map(itemgetter(2), result.spans)))
        labels = {id(node): node.label for node in (*shown, *self._all_nodes())}
        result.term_counts = {}
        for node_id, n in counts.items():
            result.term_counts[labels[node_id]] = result.term_counts.get(labels[node_id], 0) + n
        result.per_node = None
        return result

    def _all_nodes(self):
        seen = {}
        for node in _shown_leaves(self.tree):
            seen.setdefault(_key(node), node)
        return seen.values()

    def _spans(self, node, postings, cache):
        """(start, end, first word number, last word number) of a node's hits in one document, by start."""
        key = _key(node)
        if key in cache:
            return cache[key]
        if isinstance(node, Term):
            spans = self._phrase_spans(node, postings) if node.phrase else self._word_spans(node, postings)
        elif isinstance(node, Any):
            spans = sorted({span for child in node.children for span in self._spans(child, postings, cache)})
        else:
            spans = self._near_spans(node, postings, cache)
        cache[key] = spans
        return spans

    def _near_spans(self, node, postings, cache):
        """A NEAR's hits: from each hit of one side, the other side's hits within reach. A side that is a
        plain term is looked up by word number in its positions (a common word: «kommun» in every sentence)
        rather than made into hits; of two plain terms, the more frequent one."""
        left, right = node.left, node.right
        if _plain(left) and (not _plain(right) or self._frequency(left, postings) > self._frequency(right, postings)):
            left, right = right, left  # «within n words, in either order» is symmetric
        spans = self._spans(left, postings, cache)
        if not spans:
            return []
        if _plain(right):
            return _near(spans, self._occurrences(right, postings), node.distance)
        other = self._spans(right, postings, cache)
        if not other:
            return []
        return _near(*((spans, other) if len(spans) <= len(other) else (other, spans)), node.distance)

    def _frequency(self, term, postings):
        return sum(postings[word_id][0] for word_id in self.words.get(term.key, ()) if word_id in postings)

    def _occurrences(self, term, postings):
        """A plain term's occurrences in one document, to be looked up by word number (_Occurrences)."""
        return _Occurrences([(postings[word_id][1], len(word)) for word_id, word in self.words.get(term.key, {}).items()
                             if word_id in postings])

    def _word_spans(self, term, postings):
        spans, words = [], 0
        for word_id, word in self.words.get(term.key, {}).items():
            entry = postings.get(word_id)
            if entry is None:
                continue
            positions, length = entry[1], len(word)
            starts, numbers = positions[1::2], [number >> 1 for number in positions[0::2]]
            spans.extend(zip(starts, [start + length for start in starts], numbers, numbers, strict=True))
            words += 1
        if words > 1:
            spans.sort()
        return spans

    def _phrase_spans(self, term, postings):
        """Its words one after another, each joined to the next by white space only."""
        words = self.words.get(term.key, {})
        by_word = {word: postings[word_id][1] for word_id, word in words.items() if word_id in postings}
        if any(word not in by_word for word in term.words):
            return []
        following = [{positions[i] >> 1: (positions[i] & 1, positions[i + 1]) for i in range(0, len(positions), 2)}
                     for positions in (by_word[word] for word in term.words[1:])]
        first, last_length, spans = by_word[term.words[0]], len(term.words[-1]), []
        for index in range(0, len(first), 2):
            number, start, joined, end = first[index] >> 1, first[index + 1], first[index] & 1, None
            for step, table in enumerate(following, 1):
                entry = table.get(number + step)
                if not joined or entry is None:
                    break
                joined, end = entry[0], entry[1] + last_length
            else:
                spans.append((start, end, number, number + len(following)))
        return spans


class _LazyHits:
    """A node's hits (start, end, node) in one document: given, or made when first asked for."""

    def __init__(self, given):
        self.made = given if isinstance(given, dict) else {}
        self.make = None if isinstance(given, dict) else given

    def __getitem__(self, node):
        key = _key(node)
        if key not in self.made:
            self.made[key] = self.make(node) if self.make else []
        return self.made[key]

    def items(self):
        return self.made.items()

    def __setitem__(self, key, hits):
        self.made[key] = hits


def _key(node):
    return node.key if isinstance(node, Term) else node


def _required(node):
    """The terms a phrase or NEAR needs words of in a document (an OR group needs one of its own: none here)."""
    if isinstance(node, Term):
        return [node]
    if isinstance(node, Near):
        return _required(node.left) + _required(node.right)
    return []


def _shown_leaves(node):
    """The terms and NEARs whose hits a query can show, and those under a NOT (which decide documents)."""
    if isinstance(node, (Term, Near)):
        return [node]
    if isinstance(node, Not):
        return _shown_leaves(node.child)
    return [leaf for child in node.children for leaf in _shown_leaves(child)]


def _shown(node, present):
    """(whether a document matches the node, the terms and NEARs whose hits show it), from `present(node)`
    of its terms and NEARs: OR shows the hits of the parts present, AND of all its parts, NOT none."""
    if isinstance(node, (Term, Near)):
        found = present(node)
        return found, [node] if found else []
    if isinstance(node, Not):
        return not _shown(node.child, present)[0], []
    results = [_shown(child, present) for child in node.children]
    if isinstance(node, Any):
        return any(p for p, _n in results), [n for p, nodes in results if p for n in nodes]
    if all(p for p, _n in results):  # All
        return True, [n for _p, nodes in results for n in nodes]
    return False, []


class _Occurrences:
    """The occurrences of a plain term's words in one document, in word number order, to be walked beside a
    NEAR's other side (_near) without making a hit of each."""

    def __init__(self, words):
        # Positions hold (number << 1 | joined, start) pairs in number order. Each occurrence gets a key,
        # its (number << 1 | joined) shifted left by `bits` with the index of its word in them, so that the
        # keys of all the words sort into one list in number order.
        self.bits = max(1, (len(words) - 1).bit_length())
        self.lengths = [length for _positions, length in words]
        self.starts = [dict(zip(positions[0::2], positions[1::2], strict=True)) for positions, _length in words]
        bits = self.bits
        self.keys = sorted(number << bits | index for index, (positions, _length) in enumerate(words)
                           for number in positions[0::2])

    def walk(self, left, distance):
        """For each of the `left` hits (in text order), the occurrences within `distance` words of it or
        overlapping it, as hits (start, end, number, number): one pass over both, the lower bound only
        moving forward."""
        keys, bits, starts, lengths = self.keys, self.bits, self.starts, self.lengths
        mask, low, size = (1 << bits) - 1, 0, len(self.keys)
        for _a, _b, first, last in left:
            lowest = (first - distance - 1) << 1 << bits
            while low < size and keys[low] < lowest:
                low += 1
            stop, index, found = ((last + distance + 1) << 1 | 1) << bits | mask, low, []
            while index < size and keys[index] <= stop:
                key = keys[index]
                word, encoded = key & mask, key >> bits
                start = starts[word][encoded]
                found.append((start, start + lengths[word], encoded >> 1, encoded >> 1))
                index += 1
            yield found


def _plain(node):
    return isinstance(node, Term) and not node.phrase


def _near(left, right, distance):
    """Pairs of a left and a right hit with at most `distance` words between them, in either order, as
    spans from the first one's start to the last one's end. Hits are (start, end, first, last) with word
    numbers, so the words between two hits are a subtraction; overlapping hits are near. `right` is a
    list of hits in text order or the _Occurrences of a plain term."""
    spans = set()
    if isinstance(right, _Occurrences):
        nearby = right.walk(left, distance)
    else:
        firsts = [span[2] for span in right]
        reach = distance + 1 + _longest(right)  # a right hit can start this far before a left one and be near
        nearby = (_from(right, bisect.bisect_left(firsts, first - reach)) for _a, _b, first, last in left)
    for (a, b, first, last), candidates in zip(left, nearby, strict=True):
        for c, d, other_first, other_last in candidates:
            if other_first > last + distance + 1:
                break
            if other_first > last:
                between = other_first - last - 1
            elif other_last < first:
                between = first - other_last - 1
            else:
                between = 0  # they overlap
            if between <= distance:
                spans.add((min(a, c), max(b, d), min(first, other_first), max(last, other_last)))
    return sorted(spans)


def _from(items, index):
    """items[index:] without copying them."""
    return (items[i] for i in range(index, len(items)))


def _longest(spans):
    """The most words one span holds, minus one (a NEAR's span holds several)."""
    return max((last - first for _a, _b, first, last in spans), default=0)


def _without_overlaps(hits):
    """Hits in text order; where two overlap, the earlier (at one start, the longer; of two alike, the first
    given) stays."""
    kept, reach = [], -1
    for hit in sorted(hits, key=itemgetter(0)):  # stable: hits at one start keep their order
        if kept and hit[0] == kept[-1][0]:
            if hit[1] > kept[-1][1]:  # at the start of a kept hit, a longer one
                kept[-1] = hit
                reach = hit[1]
        elif hit[0] >= reach:
            kept.append(hit)
            reach = hit[1]
    return kept


def _results(found, engine):
    if not found:
        return []
    by_id = {result.document_id: result for result in found}
    documents = Document.objects.filter(pk__in=by_id).select_related("county", "plan").without_text()
    results = []
    for document in documents:
        result = by_id[document.pk]
        results.append(DocumentHits(document=document, count=result.count, term_counts=result.term_counts,
                                    spans=result.spans, shown_nodes=result.shown_nodes, engine=engine))
    results.sort(key=lambda r: (-len(r.term_counts), -r.count, r.document.title))
    return results


def _make_pending(results):
    """The hits of the results that have none yet, in one query for their positions."""
    pending = [result for result in results if result.spans is None]
    if pending:
        pending[0].engine.make_spans(pending)


def add_context(results, *, shown_only=True):
    """The text around the hits of these DocumentHits (their first few, or all), from their chunks in one query.
    A hit whose text is asked for without it reads its document's (Hit.match)."""
    if not results:
        return
    _make_pending(results)
    wanted = {}
    for result in results:
        for index, hit in enumerate(result.shown if shown_only else result.hits):
            if hit.text is not None:
                continue
            wanted[(result.document.pk, index)] = (result.document.pk, max(0, hit.start - CONTEXT),
                                                   hit.end + CONTEXT, hit)
    if not wanted:
        return
    ranges = {}
    for document_id, low, high, _hit in wanted.values():
        lowest, highest = ranges.get(document_id, (low, high))
        ranges[document_id] = (min(lowest, low), max(highest, high))
    condition = Q()
    for document_id, (low, high) in ranges.items():
        condition |= Q(document_id=document_id, start__lt=high, end__gt=low)
    texts = slices(Chunk.objects.filter(condition), [(key, *value[:3]) for key, value in wanted.items()])
    for key, (_document_id, low, _high, hit) in wanted.items():
        hit.text, hit.offset = texts[key], hit.start - low


def _speakers(turns, *, roles=True):
    """{document id: (turn starts, their seconds, their (role, field) unless `roles` is false)} of these turns
    (a Turn queryset), in one query."""
    fields = ("participant__role", "participant__field") if roles else ()
    rows, turns = turns, {}
    for document_id, start, seconds, *speaker in rows.order_by(
            "document_id", "start").values_list("document_id", "start", "start_seconds", *fields):
        starts, times, speakers = turns.setdefault(document_id, ([], [], []))
        starts.append(start)
        times.append(seconds)
        speakers.append(tuple(speaker))
    return turns


def add_time_codes(results, *, shown_only=False):
    """The time codes of the hits of these DocumentHits, in one query: of all their hits, or (a page of
    results) of their first few, from only the turns those lie in."""
    _make_pending(results)
    transcripts = [result for result in results if result.document.kind == Document.Kind.TRANSCRIPT]
    if not shown_only:
        timelines = _speakers(Turn.objects.filter(document_id__in=[r.document.pk for r in transcripts]), roles=False)
    else:
        condition = Q()
        for result in transcripts:
            if result.shown:
                low, high = result.shown[0].start, result.shown[-1].start
                first = Turn.objects.filter(document_id=result.document.pk, start__lte=low).order_by("-start")
                condition |= Q(document_id=result.document.pk, start__lte=high,
                               start__gte=Coalesce(Subquery(first.values("start")[:1]), 0))
        timelines = _speakers(Turn.objects.filter(condition) if condition else Turn.objects.none(), roles=False)
    for result in results:
        timeline = timelines.get(result.document.pk)
        timeline = timeline[:2] if timeline else None
        if not shown_only:
            result.timeline = timeline
        if shown_only or result.document.kind == Document.Kind.TRANSCRIPT:
            for hit in result.shown if shown_only else result.made:
                hit.timeline = timeline


def _keep_spoken_by(found, timelines, role, speaker_field):
    """Only the hits in turns of a speaker with the role and field (the speaker-turn rule)."""
    for result in found:
        per_term = result.per_node
        starts, _times, speakers = timelines.get(result.document_id, ([], [], []))

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
    spans, documents = {}, [result.document_id for result in found]
    for document_id, start, end in Coding.objects.filter(theme=theme, document_id__in=documents).values_list(
            "document_id", "excerpt__start", "excerpt__end"):
        spans.setdefault(document_id, []).append((start, end))
    for result in found:
        per_term, coded = result.per_node, spans.get(result.document_id, [])
        for term, hits in per_term.items():
            per_term[term] = [hit for hit in hits if any(s <= hit[0] and hit[1] <= e for s, e in coded)]


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
