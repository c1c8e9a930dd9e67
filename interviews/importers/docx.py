"""Import a Word transcript (.docx): read it safely (planner.docxtext), then find the speakers."""

from planner.docxtext import DEFAULT_MAX_UNPACKED_BYTES, read

from .base import ParsedTranscript, parse_timestamp
from .speakers import is_speaker_line, turns_from_lines


def parse(data, *, name, max_unpacked_bytes=DEFAULT_MAX_UNPACKED_BYTES):
    """ParsedTranscript of a .docx file; ImporterError naming the file for anything it cannot read."""
    lines, title, warnings = read(data, name, max_unpacked_bytes, _row_lines)
    return ParsedTranscript(format="docx", turns=turns_from_lines(lines, name=name), title=title, warnings=warnings)


def _row_lines(cells):
    """A transcript kept as a table: a row «Kari | speech» or «00:12 | Kari | speech» opens a turn.

    A column of line numbers is skipped. Any other row gives its cells' paragraphs in order, so an
    empty speaker cell (a merged cell running down the column) simply continues the current speaker.
    """
    # A leading cell holding just a number is line numbering, not text.
    cells = [cell for cell in cells[:-1] if not (len(cell) == 1 and cell[0].strip().isdigit())] + cells[-1:]
    plain = [line for cell in cells for line in cell]
    if len(cells) < 2 or not all(len(cell) == 1 for cell in cells[:-1]):
        return plain
    labels = [cell[0].strip() for cell in cells[:-1]]
    times = [label for label in labels if parse_timestamp(label.strip("[]()")) is not None]
    names = [label for label in labels if label not in times]
    if len(names) != 1 or len(times) > 1:
        return plain
    header = " ".join([*times, names[0].rstrip(":").strip()]) + ":"
    return [header, *cells[-1]] if is_speaker_line(header) else plain
