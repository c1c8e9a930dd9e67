"""The Word importer: documents built with python-docx in the test, and broken or hostile zips built by hand."""

import io
import struct
import zipfile

import docx as python_docx
import pytest
from django.utils import translation
from docx.enum.text import WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from interviews.importers import docx
from interviews.importers.base import ImporterError
from planner import docxtext

pytestmark = pytest.mark.no_database

NAME = "intervju 3.docx"
DOCUMENT_XML = "word/document.xml"


def build(*paragraphs, setup=None):
    """Bytes of a .docx with the given body paragraphs; setup(document) may add more."""
    document = python_docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    if setup:
        setup(document)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def summary(data):
    return [(turn.speaker, turn.text, turn.start) for turn in docx.parse(data, name=NAME).turns]


def error_of(data, **kwargs):
    with pytest.raises(ImporterError) as error:
        docx.parse(data, name=NAME, **kwargs)
    message = str(error.value)
    assert message.startswith(NAME)
    return message


def rezip(data, *, replace=None, drop=()):
    """The same zip with some members replaced or left out."""
    replace = replace or {}
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename not in drop:
                target.writestr(info.filename, replace.get(info.filename, source.read(info)))
    return out.getvalue()


def zip_of(members):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for filename, content in members.items():
            archive.writestr(filename, content)
    return out.getvalue()


def central_entry(data, filename):
    """Offset of a member's entry in the zip's central directory."""
    offset = data.find(b"PK\x01\x02")
    while offset >= 0:
        (name_length,) = struct.unpack_from("<H", data, offset + 28)
        if data[offset + 46 : offset + 46 + name_length] == filename.encode():
            return offset
        offset = data.find(b"PK\x01\x02", offset + 4)
    raise AssertionError(f"{filename} not in the central directory")


def document_xml(data):
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read("word/document.xml")


def padded(size):
    """A valid .docx whose document.xml holds `size` spaces inside a paragraph: tiny compressed."""
    data = build("Kari: hei PAD slutt.")
    return rezip(data, replace={"word/document.xml": document_xml(data).replace(b"PAD", b" " * size)})


def element(tag, text=None, **attrs):
    node = OxmlElement(tag, attrs={qn(key): value for key, value in attrs.items()})
    if text is not None:
        node.text = text
    return node


def run_of(text, text_tag="w:t"):
    run = element("w:r")
    run.append(element(text_tag, text))
    return run


# --- Text and speakers --------------------------------------------------------------------------------------


def test_it_reads_speaker_paragraphs_in_order():
    data = build("I: Hei, og velkommen.", "Informant 2: Takk. Jeg bor på Ørsta.", "I: Fortell mer.")
    parsed = docx.parse(data, name=NAME)
    assert parsed.format == "docx"
    assert summary(data) == [
        ("I", "Hei, og velkommen.", None),
        ("Informant 2", "Takk. Jeg bor på Ørsta.", None),
        ("I", "Fortell mer.", None),
    ]


def test_it_joins_runs_split_in_the_middle_of_a_word():
    def setup(document):
        paragraph = document.add_paragraph()
        paragraph.add_run("Infor")
        paragraph.add_run("mant 2: h").bold = True
        paragraph.add_run("ei")

    assert summary(build(setup=setup)) == [("Informant 2", "hei", None)]


def test_it_turns_a_line_break_inside_a_paragraph_into_a_newline():
    def setup(document):
        paragraph = document.add_paragraph()
        paragraph.add_run("Kari: første linje").add_break()
        paragraph.add_run("andre linje").add_break(WD_BREAK.PAGE)
        paragraph.add_run("tredje linje")

    assert summary(build(setup=setup)) == [("Kari", "første linje\nandre linje\ntredje linje", None)]


def test_it_reads_a_new_speaker_after_a_line_break_inside_a_paragraph():
    def setup(document):
        paragraph = document.add_paragraph()
        paragraph.add_run("I: Spørsmål?").add_break()
        paragraph.add_run("IO: Svar.")

    assert summary(build(setup=setup)) == [("I", "Spørsmål?", None), ("IO", "Svar.", None)]


def test_it_reads_tabs_as_spaces():
    assert summary(build("Kari:\tHei\tder.")) == [("Kari", "Hei der.", None)]


