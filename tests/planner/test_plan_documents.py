"""Plan documents: text per page from PDFs built in the test, Word and text files, pasted excerpts."""

import io

import docx as python_docx
import pytest
from django.utils import translation

from coding.search import search
from interviews.importers.base import ImporterError
from planner.models import Chunk, Plan
from planner.plandocs import document_pages, plan_excerpt_attach, plan_file_attach, plan_text, tidy
from tests.planner.pdfs import IMAGE, long_pdf, pdf_bytes

PAGES = ["Side én: integrering av flyktninger", "Side to: bosetting i distriktskommuner",
         "Side tre: ærlig økonomi på Åland"]


@pytest.fixture
def plan(project):
    return Plan.objects.get(county__project=project, county__name="Trøndelag", plan_type="integration")


def test_it_maps_every_offset_of_a_pdf_to_its_page(plan, analyst):
    document, warnings = plan_file_attach(plan=plan, user=analyst, name="temaplan.pdf", data=pdf_bytes(*PAGES))
    assert warnings == []
    assert document.text == "\n\n".join(PAGES)
    assert document.page_starts == [0, len(PAGES[0]) + 2, len(PAGES[0]) + len(PAGES[1]) + 4]
    assert [(number, text) for number, _start, text in document_pages(document)] == list(enumerate(PAGES, 1))
    for number, start in enumerate(document.page_starts, 1):
        assert document.page_at(start) == number
        assert document.page_at(start + 5) == number
    assert document.page_at(document.page_starts[1] - 1) == 1  # the separator belongs to the page before
    assert document.page_at(len(document.text)) == 3
    first, second, third = (document.text.index(word) for word in ("flyktninger", "distriktskommuner", "Åland"))
    assert [document.page_at(o) for o in (first, second, third)] == [1, 2, 3]


def test_it_stores_a_plan_document_with_its_plan_county_and_chunks_per_page(plan, analyst):
    document, _ = plan_file_attach(plan=plan, user=analyst, name="temaplan.pdf", data=pdf_bytes(*PAGES))
    assert (document.kind, document.plan, document.county, document.project) == (
        "plan", plan, plan.county, plan.county.project)
    assert (document.source_name, document.source_format, document.created_by) == ("temaplan.pdf", "pdf", analyst)
    assert document.title == "Temaplan for integrering (temaplan.pdf)"
    chunks = list(document.chunks.order_by("position"))
    assert [chunk.page for chunk in chunks] == [1, 2, 3]
    assert [hit.page for result in search(project=plan.county.project, query="=flyktninger") for hit in
            result.hits] == [1]
    # Words at a page boundary do not run together.
    words = set(document.postings.values_list("word__word", flat=True))
    assert {"flyktninger", "side"} <= words and "flyktningerside" not in words


def test_it_warns_about_pages_without_text_and_keeps_their_place(plan, analyst):
    document, warnings = plan_file_attach(plan=plan, user=analyst, name="med-kart.pdf",
                                          data=pdf_bytes(PAGES[0], IMAGE, PAGES[2]))
    assert warnings == ["med-kart.pdf: side 2 har ikke noe tekstlag (skannet eller bare bilder); tekst derfra "
                        "er ikke med."]
    assert [text for _n, _s, text in document_pages(document)] == [PAGES[0], "", PAGES[2]]
    assert document.page_at(document.text.index("Åland")) == 3


def test_it_reads_the_paragraphs_and_table_rows_of_a_word_plan(plan, analyst):
    word = python_docx.Document()
    word.core_properties.title = "Temaplan"
    word.add_paragraph("Innledning om sa\u030arbare grupper")  # «å» decomposed, as some Mac editors write it
    word.add_paragraph("Kari: dette er ikke en taler, bare tekst i en plan.")
    table = word.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text, table.rows[0].cells[1].text = "Tiltak 1", "Veiledning av kommuner"
    word.add_paragraph("")
    buffer = io.BytesIO()
    word.save(buffer)
    document, _ = plan_file_attach(plan=plan, user=analyst, name="plan.docx", data=buffer.getvalue())
    assert document.text == ("Innledning om sårbare grupper\n\nKari: dette er ikke en taler, bare tekst i en plan.\n\n"
                             "Tiltak 1 | Veiledning av kommuner")
    assert (document.source_format, document.page_starts, document.page_at(0)) == ("docx", [], None)


def test_it_reads_a_windows_text_file(plan, analyst):
    data = "Første linje\r\nAndre linje om økonomi\r\n".encode("cp1252")
    document, _ = plan_file_attach(plan=plan, user=analyst, name="utdrag.txt", data=data)
    assert document.text == "Første linje\nAndre linje om økonomi"
    assert document.source_format == "txt"
    assert document.chunks.get().page is None


def test_it_stores_a_pasted_excerpt_on_its_page(plan, lead):
    with translation.override("en"):
        document = plan_excerpt_attach(plan=plan, user=lead, text="  Innvandring er en kilde til vekst.\r\n",
                                       page=12)
    assert document.text == "Innvandring er en kilde til vekst."
    assert (document.first_page, document.page_starts, document.source_format) == (12, [0], "excerpt")
    assert document.page_at(0) == document.page_at(len(document.text)) == 12
    assert document.chunks.get().page == 12
    assert document.title == "Temaplan for integrering, excerpt p. 12"
    assert document_pages(document) == [(12, 0, document.text)]


def test_it_spells_out_ligatures_and_joins_words_hyphenated_at_line_ends():
    assert tidy("\ufb01skeri og \ufb02yktninger") == "fiskeri og flyktninger"
    assert tidy("befolknings-\nvekst, integrerings\u2010\narbeid, kvali\u00adfisering") == (
        "befolkningsvekst, integreringsarbeid, kvalifisering")
    # PDFium marks a hyphen where it already joined the lines with U+FFFE.
    assert tidy("Finans\ufffeiering i Øst\ufffeAgder 2020\ufffe2024") == "Finansiering i Øst-Agder 2020-2024"
    assert tidy("Øst-\nAgder og fylkes-\nog kommuneplanen") == "Øst-Agder og fylkes- og kommuneplanen"
    assert tidy("linje  \r\n\r\n\r\n\r\nneste\x00\x07 side\f") == "linje\n\nneste side"


def test_it_imports_a_hundred_page_pdf_with_every_page(plan, analyst):
    # How fast is measured in bench/ (`bench/run.py pdf`), not here.
    document, _ = plan_file_attach(plan=plan, user=analyst, name="stor.pdf", data=long_pdf(pages=100))
    assert len(document.page_starts) == 100
    assert document.page_at(document.text.index("Side 57\n")) == 57
    assert Chunk.objects.filter(document=document).values("page").distinct().count() == 100


def _error(name, data, **kwargs):
    with pytest.raises(ImporterError) as error:
        plan_text(name, data, **kwargs)
    return str(error.value)


def test_it_refuses_a_pdf_that_is_only_images_with_the_ocr_advice():
    message = _error("skannet.pdf", pdf_bytes(IMAGE, IMAGE))
    assert message.startswith("skannet.pdf har ikke noe tekstlag (skannet?). Kjør tekstgjenkjenning (OCR) først")


def test_it_tells_a_cut_off_pdf_from_a_broken_one():
    data = pdf_bytes(*PAGES)
    assert "ufullstendig" in _error("avkuttet.pdf", data[: len(data) // 2])
    broken = data.replace(b"/Root", b"/Rot")
    assert "skadet" in _error("skadet.pdf", broken)
