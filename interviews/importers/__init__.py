"""Transcript importers, one module per format; `parse_file` picks one by the file's extension."""

from pathlib import PurePath

from planner.textfiles import check_size

from . import docx, srt, txt, vtt, whisper_json, whisper_tsv
from .base import UNKNOWN_SPEAKER, ImporterError, ParsedTranscript, TooLong, Turn

__all__ = ["EXTENSIONS", "UNKNOWN_SPEAKER", "ImporterError", "ParsedTranscript", "Turn", "check_name", "parse_file"]

PARSERS = {
    ".docx": docx.parse,
    ".txt": txt.parse,
    ".vtt": vtt.parse,
    ".srt": srt.parse,
    ".json": whisper_json.parse,
    ".tsv": whisper_tsv.parse,
}
EXTENSIONS = tuple(PARSERS)


def check_name(name):
    """The parser for the file's extension; ImporterError for a type that cannot be imported."""
    extension = PurePath(name).suffix.lower()
    parser = PARSERS.get(extension)
    if parser is None:
        known = ", ".join(EXTENSIONS)
        raise ImporterError(f"{name}: filtypen «{extension or 'uten endelse'}» kan ikke importeres. Bruk {known}.")
    return parser


def parse_file(name, data, *, max_bytes=None):
    """Parse one uploaded file; ImporterError names the file and the problem."""
    extension = PurePath(name).suffix.lower()
    parser = check_name(name)
    check_size(name, len(data), max_bytes)
    if not data.strip():
        raise ImporterError(f"{name} er tom.")
    try:
        if extension == ".docx" and max_bytes is not None:
            # The unpacked Word XML may be larger than the file, but not without bound (zip bombs).
            return docx.parse(data, name=name, max_unpacked_bytes=max(8 * max_bytes, 50 * 1_048_576))
        return parser(data, name=name)
    except TooLong as error:
        # Raised while reading, as soon as a cap is passed: the rest of the file is never parsed.
        raise ImporterError(f"{name}: {error}") from None
