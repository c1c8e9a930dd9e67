"""Writing spreadsheets that Excel opens as they are meant: text stays text, no formula runs.

Every .xlsx and .csv the app writes goes through here (the plan register, the matrix, the quotes, the codebook,
the frequencies, the agreement report): a sheet's first row is its bold header, and a string is stored as text.

openpyxl is imported when a spreadsheet is read or written, not with the app: it took some 0.14 s of each
process's start (every gunicorn and task worker, every management command), more than any other library.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from openpyxl import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

CSV_DELIMITER = ";"  # what Norwegian Excel splits a double-clicked .csv on
# A cell that begins with one of these would be read by Excel as a formula.
FORMULA_START = ("=", "+", "-", "@")


def new_workbook() -> Workbook:
    """An openpyxl workbook without sheets (add_sheet adds them)."""
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    return workbook


def add_sheet(workbook: Workbook, title: str, rows: Iterable[Sequence], *, freeze: str | None = "A2",
              widths: Sequence[float | None] = (), auto_filter: bool = False) -> Worksheet:
    """A sheet of `rows` at the end of `workbook`, the first row its bold header, every string stored as text.

    `title` is cut to Excel's 31 characters; `freeze`: the first cell that scrolls (None: nothing frozen);
    `widths`: the columns' widths from A on (None leaves a column as it is); `auto_filter`: filter buttons on
    the header."""
    from openpyxl.utils import get_column_letter

    sheet = workbook.create_sheet(title[:31])
    append_rows(sheet, rows)
    bold(sheet[1])
    sheet.freeze_panes = freeze
    for number, width in enumerate(widths, start=1):
        if width is not None:
            sheet.column_dimensions[get_column_letter(number)].width = width
    if auto_filter:
        sheet.auto_filter.ref = sheet.dimensions
    return sheet


def bold(cells: Iterable) -> None:
    from openpyxl.styles import Font

    for cell in cells:
        cell.font = Font(bold=True)


def xlsx_bytes(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def first_sheet_rows(data: bytes) -> Iterator[tuple]:
    """The rows of an .xlsx file's first sheet, as Excel shows them (the cached values of formulas), read as the
    file is read, with the workbook closed after the last. openpyxl raises many kinds of exception for a file that
    is no workbook; the caller names the problem."""
    import openpyxl

    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        yield from workbook.worksheets[0].iter_rows(values_only=True)
    finally:
        workbook.close()


def append_rows(sheet: Worksheet, rows: Iterable[Sequence]) -> None:
    """Append rows to an openpyxl sheet with every string stored as text, never as a formula."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    for values in rows:
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in values])
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str):
                # openpyxl stores a str starting with "=" as a formula; data is text, whatever it starts with.
                cell.data_type = "s"
                # Keeps it text when someone edits the cell in Excel.
                cell.quotePrefix = cell.value.startswith(FORMULA_START)


def csv_bytes(rows: Iterable[Sequence]) -> bytes:
    """CSV with semicolons and a byte order mark (without it Excel reads Windows-1252).

    A cell that begins like a formula gets a leading apostrophe, which the plan import removes.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=CSV_DELIMITER, lineterminator="\r\n")
    for values in rows:
        writer.writerow([f"'{v}" if isinstance(v, str) and v.startswith(FORMULA_START) else v for v in values])
    return buffer.getvalue().encode("utf-8-sig")
