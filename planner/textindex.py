"""Each Document's text cut into Chunks (see Chunk): for search, and for reading a stretch of a
long text without reading all of it.

Document.save() indexes a new document in the same transaction.
"""

import bisect
import re

from django.db import connections
from django.db.models import F

from planner.models import Chunk

CHUNK_SIZE = 4000
# Long enough for any phrase a team searches for to fit in one chunk.
OVERLAP = 200
# A word as search sees it: a run of letters and digits (no underscore). The same definition
# builds `Chunk.words` and matches hits, so PostgreSQL's candidates and the hits agree.
WORD = re.compile(r"[^\W_]+")


def words_of(text):
    return " ".join(WORD.findall(text.lower()))


def document_index(document):
    """(Re)build the chunks of a document."""
    Chunk.objects.filter(document=document).delete()
    Chunk.objects.bulk_create(
        (Chunk(document=document, **row) for row in chunk_rows(document.text, document.page_starts,
                                                                document.first_page)),
        batch_size=500,
    )


# Added to positions while chunks are renumbered, so that no two share one for a moment.
_MOVING = 2 ** 30


def document_reindex(document, edit):
    """Rebuild the chunks a change of the text touched (`edit`: planner.services.TextEdit, `document.text`
    the new text) and move the ones after it; on a 3-hour transcript a corrected word rebuilds two or
    three chunks instead of 180 (with their trigram and full-text index entries). Documents with pages
    are indexed whole: chunks never cross a page, and their pages are few."""
    if not edit.spans:
        return
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
        Chunk(document=document, position=low + i, start=a, end=b, page=None, text=text[a:b + OVERLAP],
              words=words_of(text[a:b + OVERLAP])) for i, (a, b) in enumerate(spans))


def chunk_rows(text, page_starts, first_page):
    """The field values of a document's chunks (plain values, so migrations can use it too)."""
    for position, (start, end, page) in enumerate(_spans(text, page_starts, first_page)):
        piece = text[start:end + OVERLAP]
        yield {"position": position, "start": start, "end": end, "page": page, "text": piece,
               "words": words_of(piece)}


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


def text_slice(document_id, start, end):
    """Document.text[start:end], read from the chunks that hold it, not from the whole text."""
    rows = Chunk.objects.filter(document_id=document_id, start__lt=max(end, start + 1), end__gt=start).order_by(
        "start").values_list("start", "end", "text")
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


# --- Narrowing a search to the chunks that can hold a hit -------------------------------------------
# Each database answers with its own trigram index over Chunk.words (migration 0006): pg_trgm's GIN
# index on PostgreSQL (LIKE '%needle%'), an FTS5 table with the trigram tokenizer on SQLite where the
# build has it. Either returns a superset of the chunks with a hit; the search's one matcher decides.
TRIGRAM_MIN = 3  # a needle shorter than a trigram cannot be looked up: every chunk is read
FTS_TABLE = "planner_chunk_fts"
FTS_TRIGGERS = ("planner_chunk_fts_ai", "planner_chunk_fts_ad", "planner_chunk_fts_au")


def sqlite_trigram_ready(connection):
    """Whether this SQLite database has the FTS5 trigram table and the triggers that keep it current.

    A table rebuilt by a later migration (SQLite's ALTER TABLE) loses its triggers: then the scan."""
    key = connection.settings_dict["NAME"]
    cache = connection.__dict__.setdefault("_kodeverk_fts", {})
    if key not in cache:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM sqlite_master WHERE name IN (%s, %s, %s, %s)",
                           [FTS_TABLE, *FTS_TRIGGERS])
            cache[key] = cursor.fetchone()[0] == 1 + len(FTS_TRIGGERS)
    return cache[key]


def narrowed(chunks, needles):
    """`chunks` cut down to those whose words can hold a hit, where an index can say so; else unchanged.

    `needles` is a list of needles (lowercased words or phrases with single spaces, as in Chunk.words),
    any of which a chunk must hold, or an expression of them: ("or", [...]) or ("and", [...]).
    """
    expression = _simplified(("or", list(needles)) if isinstance(needles, list) else needles)
    if expression is None or min(len(needle) for needle in _all_needles(expression)) < TRIGRAM_MIN:
        return chunks
    connection = connections[chunks.db]
    if connection.vendor == "postgresql":
        where, params = _like(expression)
        # A subquery of its own (OFFSET 0 keeps the planner from merging it into the outer query): asked
        # together with the study's documents, the planner walks every chunk of the study instead.
        return chunks.extra(where=[f"planner_chunk.id IN (SELECT candidate.id FROM planner_chunk candidate "
                                   f"WHERE {where} OFFSET 0)"], params=params)
    if connection.vendor == "sqlite" and sqlite_trigram_ready(connection):
        return chunks.extra(where=[f"planner_chunk.id IN (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s)"],
                            params=[_match(expression)])
    return chunks


def _simplified(expression):
    """The expression without empty groups, and a group of one as that one; None when nothing is left."""
    if isinstance(expression, str):
        return expression
    parts = [part for part in (_simplified(part) for part in expression[1]) if part is not None]
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else (expression[0], parts)


def _all_needles(expression):
    if isinstance(expression, str):
        return [expression]
    return [needle for part in expression[1] for needle in _all_needles(part)]


def _like(expression):
    if isinstance(expression, str):
        return "candidate.words LIKE %s", [f"%{expression}%"]
    parts = [_like(part) for part in expression[1]]
    joiner = " AND " if expression[0] == "and" else " OR "
    return "(" + joiner.join(sql for sql, _params in parts) + ")", [p for _sql, params in parts for p in params]


def _match(expression):
    if isinstance(expression, str):
        return '"' + expression.replace('"', '""') + '"'
    joiner = " AND " if expression[0] == "and" else " OR "
    return "(" + joiner.join(_match(part) for part in expression[1]) + ")"