def test_it_leaves_out_header_and_footer_text():
    def setup(document):
        document.sections[0].header.paragraphs[0].text = "KONFIDENSIELT: topptekst"
        document.sections[0].footer.paragraphs[0].text = "Side 1: bunntekst"

    parsed = docx.parse(build("I: Hei.", setup=setup), name=NAME)
    assert [(turn.speaker, turn.text) for turn in parsed.turns] == [("I", "Hei.")]


def test_it_reads_every_speaker_form():
    data = build(
        "Kari:",
        "Alene på linja.",
        "[Ola] Med tale.",
        "[Informant 2]: Med kolon.",
        "[SPEAKER_00]: Whisper.",
        "IO: Kode.",
    )
    assert summary(data) == [
        ("Kari", "Alene på linja.", None),
        ("Ola", "Med tale.", None),
        ("Informant 2", "Med kolon.", None),
        ("SPEAKER_00", "Whisper.", None),
        ("IO", "Kode.", None),
    ]


def test_it_reads_transcribe_exports_with_name_and_timestamp_lines():
    data = build(
        "Kari Nordmann   0:03",
        "Hei alle sammen.",
        "",
        "Ola Hansen 00:01:12",
        "Første avsnitt.",
        "Andre avsnitt.",
        "Kari Nordmann\t00:12",
        "Ja.",
    )
    assert summary(data) == [
        ("Kari Nordmann", "Hei alle sammen.", 3.0),
        ("Ola Hansen", "Første avsnitt.\nAndre avsnitt.", 72.0),
        ("Kari Nordmann", "Ja.", 12.0),
    ]


def test_it_gives_text_before_the_first_speaker_to_ukjent_and_merges_a_repeated_speaker():
    data = build("Intervju med lærer", "Dato: 3. mars", "I: Hei.", "I: Er du klar?", "Lærer: Ja.")
    assert summary(data) == [
        ("Ukjent", "Intervju med lærer\nDato: 3. mars", None),
        ("I", "Hei. Er du klar?", None),
        ("Lærer", "Ja.", None),
    ]


def test_it_keeps_emoji_and_composes_combining_characters():
    assert summary(build("Rene\u0301: Glad 😀 for læreren 👩🏽‍🏫 og cafe\u0301en.")) == [
        ("René", "Glad 😀 for læreren 👩🏽‍🏫 og caféen.", None),
    ]


def test_it_keeps_tracked_insertions_and_leaves_out_tracked_deletions():
    def setup(document):
        paragraph = document.add_paragraph("Kari: Vi bodde ")
        inserted = element("w:ins", **{"w:id": "1", "w:author": "Ola"})
        inserted.append(run_of("lenge "))
        deleted = element("w:del", **{"w:id": "2", "w:author": "Ola"})
        deleted.append(run_of("kort ", text_tag="w:delText"))
        paragraph._p.append(inserted)
        paragraph._p.append(deleted)
        paragraph.add_run("i Bergen.")

    assert summary(build(setup=setup)) == [("Kari", "Vi bodde lenge i Bergen.", None)]


def test_it_reads_paragraphs_inside_block_content_controls():
    def setup(document):
        control = element("w:sdt")
        content = element("w:sdtContent")
        paragraph = element("w:p")
        paragraph.append(run_of("Ola: I en innholdskontroll."))
        content.append(paragraph)
        control.append(content)
        document.element.body.insert(1, control)

    assert summary(build("Kari: Først.", "Kari: Sist.", setup=setup)) == [
        ("Kari", "Først.", None),
        ("Ola", "I en innholdskontroll.", None),
        ("Kari", "Sist.", None),
    ]


def test_it_sets_the_title_from_the_document_properties():
    def setup(document):
        document.core_properties.title = "  Intervju 7 "

    assert docx.parse(build("I: Hei.", setup=setup), name=NAME).title == "Intervju 7"


# --- Tables -------------------------------------------------------------------------------------------------


def add_table(document, rows):
    table = document.add_table(rows=0, cols=len(rows[0]))
    for values in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, values, strict=True):
            first, *more = value.split("\n")
            cell.paragraphs[0].text = first
            for text in more:
                cell.add_paragraph(text)


def test_it_reads_a_table_of_speaker_and_speech_in_document_order():
    def setup(document):
        rows = [("Intervjuer", "Hei."), ("Kari:", "Første avsnitt.\nAndre avsnitt."), ("", "Fortsatt Kari.")]
        add_table(document, rows)
        document.add_paragraph("I: Etter tabellen.")

    assert summary(build("I: Før tabellen.", setup=setup)) == [
        ("I", "Før tabellen.", None),
        ("Intervjuer", "Hei.", None),
        ("Kari", "Første avsnitt.\nAndre avsnitt.\nFortsatt Kari.", None),
        ("I", "Etter tabellen.", None),
    ]


