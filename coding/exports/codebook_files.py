"""The codebook as documents for a report's method appendix (.xlsx, and a Word table), and a codebook read from a
.xlsx for import (coding.exports.refi_import.codebook_changes, as a .qdc is).

Columns: theme, description, colour, parent theme, excerpts (Coding rows per theme, the codebook page's count).
"""

import io

from django.db.models import Count
from django.utils.translation import gettext as _

from coding.exports.refi_import import ReadCode, _colour
from coding.quotes import codebook_order
from planner.spreadsheets import add_sheet, first_sheet_rows, new_workbook, xlsx_bytes
from planner.textfiles import ImporterError

HEADERS = {"nb": ["Tema", "Beskrivelse", "Farge", "Overordnet tema", "Utdrag"],
           "en": ["Theme", "Description", "Colour", "Parent theme", "Excerpts"]}
# The headers an imported sheet may use, in either language, any case.
HEADER_WORDS = {"name": {"tema", "theme", "navn", "name", "kode", "code"},
                "description": {"beskrivelse", "description"}, "colour": {"farge", "colour", "color"},
                "parent": {"overordnet tema", "parent theme", "parent", "overordnet"}}


def codebook_table(project, language="nb"):
    """The header and one row per theme, in codebook order with sub-themes after their parent."""
    themes = codebook_order(project.themes.annotate(excerpt_count=Count("codings")).in_codebook_order(
        archived_last=True))
    names = {theme.pk: theme.name for theme in themes}
    yield HEADERS[language]
    for theme in themes:
        yield [theme.name, theme.description, theme.colour.upper(), names.get(theme.parent_id, ""),
               theme.excerpt_count]


def codebook_xlsx(project, language="nb") -> bytes:
    book = new_workbook()
    add_sheet(book, HEADERS[language][0] if language == "nb" else "Codebook", codebook_table(project, language),
              widths=(32, 70, 10, 28, 10))
    return xlsx_bytes(book)


def codebook_docx(project, language="nb") -> bytes:
    """A Word table; each theme's colour is a swatch in its colour cell."""
    # python-docx is imported when a file is written, not with the app (planner/docxtext.py says why).
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    document = docx.Document()
    document.add_heading(f"{project.name}: {'kodebok' if language == 'nb' else 'codebook'}", level=1)
    rows = list(codebook_table(project, language))
    table = document.add_table(rows=1, cols=len(rows[0]))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, rows[0], strict=True):
        cell.text = text
        cell.paragraphs[0].runs[0].bold = True
    for values in rows[1:]:
        cells = table.add_row().cells
        for index, (cell, value) in enumerate(zip(cells, values, strict=True)):
            cell.text = str(value)
            if index == 4:
                cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
        shading = OxmlElement("w:shd")
        shading.set(qn("w:val"), "clear")
        shading.set(qn("w:fill"), values[2].lstrip("#"))
        cells[2]._tc.get_or_add_tcPr().append(shading)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def read_codebook_xlsx(data: bytes) -> list[ReadCode]:
    """Codes from the first sheet: a header row naming at least the theme column; a parent named in the sheet or
    left empty. ImporterError for a file that is no workbook or has no theme column."""
    try:
        rows = [[("" if v is None else str(v)).strip() for v in row] for row in first_sheet_rows(data)]
    except Exception as error:  # openpyxl raises many kinds for a file that is not a workbook
        raise ImporterError(_("The file is not an Excel workbook (.xlsx).")) from error
    if not rows:
        raise ImporterError(_("The sheet is empty."))
    header = [cell.lower() for cell in rows[0]]
    columns = {key: next((i for i, cell in enumerate(header) if cell in words), None)
               for key, words in HEADER_WORDS.items()}
    if columns["name"] is None:
        raise ImporterError(_("The first row names no theme column («Tema» or «Theme»)."))

    def cell(row, key):
        index = columns[key]
        return row[index] if index is not None and index < len(row) else ""

    entries = [row for row in rows[1:] if cell(row, "name")]
    index_of = {cell(row, "name").lower(): i for i, row in enumerate(entries)}
    codes = [ReadCode(guid=None, name=cell(row, "name")[:120], colour=_colour(cell(row, "colour")),
                      description=cell(row, "description"), codable=None, notes=[],
                      parent=index_of.get(cell(row, "parent").lower())) for row in entries]
    # Parents before their children, as codebook_apply needs them.
    ordered, placed = [], {}

    def place(i, seen=()):
        if i in placed or i in seen:
            return
        parent = codes[i].parent
        if parent is not None and parent != i:
            place(parent, (*seen, i))
        placed[i] = len(ordered)
        ordered.append(i)

    for i in range(len(codes)):
        place(i)
    result = []
    for i in ordered:
        code = codes[i]
        parent = code.parent if code.parent is not None and code.parent != i and code.parent in placed else None
        result.append(ReadCode(guid=None, name=code.name, colour=code.colour, description=code.description,
                               codable=None, notes=[], parent=placed[parent] if parent is not None else None))
    return result
