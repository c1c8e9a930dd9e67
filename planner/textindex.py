"""Each Document's text cut into Chunks (see Chunk), for reading a stretch of a long text without reading
all of it, and its word index (Posting), from which search answers.

Document.save() indexes a new document in the same transaction.
"""

import bisect
import re
import sys
from array import array
from contextlib import contextmanager
from itertools import accumulate
from operator import or_

from django.db import IntegrityError, connection, transaction
from django.db.models import F

from planner.bulk import batched, insert_rows
from planner.compiled import CompiledRead
from planner.models import Chunk, IndexWord, Posting

CHUNK_SIZE = 4000
# Long enough for any phrase a team searches for to fit in one chunk.
OVERLAP = 200
# A word as search sees it: a run of letters and digits (no underscore), in the word index
# (postings_of), the query language (coding.query) and the word list (coding.frequencies).
WORD = re.compile(r"[^\W_]+")


def document_index(document):
    """(Re)build the chunks and the word index of a document."""
    Chunk.objects.filter(document=document).delete()
    Chunk.objects.bulk_create(
        (Chunk(document=document, **row) for row in chunk_rows(document.text, document.page_starts,
                                                                document.first_page)),
        batch_size=500,
    )
    document_postings(document)


# Added to positions while chunks are renumbered, so that no two share one for a moment.
_MOVING = 2 ** 30


def document_reindex(document, edit):
    """Rebuild the word index and the chunks a change of the text touched (`edit`: planner.services.TextEdit,
    `document.text` the new text) and move the ones after it; on a 3-hour transcript a corrected word
    rebuilds two or three chunks instead of 180. Documents with pages are indexed whole: chunks never
    cross a page, and their pages are few. The word index is rebuilt whole: every word after the change
    moves."""
    if not edit.spans:
        return
    document_postings(document)
    first, last = edit.spans[0][0], edit.spans[-1][1]
    rows = list(Chunk.objects.filter(document=document).order_by("position").values_list("position", "start", "end"))
    # A chunk's text runs OVERLAP characters into the next one, so a change just after it touches it too.
    touched = [row for row in rows if row[1] <= last and row[2] + OVERLAP >= first]
    if document.page_starts or not touched or touched[0][1] > first:
        document_index(document)
        return
    low, high = touched[0][0], touched[-1][0]
    start, end = touched[0][1], edit.position(touched[-1][2])
    text = document.text
    spans = list(_cuts(text, start, end))
    shift = end - touched[-1][2]
    moved = len(spans) - (high - low + 1)
    chunks = Chunk.objects.filter(document=document)
    chunks.filter(position__gte=low, position__lte=high).delete()
    after = chunks.filter(position__gt=high)
    if moved:
        after.update(position=F("position") + _MOVING + moved, start=F("start") + shift, end=F("end") + shift)
        chunks.filter(position__gte=_MOVING).update(position=F("position") - _MOVING)
    elif shift:
        after.update(start=F("start") + shift, end=F("end") + shift)
    Chunk.objects.bulk_create(
        Chunk(document=document, position=low + i, start=a, end=b, page=None, text=text[a:b + OVERLAP])
        for i, (a, b) in enumerate(spans))


def chunk_rows(text, page_starts, first_page):
    """The field values of a document's chunks (plain values, so migrations can use it too)."""
    for position, (start, end, page) in enumerate(_spans(text, page_starts, first_page)):
        yield {"position": position, "start": start, "end": end, "page": page, "text": text[start:end + OVERLAP]}


def _spans(text, page_starts, first_page):
    """Chunk spans that never cross a page and end at white space where they can."""
    if page_starts:
        bounds = [*page_starts, len(text)]
        pages = [(bounds[i], bounds[i + 1], first_page + i) for i in range(len(bounds) - 1)]
    else:
        pages = [(0, len(text), None)]
    for page_start, page_end, page in pages:
        for start, end in _cuts(text, page_start, page_end):
            yield start, end, page
        if page_start == page_end:
            yield page_start, page_end, page


def _cuts(text, start, stop):
    """Chunk spans of text[start:stop] of at most CHUNK_SIZE, ending at white space where they can."""
    while start < stop:
        end = min(start + CHUNK_SIZE, stop)
        if end < stop:
            # Cut after the last white space, so no word is split between chunks.
            cut = max(text.rfind("\n", start, end), text.rfind(" ", start, end))
            if cut > start:
                end = cut + 1
        yield start, end
        start = end