def test_it_reads_a_table_of_line_number_time_speaker_and_speech():
    def setup(document):
        add_table(document, [("1", "00:00:05", "Kari", "Hei."), ("2", "00:01:12", "Ola Hansen", "Hallo.")])

    assert summary(build(setup=setup)) == [("Kari", "Hei.", 5.0), ("Ola Hansen", "Hallo.", 72.0)]


def test_it_reads_other_tables_as_plain_paragraphs():
    def setup(document):
        add_table(document, [("Han sa, kort fortalt", "noe annet")])

    assert summary(build("Kari: Før.", setup=setup)) == [("Kari", "Før.\nHan sa, kort fortalt\nnoe annet", None)]


# --- Empty and broken files ---------------------------------------------------------------------------------


def test_it_refuses_an_empty_file():
    assert error_of(b"") == f"{NAME} er tom."


def test_it_refuses_a_document_without_body_text():
    def setup(document):
        document.sections[0].header.paragraphs[0].text = "Bare topptekst"

    assert error_of(build("", "   ", setup=setup)) == f"{NAME} er tom."


def test_it_refuses_a_document_with_only_speaker_names():
    assert error_of(build("Kari:", "Ola:")) == f"{NAME} har ingen tekst å importere, bare talernavn."


def test_it_refuses_a_file_that_is_not_a_zip():
    assert error_of(b"Kari: dette er tekst, ikke Word\n") == f"{NAME} er ikke en gyldig Word-fil (.docx)."


