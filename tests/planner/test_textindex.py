"""The chunk index and the word index: every document gets them when stored, slices read from the chunks are
exact, and postings_of numbers every word."""

import random
import threading
import time

import pytest
from django.db import transaction

from planner.models import Chunk, Document, IndexWord
from planner.textindex import CHUNK_SIZE, WORD, lowered_text, postings_of, slices, text_slice


def test_a_stored_document_is_indexed_and_sliced_exactly(project):
    rng = random.Random(5)
    words = ["innvandring", "😀", "e\u0301", "kommune", "\n", "Øst-Agder", " "]
    text = "".join(rng.choice(words) + " " for _ in range(6000))
    pages = [0, len(text) // 3, 2 * len(text) // 3]
    document = Document.objects.create(project=project, kind="transcript", title="Lang", text=text)
    plan = project.counties.get(name="Agder").plans.first()
    paged = Document.objects.create(project=project, kind="plan", plan=plan, title="Plan", text=text,
                                    page_starts=pages)
    assert document.length == len(document.text)
    for doc in (document, paged):
        chunks = list(Chunk.objects.filter(document=doc).order_by("position"))
        assert chunks[0].start == 0 and chunks[-1].end == doc.length
        assert all(a.end == b.start for a, b in zip(chunks, chunks[1:], strict=False))
        assert max(c.end - c.start for c in chunks) <= CHUNK_SIZE
        for _ in range(200):
            a = rng.randrange(0, doc.length)
            b = min(doc.length, a + rng.choice([1, 50, CHUNK_SIZE, 3 * CHUNK_SIZE]))
            assert text_slice(doc.pk, a, b) == doc.text[a:b]
    assert {c.page for c in Chunk.objects.filter(document=paged)} == {1, 2, 3}
    assert paged.page_at(pages[2] + 1) == 3


def test_slices_put_texts_together_from_chunks_and_skip_a_blank_pages_empty_chunk(project):
    """A blank page's empty chunk starts where the next page's does; it must not hide that text."""
    plan = project.counties.get(name="Agder").plans.first()
    text = "Første side.\n" + "Tredje side om innvandring og distrikt. " * 200
    blank = len("Første side.\n")
    document = Document.objects.create(project=project, kind="plan", plan=plan, title="Plan", text=text,
                                       page_starts=[0, blank, blank])
    # Stored again, the empty chunk comes after the next page's chunk among equal starts.
    empty = Chunk.objects.get(document=document, start=blank, end=blank)
    empty.delete()
    empty.pk = None
    empty.save()
    spans = [(1, document.pk, blank, blank + 20), (2, document.pk, 0, len(text)), (3, document.pk, 5, 9)]
    texts = slices(Chunk.objects.filter(document=document).order_by("?"), spans)
    assert texts == {key: text[start:end] for key, _document, start, end in spans}


def by_hand(text):
    """Word by word: each word's number << 1 | whether only white space follows it before the next word, and
    its offset."""
    lowered, found, previous, previous_end = lowered_text(text), {}, None, 0
    for number, match in enumerate(WORD.finditer(lowered)):
        if previous is not None and lowered[previous_end:match.start()].isspace():
            previous[-2] |= 1
        previous = found.setdefault(match.group(), [])
        previous += [number << 1, match.start()]
        previous_end = match.end()
    return found


def test_it_numbers_words_and_marks_those_joined_by_white_space_only():
    assert {word: list(p) for word, p in postings_of("Små kommuner, små\nkommuner.").items()} == {
        "små": [0 << 1 | 1, 0, 2 << 1 | 1, 14], "kommuner": [1 << 1, 4, 3 << 1, 18]}
    assert postings_of("") == {} and postings_of(" ,. ") == {}
    assert {word: list(p) for word, p in postings_of("a ").items()} == {"a": [0, 0]}  # nothing follows


def test_it_gives_what_reading_word_by_word_gives_for_any_text():
    rng = random.Random(1)
    alphabet = "abc æøå ÆØÅ,.-_\n\t1İß\u00a0"
    for _ in range(2000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        assert {word: list(p) for word, p in postings_of(text).items()} == by_hand(text), repr(text)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("first", ["import", "delete"])
def test_a_document_stored_while_another_is_deleted_keeps_their_shared_word(project, lead, first):
    """Document A alone holds «kvitebjørnsen»; B is stored with it while A is deleted, in either order of
    their transactions. Both succeed and B's word stays findable (the delete's vocabulary purge either
    waits for B's posting and keeps the word, or B's posting waits for the purge and stores the word again)."""
    from coding.revisions import document_delete
    from coding.search import search
    from tests.races import postgres_only, run_together

    postgres_only()
    alone = Document.objects.create(project=project, kind="other", title="A", text="Kvitebjørnsen i kommunen.")
    started = threading.Event()

    def store():
        if first == "delete":
            started.wait(5)
        with transaction.atomic():
            Document.objects.create(project=project, kind="other", title="B", text="Kvitebjørnsen svarer.")
            if first == "import":
                started.set()
                time.sleep(0.7)  # the delete's purge meets this uncommitted posting

    def delete():
        if first == "import":
            started.wait(5)
        with transaction.atomic():
            document_delete(document=alone, user=lead)
            if first == "delete":
                started.set()
                time.sleep(0.7)  # the store's posting meets this uncommitted purge

    assert run_together({"store": store, "delete": delete}) == {"store": "ok", "delete": "ok"}
    assert [r.document.title for r in search(project=project, query="kvitebjørn")] == ["B"]
    assert IndexWord.objects.filter(word="kvitebjørnsen").count() == 1


def test_postgresql_looks_each_word_up_in_the_index_for_exact_words_not_the_trigram_index(project):
    """The vocabulary's trigram index (for «innv») answers `=` too, and for `word IN (…)` the planner took it when
    the vocabulary was small: 25-450 ms to look a few hundred words up, against some 2 ms through the index for
    exact words. It was so in every test database and in a new study. word_ids must not read the trigram index."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from planner.textindex import word_ids

    if connection.vendor != "postgresql":
        pytest.skip("the plan of PostgreSQL's vocabulary lookup: SQLite has no trigram index")
    rng = random.Random(7)
    words = sorted({"".join(rng.choices("abcdefghijklmnopqrstuvwxyzæøå", k=rng.randint(2, 12))) for _ in range(3000)})
    IndexWord.objects.bulk_create(IndexWord(word=word) for word in words)
    asked = words[::6] + [f"ukjent{n}" for n in range(100)]

    def plans(sqls):
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE planner_indexword")
            for sql in sqls:
                cursor.execute("EXPLAIN " + sql)
                yield "\n".join(row[0] for row in cursor.fetchall())

    # Where a list of words goes wrong, so that this test can tell the two apart.
    with CaptureQueriesContext(connection) as listed:
        list(IndexWord.objects.filter(word__in=asked).values_list("word", "id"))
    [plain] = plans([listed.captured_queries[0]["sql"]])
    assert "indexword_word_trgm_idx" in plain, plain
    with CaptureQueriesContext(connection) as queries:
        ids = word_ids(asked)
    assert sorted(ids) == sorted(asked) and len(set(ids.values())) == len(asked)
    assert dict(IndexWord.objects.filter(word__in=asked).values_list("word", "id")) == ids
    lookups = list(plans(q["sql"] for q in queries.captured_queries
                         if q["sql"].startswith("SELECT") and "planner_indexword" in q["sql"]))
    assert len(lookups) == 2  # the words, then the new ones once stored
    assert all("trgm" not in plan and "Index Scan using indexword_word_hash_idx" in plan for plan in lookups), lookups