# The chunks that overlap [start, upper): the coding view reads them on every request (planner.compiled).
_CHUNKS_OVER = CompiledRead(
    lambda document_id, start, upper: Chunk.objects.filter(document_id=document_id, start__lt=upper, end__gt=start)
    .order_by("start").values_list("start", "end", "text"),
    document_id=int, start=int, upper=int)


def text_slice(document_id, start, end):
    """Document.text[start:end], read from the chunks that hold it, not from the whole text."""
    rows = _CHUNKS_OVER(document_id=document_id, start=start, upper=max(end, start + 1))
    pieces = []
    for chunk_start, chunk_end, text in rows:
        own = text[:chunk_end - chunk_start]  # without the overlap into the next chunk
        pieces.append(own[max(0, start - chunk_start):max(0, end - chunk_start)])
    return "".join(pieces)


def slices(chunks, spans):
    """{key: Document.text[start:end]} for (key, document_id, start, end, ...) spans, in one query.

    `chunks` is a Chunk queryset that holds at least every chunk overlapping a span; the text is
    put together from them, never read from the whole documents (on PostgreSQL, reading a long
    text decompresses all of it, once per excerpt).
    """
    by_document = {}
    # An empty chunk (a blank page) starts where the next one does: left out, it can never be
    # the chunk a span's bisect lands on instead of the one that holds the text.
    for document_id, start, end, text in chunks.filter(end__gt=F("start")).values_list(
            "document_id", "start", "end", "text").order_by("document_id", "start"):
        starts, pieces = by_document.setdefault(document_id, ([], []))
        starts.append(start)
        pieces.append((start, text[:end - start]))  # without the overlap into the next chunk
    texts = {}
    for key, document_id, start, end, *_rest in spans:
        starts, pieces = by_document.get(document_id, ([], []))
        index = max(0, bisect.bisect_right(starts, start) - 1)
        parts = []
        while index < len(pieces) and pieces[index][0] < end:
            chunk_start, own = pieces[index]
            parts.append(own[max(0, start - chunk_start):max(0, end - chunk_start)])
            index += 1
        texts[key] = "".join(parts)
    return texts


# --- The word index: where each word stands in each document ------------------------------------------
# Search answers from it (coding.search): a term's words from the vocabulary (IndexWord), their postings
# in the study's documents, and from their positions the hits, NEARs and phrases, without reading text.
ITEM = "I"  # positions are 32-bit unsigned integers, little-endian, in pairs (see postings_of)
MAX_WORDS_PER_QUERY = 2000  # words per IN (…) list


def lowered_text(text):
    """The text lowercased with every offset kept: the few characters that lowercase to two stay as they are."""
    lowered = text.lower()
    if len(lowered) != len(text):
        lowered = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    return lowered


def postings_of(text):
    """{word: array of (number << 1 | joined, start) pairs} for every word of the text, in text order.

    A word is a run of WORD in the lowered text (lowered_text); its number counts the words before it,
    so that «within n words» is a subtraction; `joined` is 1 when only white space separates it from the
    next word, which a phrase needs («små kommuner», not «små, kommuner»). `start` is its character offset.
    """
    # Split at the words, keeping them: [separator, word, separator, word, …, separator]. The offsets and the
    # joining then come from C-level map and accumulate; only the grouping by word is a Python loop (a
    # 3-hour transcript has some 100,000 words).
    parts = _WORDS_KEPT.split(lowered_text(text))
    words = parts[1::2]
    starts = list(accumulate(map(len, parts), initial=0))[1::2]  # where each word starts (then the text's end)
    joined = list(map(str.isspace, parts[2:-1:2]))  # the separators between two words
    joined.append(False)  # the last word: nothing follows
    numbers = map(or_, range(0, 2 * len(words), 2), joined)
    found = {}
    for word, number, start in zip(words, numbers, starts, strict=False):
        positions = found.get(word)
        if positions is None:
            positions = found[word] = array(ITEM)
        positions.append(number)
        positions.append(start)
    return found


_WORDS_KEPT = re.compile(r"([^\W_]+)")


def encode(positions):
    if sys.byteorder != "little":
        positions = array(ITEM, positions)
        positions.byteswap()
    return positions.tobytes()


def decode(data):
    positions = array(ITEM)
    positions.frombytes(bytes(data))
    if sys.byteorder != "little":
        positions.byteswap()
    return positions


