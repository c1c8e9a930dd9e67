"""Import a plain-text transcript (.txt): decode the bytes, then cut the lines into turns at speaker lines."""

from .base import ParsedTranscript, decode_text
from .speakers import turns_from_lines


def parse(data, *, name):
    """ParsedTranscript of a .txt file; ImporterError naming the file when it is empty or binary."""
    text = decode_text(data, name=name)
    return ParsedTranscript(format="txt", turns=turns_from_lines(text.split("\n"), name=name))
