"""Writing spreadsheets that Excel opens as they are meant: text stays text, no formula runs.

Shared by every .xlsx and .csv export (the plan register, the matrix).
"""

import csv
import io

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

CSV_DELIMITER = ";"  # what Norwegian Excel splits a double-clicked .csv on
# A cell that begins with one of these would be read by Excel as a formula.
FORMULA_START = ("=", "+", "-", "@")


def append_rows(sheet, rows):
    """Append rows to an openpyxl sheet with every string stored as text, never as a formula."""
    for values in rows:
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in values])
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str):
                # openpyxl stores a str starting with "=" as a formula; data is text, whatever it starts with.
                cell.data_type = "s"
                # Keeps it text when someone edits the cell in Excel.
                cell.quotePrefix = cell.value.startswith(FORMULA_START)


def csv_bytes(rows):
    """CSV with semicolons and a byte order mark (without it Excel reads Windows-1252).

    A cell that begins like a formula gets a leading apostrophe, which the plan import removes.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=CSV_DELIMITER, lineterminator="\r\n")
    for values in rows:
        writer.writerow([f"'{v}" if isinstance(v, str) and v.startswith(FORMULA_START) else v for v in values])
    return buffer.getvalue().encode("utf-8-sig")
