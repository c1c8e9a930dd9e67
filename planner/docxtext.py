"""Read a Word file (.docx) safely: refuse unsafe zips, then the body's paragraphs in order.

Headers, footers, footnotes, comments and text boxes are left out. Transcripts
(interviews/importers/docx.py) and plan documents (planner/plandocs.py) both read Word this way.
"""

import io
import re
import zipfile
import zlib

from django.utils.translation import gettext as _
from lxml import etree

from planner.textfiles import ImporterError

DEFAULT_MAX_UNPACKED_BYTES = 100 * 1024 * 1024
# A Word part that inflates more than 200-fold to more than 10 MB is not text someone typed.
_MAX_RATIO = 200
_RATIO_CHECK_ABOVE = 10 * 1024 * 1024
_CHUNK = 64 * 1024

_MAIN_PART = re.compile(r"word/document\d*\.xml")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Other zip-based office files people pick by mistake, known by a part only they have.
_OTHER_FORMATS = {
    "xl/workbook.xml": "et Excel-regneark",
    "ppt/presentation.xml": "en PowerPoint-presentasjon",
    "content.xml": "et OpenDocument-dokument (for eksempel fra LibreOffice)",
}

# WordprocessingML's names as lxml spells them (python-docx's qn("w:p")); python-docx itself is imported when a
# file is read, not with the app (some 60 ms of each process's start).
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def qn(name):
    return _W + name.removeprefix("w:")


_P, _TBL, _TR, _TC = qn("w:p"), qn("w:tbl"), qn("w:tr"), qn("w:tc")
_SDT, _SDT_CONTENT, _CUSTOM_XML = qn("w:sdt"), qn("w:sdtContent"), qn("w:customXml")
_T, _TAB, _PTAB, _BR, _CR = qn("w:t"), qn("w:tab"), qn("w:ptab"), qn("w:br"), qn("w:cr")
_NO_BREAK_HYPHEN = qn("w:noBreakHyphen")
_RUN_TEXT = {_TAB: " ", _PTAB: " ", _BR: "\n", _CR: "\n", _NO_BREAK_HYPHEN: "-"}
# Inline elements whose runs are part of the visible text. python-docx's Paragraph.text reads only
# w:r and w:hyperlink, which would drop tracked insertions (w:ins) and content controls.
# Deleted text (w:del, w:moveFrom), field codes and drawings are not descended into.
_INLINE_CONTAINERS = {
    qn(f"w:{tag}") for tag in "r hyperlink ins moveTo smartTag sdt sdtContent fldSimple customXml dir bdo".split()
}


def paragraphs(data, *, name, max_unpacked_bytes=DEFAULT_MAX_UNPACKED_BYTES):
    """The body's paragraph texts in order, for documents without speakers (plans), the title and warnings.

    The same checks as `parse`; a table row becomes one line with its cells joined by « | ».
    """
    return read(data, name, max_unpacked_bytes, _plain_row_lines)


def read(data, name, max_unpacked_bytes, row_lines):
    """The body's lines, the document title and warnings; `row_lines` turns a table row's cells into lines.

    Entity references (`&xxe;`, declared in a DOCTYPE: never in a file Word wrote) are not expanded: python-docx
    parses with resolve_entities=False, so a «billion laughs» costs nothing. Each stays in the text as its
    literal «&name;», with the text around it, and a warning names them."""
    if not data:
        raise ImporterError(f"{name} er tom.")
    _check_archive(data, name, max_unpacked_bytes)
    try:
        import docx as python_docx

        document = python_docx.Document(io.BytesIO(data))
        lines = _block_lines(document.element.body, row_lines)
        title = (document.core_properties.title or "").strip()
        entities = sorted({entity.text for entity in document.element.body.iter(etree.Entity)})
    except Exception as exc:  # python-docx and lxml raise many kinds; all mean a broken file.
        raise _invalid(name, _reason(exc)) from exc
    warnings = []
    if entities:
        shown = ", ".join(entities[:5]) + (" …" if len(entities) > 5 else "")
        warnings.append(_("%(name)s holds entity references (%(entities)s), which Word never writes; they were "
                          "not expanded and stand in the text as written.") % {"name": name, "entities": shown})
    return lines, title, warnings


# --- The zip container ----------------------------------------------------------------------------


def _check_archive(data, name, max_unpacked_bytes):
    """Refuse what is not a .docx, or what would unpack to more than the limit, before python-docx reads it."""
    if not zipfile.is_zipfile(io.BytesIO(data)):
        if data.startswith(_OLE_MAGIC):
            raise _invalid(
                name,
                hint="Den ser ut som et eldre Word-dokument (.doc) eller et passordbeskyttet dokument. "
                "Åpne den i Word og lagre den som .docx uten passord.",
            )
        raise _invalid(name)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            _check_main_part(archive, name)
            _check_declared_sizes(archive, name, max_unpacked_bytes)
            _check_actual_size(archive, name, max_unpacked_bytes)
    except ImporterError:
        raise
    except Exception as exc:  # BadZipFile, bad CRC, encrypted or unsupported compression, zlib errors.
        raise _invalid(name, "zip-arkivet er skadet") from exc


