"""Whisper .tsv output (start, end in milliseconds, text; optionally speaker) to turns."""

from .base import Cue, ImporterError, ParsedTranscript, cue_turns, decode_text, split_lines

FORMAT = "whisper-tsv"

_REQUIRED = ("start", "end", "text")


def parse(data, *, name):
    """Parse the bytes of a Whisper .tsv file."""
    text = decode_text(data, name=name)
    if not text.strip():
        raise ImporterError(f"{name} er tom.")
    lines = split_lines(text)
    header_index = next(index for index, line in enumerate(lines) if line.strip())
    columns, width = _columns(lines[header_index], header_index + 1, name)
    cues = (_cue(lines[index], columns, width, index + 1, name)
            for index in range(header_index + 1, len(lines)) if lines[index].strip())
    turns = cue_turns(cues)
    if not turns:
        raise ImporterError(f"{name} inneholder ingen replikker.")
    return ParsedTranscript(format=FORMAT, turns=turns)


def _columns(line, line_number, name):
    """Map column name to position, and count the columns; start, end, text required, speaker optional."""
    names = [column.strip().lower() for column in line.split("\t")]
    if not all(required in names for required in _REQUIRED):
        raise ImporterError(
            f"{name} er ikke Whisper-TSV: første linje må ha kolonnene «start», «end» og «text» "
            f"skilt med tabulator, men er «{line.strip()[:80]}»",
            line=line_number,
        )
    positions = {column: names.index(column) for column in (*_REQUIRED, "speaker") if column in names}
    return positions, len(names)


def _cue(line, columns, width, line_number, name):
    fields = line.split("\t")
    text_column = columns["text"]
    extra = len(fields) - width
    if extra > 0:
        # A tab inside the speech splits it; rejoin it rather than lose words or shift the speaker.
        fields[text_column:text_column + extra + 1] = [" ".join(fields[text_column:text_column + extra + 1])]
    start = _milliseconds(fields, columns["start"], "start", line_number, name)
    end = _milliseconds(fields, columns["end"], "end", line_number, name)
    text = fields[text_column] if text_column < len(fields) else ""
    speaker = None
    if "speaker" in columns and columns["speaker"] < len(fields):
        speaker = fields[columns["speaker"]].strip() or None
    return Cue(speaker=speaker, text=text, start=start, end=end)


def _milliseconds(fields, position, column, line_number, name):
    value = fields[position].strip() if position < len(fields) else ""
    if not value.isascii() or not value.isdigit():
        raise ImporterError(
            f"{name}: ugyldig tid «{value}» i kolonnen «{column}»; ventet hele millisekunder som «1500»",
            line=line_number,
        )
    return int(value) / 1000
