"""SubRip (.srt) subtitles, as written by Whisper, WhisperX and subtitle editors, to turns."""

from .base import ImporterError, ParsedTranscript, cue_turns, decode_text, split_lines
from .vtt import cues_from_blocks, read_cue_blocks

FORMAT = "srt"


def parse(data, *, name):
    """Parse the bytes of a .srt file."""
    text = decode_text(data, name=name)
    if not text.strip():
        raise ImporterError(f"{name} er tom.")
    lines = split_lines(text)
    blocks = read_cue_blocks(lines, 0, name)
    if not blocks:
        raise ImporterError(
            f"{name} er ikke en SRT-fil: fant ingen tidskoder som «00:00:01,000 --> 00:00:04,000»."
        )
    turns = cue_turns(cues_from_blocks(blocks))
    if not turns:
        raise ImporterError(f"{name} inneholder ingen replikker.")
    return ParsedTranscript(format=FORMAT, turns=turns)
