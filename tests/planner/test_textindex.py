"""The chunk index: every document gets one when stored, and slices read from it are exact."""

import random

from planner.models import Chunk, Document
from planner.textindex import CHUNK_SIZE, text_slice


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