def _check_main_part(archive, name):
    names = set(archive.namelist())
    if any(_MAIN_PART.fullmatch(entry) for entry in names):
        return
    for part, kind in _OTHER_FORMATS.items():
        if part in names:
            raise _invalid(name, hint=f"Den ser ut som {kind}. Lagre teksten som .docx og prøv igjen.")
    raise _invalid(name, "fila mangler selve dokumentteksten (word/document.xml)")


def _check_declared_sizes(archive, name, limit):
    infos = archive.infolist()
    total = sum(info.file_size for info in infos)
    if total > limit:
        raise _too_big(name, total, limit)
    for info in infos:
        inflated = info.file_size > _RATIO_CHECK_ABOVE
        if inflated and info.file_size > _MAX_RATIO * max(info.compress_size, 1):
            raise ImporterError(
                f"{name} blir ikke åpnet: delen {info.filename} pakkes ut fra {_size(info.compress_size)} "
                f"til {_size(info.file_size)}. Et Word-dokument er aldri så sterkt komprimert; "
                "fila kan være laget for å fylle opp serveren (en «zip-bombe»)."
            )


def _check_actual_size(archive, name, limit):
    """Unpack every part with a running cap, so a zip whose declared sizes lie is caught too.

    python-docx reads the parts again afterwards; the parts are small, and this way nothing past
    the limit is ever decompressed.
    """
    total = 0
    for info in archive.infolist():
        with archive.open(info) as member:
            while chunk := member.read(_CHUNK):
                total += len(chunk)
                if total > limit:
                    raise _too_big(name, total, limit, at_least=True)


def _too_big(name, size, limit, *, at_least=False):
    amount = f"minst {_size(size)}" if at_least else _size(size)
    return ImporterError(
        f"{name} blir ikke åpnet: pakket ut er innholdet {amount}, mer enn grensen på {_size(limit)}. "
        "Et vanlig Word-dokument er langt mindre; fila kan være laget for å fylle opp serveren (en «zip-bombe»)."
    )


def _size(count):
    if count >= 1024 * 1024:
        return f"{count / (1024 * 1024):.1f} MB".replace(".", ",")
    return f"{max(1, round(count / 1024))} kB"


def _invalid(name, reason=None, *, hint=None):
    message = f"{name} er ikke en gyldig Word-fil (.docx)"
    message += f": {reason}." if reason else "."
    return ImporterError(f"{message} {hint}" if hint else message)


def _reason(exc):
    """A short reason a researcher can act on; the exception itself stays chained for the logs."""
    if isinstance(exc, KeyError):
        return "en del av dokumentet mangler"
    if isinstance(exc, etree.XMLSyntaxError) and "amplification" in str(exc):
        # libxml2 refuses entity declarations that would multiply the text («billion laughs»), expanded or not.
        return ("den erklærer entiteter som ville blåse teksten opp mange tusen ganger (en «billion laughs»-bombe); "
                "Word skriver aldri slike")
    if isinstance(exc, etree.XMLSyntaxError):
        return "innholdet er skadet (ugyldig XML)"
    if isinstance(exc, (zipfile.BadZipFile, zlib.error)):
        return "zip-arkivet er skadet"
    if isinstance(exc, ValueError) and "content type" in str(exc):
        return "fila er ikke et vanlig Word-dokument (kanskje en mal eller et dokument med makroer)"
    return "dokumentet kunne ikke leses"


# --- The document body ----------------------------------------------------------------------------


def _block_lines(container, row_lines):
    """Paragraph texts of a body, table cell or content control, in document order."""
    lines = []
    for child in container.iterchildren():
        if child.tag == _P:
            lines.append(_inline_text(child))
        elif child.tag == _TBL:
            lines.extend(_table_lines(child, row_lines))
        elif child.tag == _SDT:
            content = child.find(_SDT_CONTENT)
            if content is not None:
                lines.extend(_block_lines(content, row_lines))
        elif child.tag == _CUSTOM_XML:
            lines.extend(_block_lines(child, row_lines))
    return lines


def _inline_text(element):
    """Visible text of a paragraph: runs joined, soft breaks as newlines, tabs as spaces."""
    parts = []
    for child in element.iterchildren():
        if child.tag == _T:
            parts.append(_t_text(child))
        elif child.tag is etree.Entity:
            parts.extend((child.text, child.tail or ""))
        elif child.tag in _RUN_TEXT:
            parts.append(_RUN_TEXT[child.tag])
        elif child.tag in _INLINE_CONTAINERS:
            parts.append(_inline_text(child))
    return "".join(parts)


def _t_text(element):
    """A w:t's text with any entity reference in it as its literal «&name;» and the text after it: `.text`
    alone stops at the first reference (<w:t>Velkommen [&xxe;] slutt</w:t> → «Velkommen [»)."""
    parts = [element.text or ""]
    for child in element:
        if child.tag is etree.Entity:
            parts.append(child.text)
        parts.append(child.tail or "")
    return "".join(parts)


def _table_lines(table, row_lines):
    lines = []
    for row in table.iterchildren(_TR):
        cells = [[line for line in _block_lines(cell, row_lines) if line.strip()] for cell in row.iterchildren(_TC)]
        lines.extend(row_lines(cells))
    return lines


def _plain_row_lines(cells):
    """A table row of a plan: its cells on one line, so a row reads as a row."""
    texts = [" ".join(line.strip() for line in cell) for cell in cells]
    return [" | ".join(text for text in texts if text)]
