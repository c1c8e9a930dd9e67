"""Hostile plan files: PDF text is read in a child process under a memory and time limit, with a cap on pages
and characters; each refusal names the file and the problem, and nothing is stored."""

import re
import zlib

import pytest
from django.utils import translation

from planner.models import Chunk, Document, Plan
from planner.plandocs import plan_file_attach, plan_text
from planner.textfiles import ImporterError
from tests.planner.pdfs import BOMB_HEAD, adler32_of_repeated_byte, bomb_pdf, long_pdf, many_pages_pdf, pdf_bytes


@pytest.fixture(scope="module")
def bomb():
    return bomb_pdf()  # about 1 MB, one content stream that inflates to 1 GiB


@pytest.fixture
def plan(project):
    return Plan.objects.filter(county__project=project).first()


def _refusal(name, data):
    with pytest.raises(ImporterError) as error:
        plan_text(name, data)
    return str(error.value)


def test_the_hostile_pdfs_are_the_size_the_issue_describes(bomb):
    assert 0.9e6 < len(bomb) < 1.2e6
    assert 250e3 < len(many_pages_pdf()) < 350e3


def test_a_small_bomb_inflates_to_its_size_with_a_checksum_zlib_accepts():
    """The checksum of the bomb's stream is computed, not summed over the inflated bytes; zlib checks it here."""
    for length in (0, 1, 5552, 65521, 3 << 20):
        for start in (1, zlib.adler32(b"BT"), 0xFFF0FFF0 % (65521 << 16)):
            assert adler32_of_repeated_byte(start, 32, length) == zlib.adler32(b" " * length, start)
    pdf = bomb_pdf(inflated=4 << 20)
    stream = re.search(rb"/FlateDecode >>\nstream\n(.*)\nendstream", pdf, re.DOTALL).group(1)
    inflated = zlib.decompress(stream)  # raises on a wrong checksum
    assert len(inflated) == len(BOMB_HEAD) + 3 * (1 << 20)  # whole MiBs of spaces after the text, as many as fit
    assert inflated.startswith(BOMB_HEAD) and inflated.endswith(b" " * 100)


def test_a_pdf_bomb_is_refused_by_the_memory_limit_and_nothing_is_stored(bomb, plan, analyst):
    with pytest.raises(ImporterError) as error:
        plan_file_attach(plan=plan, user=analyst, name="bombe.pdf", data=bomb)
    message = str(error.value)
    assert message.startswith("bombe.pdf ble ikke lest: å lese teksten trengte mer enn grensen på 256 MB minne")
    assert "PDF-bombe" in message
    assert not Document.objects.filter(plan=plan).exists() and not Chunk.objects.exists()


def test_a_pdf_of_2000_pages_sharing_one_stream_is_refused_by_its_page_count(plan, analyst):
    with pytest.raises(ImporterError) as error:
        plan_file_attach(plan=plan, user=analyst, name="sider.pdf", data=many_pages_pdf())
    assert str(error.value).startswith("sider.pdf har 2000 sider; høyst 1000 sider blir lest.")
    assert not Document.objects.filter(plan=plan).exists()


def test_the_page_cap_is_a_setting(settings):
    settings.KODEVERK_PDF_MAX_PAGES = 3000
    text = plan_text("sider.pdf", many_pages_pdf()).text
    assert text.count("Kapittel om integrering") == 2000


def test_text_past_the_character_cap_is_refused_naming_the_page(settings):
    settings.KODEVERK_MAX_TEXT_CHARS = 10_000  # long_pdf has some 4,000 characters a page
    message = _refusal("lang.pdf", long_pdf(pages=5))
    assert message.startswith("lang.pdf har mer enn 10000 tegn tekst (passert på side 3)"), message


def test_a_docx_or_text_past_the_character_cap_is_refused(settings):
    settings.KODEVERK_MAX_TEXT_CHARS = 100
    assert _refusal("lang.txt", b"ord " * 100).startswith("lang.txt har mer enn 100 tegn tekst, det meste")


def test_reading_past_the_time_limit_is_refused(settings):
    # With memory enough, a 256 MiB stream takes PDFium about a second: longer than the limit here.
    settings.KODEVERK_PDF_MEMORY_MB, settings.KODEVERK_PDF_SECONDS = 2048, 0.3
    message = _refusal("treg.pdf", bomb_pdf(inflated=256 << 20))
    assert message.startswith("treg.pdf ble ikke lest: å lese teksten tok lenger enn grensen på 0.3 sekunder")


def test_an_ordinary_pdf_still_reads_page_by_page_in_the_child(settings):
    extracted = plan_text("plan.pdf", pdf_bytes("Første side", "Andre side"))
    assert extracted.text == "Første side\n\nAndre side" and extracted.page_starts == [0, 13]


def test_the_refusals_are_in_the_language_of_the_page(bomb):
    with translation.override("en"):
        assert "needed more than 256 MB of memory" in _refusal("bomb.pdf", bomb)
        assert "has 2000 pages; at most 1000 pages are read" in _refusal("pages.pdf", many_pages_pdf())