def test_it_refuses_a_truncated_docx():
    data = build("I: Hei.")
    assert error_of(data[: len(data) // 2]) == f"{NAME} er ikke en gyldig Word-fil (.docx)."


def test_it_explains_an_old_doc_or_password_protected_file():
    message = error_of(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504)
    assert message.startswith(f"{NAME} er ikke en gyldig Word-fil (.docx). Den ser ut som et eldre Word-dokument")


def test_it_refuses_a_zip_without_word_document_xml():
    message = error_of(zip_of({"notater.txt": "Kari: hei"}))
    assert message == f"{NAME} er ikke en gyldig Word-fil (.docx): fila mangler selve dokumentteksten ({DOCUMENT_XML})."


def test_it_names_a_spreadsheet_given_as_docx():
    message = error_of(zip_of({"[Content_Types].xml": "<Types/>", "xl/workbook.xml": "<workbook/>"}))
    assert message == (
        f"{NAME} er ikke en gyldig Word-fil (.docx). Den ser ut som et Excel-regneark. "
        "Lagre teksten som .docx og prøv igjen."
    )


def test_it_refuses_a_document_with_broken_xml():
    data = rezip(build("I: Hei."), replace={"word/document.xml": b"<w:document><w:body><w:p>"})
    assert error_of(data) == f"{NAME} er ikke en gyldig Word-fil (.docx): innholdet er skadet (ugyldig XML)."


def test_it_refuses_a_package_with_a_missing_part():
    data = rezip(build("I: Hei."), drop={"[Content_Types].xml"})
    assert error_of(data) == f"{NAME} er ikke en gyldig Word-fil (.docx): en del av dokumentet mangler."


def test_it_refuses_a_macro_document():
    data = build("I: Hei.")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        types = archive.read("[Content_Types].xml")
    macro = types.replace(b"document.main+xml", b"document.macroEnabled.main+xml")
    assert macro != types
    message = error_of(rezip(data, replace={"[Content_Types].xml": macro}))
    assert message.startswith(f"{NAME} er ikke en gyldig Word-fil (.docx): fila er ikke et vanlig Word-dokument")


def test_it_refuses_a_zip_with_corrupt_compressed_data():
    data = bytearray(build("I: Hei."))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.getinfo("word/document.xml")
    data_start = info.header_offset + 30 + len(info.filename.encode())
    for offset in range(data_start, data_start + info.compress_size):
        data[offset] ^= 0x5A
    assert error_of(bytes(data)) == f"{NAME} er ikke en gyldig Word-fil (.docx): zip-arkivet er skadet."


# --- Zip bombs ----------------------------------------------------------------------------------------------


def test_it_refuses_a_docx_that_unpacks_beyond_the_limit():
    data = padded(5 * 1024 * 1024)
    assert len(data) < 100 * 1024
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        unpacked = sum(info.file_size for info in archive.infolist())
    megabytes = f"{unpacked / (1024 * 1024):.1f}".replace(".", ",")
    message = error_of(data, max_unpacked_bytes=1024 * 1024)
    assert message.startswith(
        f"{NAME} blir ikke åpnet: pakket ut er innholdet {megabytes} MB, mer enn grensen på 1,0 MB"
    )
    assert "zip-bombe" in message


def test_it_refuses_a_part_with_an_absurd_compression_ratio():
    message = error_of(padded(11 * 1024 * 1024))
    assert message.startswith(f"{NAME} blir ikke åpnet: delen word/document.xml pakkes ut fra ")
    assert "til 11,0 MB" in message and "zip-bombe" in message


def test_it_reads_a_large_but_ordinary_document_under_the_limit():
    parsed = docx.parse(padded(2 * 1024 * 1024), name=NAME)
    assert [(turn.speaker, turn.text) for turn in parsed.turns] == [("Kari", "hei slutt.")]


def test_it_refuses_a_zip_that_understates_the_size_of_a_part():
    data = bytearray(padded(5 * 1024 * 1024))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.getinfo("word/document.xml")
    # Claim 1 kB unpacked in both the local header and the central directory entry.
    struct.pack_into("<I", data, info.header_offset + 22, 1024)
    struct.pack_into("<I", data, central_entry(bytes(data), info.filename) + 24, 1024)
    message = error_of(bytes(data), max_unpacked_bytes=1024 * 1024)
    assert message == f"{NAME} er ikke en gyldig Word-fil (.docx): zip-arkivet er skadet."


def test_it_stops_unpacking_at_the_limit_even_when_declared_sizes_pass():
    with zipfile.ZipFile(io.BytesIO(padded(300 * 1024))) as archive, pytest.raises(ImporterError) as error:
        docxtext._check_actual_size(archive, NAME, 200 * 1024)
    assert str(error.value).startswith(f"{NAME} blir ikke åpnet: pakket ut er innholdet minst ")


# --- Entity references (a DOCTYPE in word/document.xml: never written by Word) ----------------------------

def _entities(deepest):
    """A DOCTYPE declaring «xxe» and nested entities lol1 … lolN, each ten of the one below («billion laughs»)."""
    return ('<!DOCTYPE w:document [<!ENTITY xxe "UTVIDET"><!ENTITY lol0 "lol">'
            + "".join(f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, deepest + 1)) + "]>")


def docx_with_entities(text, deepest=2):
    """A .docx whose document.xml declares entities and uses them."""
    data = build("Kari: PLACEHOLDER")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = archive.read(DOCUMENT_XML).decode()
    xml = xml.replace("?>", "?>" + _entities(deepest), 1).replace("PLACEHOLDER", text)
    return rezip(data, replace={DOCUMENT_XML: xml.encode()})


def test_entity_references_stay_literal_with_the_text_after_them_and_a_warning():
    with translation.override("nb"):  # the warning speaks the language of the request; here Norwegian
        parsed = docx.parse(docx_with_entities("Velkommen [&xxe;] slutt &lol2; og mer"), name=NAME)
    assert [(turn.speaker, turn.text) for turn in parsed.turns] == [("Kari", "Velkommen [&xxe;] slutt &lol2; og mer")]
    [warning] = parsed.warnings
    assert warning.startswith(f"{NAME} inneholder entitetsreferanser (&lol2;, &xxe;), som Word aldri skriver")


def test_a_billion_laughs_is_refused_without_expanding_it():
    # lol9 would be 10⁹ «lol»: 3 GB. The parser refuses the declarations; nothing is expanded.
    with translation.override("nb"):
        message = error_of(docx_with_entities("Hei &lol9;", deepest=9))
    assert "«billion laughs»-bombe" in message


def test_a_plan_docx_keeps_them_literal_too():
    lines, _title, warnings = docxtext.paragraphs(docx_with_entities("Tekst &xxe; videre"), name="plan.docx")
    assert lines == ["Kari: Tekst &xxe; videre"] and len(warnings) == 1


def test_a_file_without_entities_has_no_warning():
    assert docx.parse(build("Kari: Hei."), name=NAME).warnings == []
