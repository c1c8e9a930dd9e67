"""Import a plain-text transcript (.txt): decode the bytes, cut it into paragraphs, then find the speakers."""

from .base import ParsedTranscript, decode_text, split_lines
from .speakers import turns_from_lines


def parse(data, *, name):
    """ParsedTranscript of a .txt file; ImporterError naming the file when it is empty or binary."""
    text = decode_text(data, name=name)
    return ParsedTranscript(format="txt", turns=turns_from_lines(paragraphs(split_lines(text)), name=name))


def paragraphs(lines):
    """The file's units: blocks of lines between blank lines, or each line when no blank line parts them.

    Whisper's .txt writes one segment per line with no blank lines; a hand-typed transcript parts
    its paragraphs with blank lines and may wrap a paragraph over several lines. A file that names
    speakers is read line by line all the same, so this grouping only shapes speakerless files.
    """
    lines = [line.rstrip("\r") for line in lines]
    filled = [index for index, line in enumerate(lines) if line.strip()]
    if not filled:
        return lines
    inner = lines[filled[0]:filled[-1] + 1]
    if all(line.strip() for line in inner):
        return inner
    blocks, block = [], []
    for line in inner:
        if line.strip():
            block.append(line)
        elif block:
            blocks.append("\n".join(block))
            block = []
    blocks.append("\n".join(block))
    return blocks
