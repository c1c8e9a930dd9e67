"""The chunk index: every document gets one when stored, and slices read from it are exact."""

import random

from planner.models import Chunk, Document
from planner.textindex import CHUNK_SIZE, slices, text_slice


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