def document_postings(document):
    """(Re)build the word index of a document from its text."""
    old = set(Posting.objects.filter(document=document).values_list("word_id", flat=True))
    Posting.objects.filter(document=document).delete()
    found = postings_of(document.text)
    for attempt in (1, 2):
        ids = word_ids(found)
        # One row per distinct word (thousands in a long interview): through bulk_create each took some 45 µs
        # of Python, most of a document's indexing (the demo's eleven interviews: 151 ms, some 50 ms so).
        rows = [(document.pk, ids[word], len(positions) // 2, encode(positions)) for word, positions in found.items()]
        try:
            with _words_checked_at_once(), transaction.atomic():
                insert_rows(Posting, ("document", "word", "count", "positions"), rows)
            break
        except IntegrityError:
            # A document deleted at this moment took a word of this one out of the vocabulary (purge_words):
            # the words are looked up, and the missing one stored, again.
            if attempt == 2:
                raise
    purge_words(old - set(ids.values()))


def word_ids(words):
    """{word: IndexWord id} for these words, storing the new ones."""
    ids = dict(_stored_words(words))
    missing = [word for word in words if word not in ids]
    if missing:
        IndexWord.objects.bulk_create((IndexWord(word=word) for word in missing), batch_size=1000)
        ids.update(_stored_words(missing))
    return ids


def _stored_words(words):
    """(word, id) of each of these words the vocabulary holds."""
    if connection.vendor == "postgresql":
        # Each word looked up by itself (LIMIT 1), which the index for exact words answers (migration 0012). The
        # trigram index answers `=` too, and for `word IN (…)` or `= ANY(…)` the planner chose it whenever the
        # vocabulary was small or had no statistics yet (a new study, every test database): 25-450 ms for a
        # few hundred words, against some 2 ms so. The words go as one array, not one parameter each.
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT q.word, w.id FROM unnest(%s::text[]) AS q(word) CROSS JOIN LATERAL "
                           f"(SELECT id FROM {IndexWord._meta.db_table} WHERE word = q.word LIMIT 1) AS w",
                           [list(words)])
            return cursor.fetchall()
    pairs = []
    for batch in batched(words, MAX_WORDS_PER_QUERY):
        pairs.extend(IndexWord.objects.filter(word__in=batch).values_list("word", "id"))
    return pairs


def purge_words(word_ids):
    """Delete the words among these that no document holds any more: a name erased from every text does not
    stay behind in the vocabulary. On PostgreSQL a word that a document being stored at this moment has
    taken (its posting's foreign key check holds the word's row) is skipped, never waited for; a document
    whose posting comes after the delete stores the word again (document_postings)."""
    table, postings = IndexWord._meta.db_table, Posting._meta.db_table
    lock = " FOR UPDATE SKIP LOCKED" if connection.vendor == "postgresql" else ""
    for batch in batched(word_ids, MAX_WORDS_PER_QUERY):
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {table} WHERE id IN (SELECT id FROM {table} WHERE id IN "
                           f"({', '.join(['%s'] * len(batch))}) AND NOT EXISTS (SELECT 1 FROM {postings} WHERE "
                           f"{postings}.word_id = {table}.id){lock})", batch)


@contextmanager
def _words_checked_at_once():
    """On PostgreSQL, the posting → word foreign key checked at each statement, not at commit (Django makes
    it deferred): a posting whose word a concurrent purge deleted fails inside the caller's savepoint, which
    stores the word again, instead of the whole transaction failing at its commit."""
    if connection.vendor != "postgresql":
        yield
        return
    name = _word_constraint()
    with connection.cursor() as cursor:
        cursor.execute(f'SET CONSTRAINTS "{name}" IMMEDIATE')
    try:
        yield
    finally:
        if not connection.needs_rollback:
            with connection.cursor() as cursor:
                cursor.execute(f'SET CONSTRAINTS "{name}" DEFERRED')


def _word_constraint():
    if "word" not in _CONSTRAINTS:
        with connection.cursor() as cursor:
            constraints = connection.introspection.get_constraints(cursor, Posting._meta.db_table)
        _CONSTRAINTS["word"] = next(name for name, info in constraints.items()
                                    if info["foreign_key"] and info["columns"] == ["word_id"])
    return _CONSTRAINTS["word"]


_CONSTRAINTS = {}
