"""WebVTT subtitles (Teams, Zoom, WhisperX) to turns.

The cue reader and payload cleaning here are shared with the SRT importer.
"""

import html
import re

from .base import Cue, ImporterError, ParsedTranscript, cue_turns, decode_text, parse_timestamp, split_lines
from .prefix import overlap_speech, split_speaker

FORMAT = "vtt"

# A timing line with a mistyped arrow («00:00:03,000 -> 00:00:04,000») must not pass as speech.
_MISTYPED_TIMING = re.compile(r"\s*\d+:\d\d[\d:.,]*\s*(?:->|[–—]+>?|=>)")
_HEADER = re.compile(r"WEBVTT(?:[ \t]+(.*))?")
_TITLE_DASHES = " \t-–—"

# A tag starts with a letter, «/» or a digit (timestamp tags), so a bare «3 < 5» stays text.
_TAG = re.compile(r"<(?:/?[A-Za-z][^<>\n]*|\d[\d:.]*)>")
_VOICE = re.compile(r"<v(?:\.[^\s<>]*)?(?:[ \t]+([^<>\n]*))?>")
_VOICE_END = re.compile(r"</v>", re.IGNORECASE)
# ASS-style positioning such as «{\an8}», common in SRT made by subtitle editors.
_ASS_TAG = re.compile(r"\{\\[^{}\n]*\}")
# Direction marks (&lrm; &rlm;) only steer subtitle rendering; in speech they hinder search.
_DIRECTION_MARKS = re.compile("[\u200e\u200f]")


def parse(data, *, name):
    """Parse the bytes of a .vtt file."""
    text = decode_text(data, name=name)
    if not text.strip():
        raise ImporterError(f"{name} er tom.")
    lines = split_lines(text)
    title, index = _read_header(lines, name)
    blocks = read_cue_blocks(lines, index, name, skip=_is_skipped_block)
    turns = cue_turns(cues_from_blocks(blocks))
    if not turns:
        raise ImporterError(f"{name} inneholder ingen replikker.")
    return ParsedTranscript(format=FORMAT, turns=turns, title=title)


def _read_header(lines, name):
    """Check the «WEBVTT» line; return the title and the index of the first line after the header."""
    first = 0
    while not lines[first].strip():
        first += 1
    match = _HEADER.fullmatch(lines[first].rstrip())
    if not match:
        hint = " Den ser ut som en SRT-fil; gi den endelsen .srt." if "-->" in "\n".join(lines[:4]) else ""
        raise ImporterError(f"{name} er ikke en WebVTT-fil: første linje må være «WEBVTT».{hint}")
    title = (match.group(1) or "").strip(_TITLE_DASHES)
    # Header lines («Kind: captions») run to the first blank line; tolerate a cue that follows directly.
    index = first + 1
    while index < len(lines) and lines[index].strip() and not _starts_cue(lines, index):
        index += 1
    return title, index


def _starts_cue(lines, index):
    return "-->" in lines[index] or (index + 1 < len(lines) and "-->" in lines[index + 1])


def _is_skipped_block(line):
    keyword = line.split(None, 1)[0]
    return keyword in ("NOTE", "STYLE", "REGION")


def read_cue_blocks(lines, index, name, *, skip=None):
    """Read cue blocks from lines[index:] into (start, end, payload lines), in one pass.

    A block is an optional identifier line, a timing line and payload lines up to a blank line.
    A text block without a timing line continues the previous cue (a stray blank line inside
    speech); before the first cue it is ignored. `skip(line)` marks blocks to drop (VTT NOTE).
    """
    blocks = []
    count = len(lines)
    while index < count:
        line = lines[index]
        if not line.strip():
            index += 1
            continue
        if "-->" not in line:
            if skip is not None and skip(line):
                index = _block_end(lines, index)
                continue
            if not _starts_cue(lines, index):
                end = _block_end(lines, index)
                _check_mistyped_timing(lines, index, end, name)
                _continue_previous(blocks, lines[index:end])
                index = end
                continue
            index += 1  # the line was a cue identifier
        start, end = parse_timing(lines[index], index + 1, name)
        index += 1
        payload = []
        while index < count and lines[index].strip() and "-->" not in lines[index]:
            payload.append(lines[index])
            index += 1
        if index < count and "-->" in lines[index] and payload and payload[-1].strip().isdigit():
            payload.pop()  # the number of the next SRT cue, whose blank line is missing
        blocks.append((start, end, payload))
    return blocks


def _block_end(lines, index):
    """Index just past a block that has no timing line: the next blank line or the next cue."""
    index += 1
    while index < len(lines) and lines[index].strip() and not _starts_cue(lines, index):
        index += 1
    return index


def _check_mistyped_timing(lines, start, end, name):
    for index in range(start, end):
        if _MISTYPED_TIMING.match(lines[index]):
            raise ImporterError(
                f"{name}: ugyldig tidskode-linje «{lines[index].strip()}»; pila mellom tidene skal være «-->»",
                line=index + 1,
            )


def _continue_previous(blocks, text_lines):
    if blocks and not (len(text_lines) == 1 and text_lines[0].strip().isdigit()):
        blocks[-1][2].extend(text_lines)


def parse_timing(line, line_number, name):
    """«00:01.000 --> 00:04.000 align:start» to (start, end) seconds, or ImporterError on that line."""
    before, _, after = line.partition("-->")
    tokens = [before.strip(), (after.split() or [""])[0]]
    times = [parse_timestamp(token) for token in tokens]
    for token, seconds in zip(tokens, times, strict=True):
        if seconds is None:
            shown = token or line.strip()
            raise ImporterError(f"{name}: ugyldig tidskode «{shown}»", line=line_number)
    return times[0], times[1]


def cues_from_blocks(blocks):
    """The cues of the blocks, one block at a time, so that a cap stops the reading early."""
    for start, end, payload in blocks:
        yield from payload_cues("\n".join(payload), start, end)


def payload_cues(payload, start, end):
    """Split one cue's payload at voice tags into cues; strip other tags and decode entities.

    Without a voice tag, a «Name: text» or «[SPEAKER_00]: text» prefix gives the speaker. The
    overlapping voice of noScribe («<v //S02>») stays speech of the current turn.
    """
    if "{" in payload:
        payload = _ASS_TAG.sub("", payload)
    cues = []
    pieces = []
    speaker = None
    voiced = False

    def flush():
        text = "".join(pieces)
        pieces.clear()
        if text and not text.isspace():
            text = _speech(text)
            if text:
                overlap = overlap_speech(speaker, text)
                if overlap is not None:
                    cues.append(Cue(speaker=None, text=overlap, start=start, end=end))
                else:
                    cues.append(Cue(speaker=speaker, text=text, start=start, end=end))

    position = 0
    for match in _TAG.finditer(payload):
        pieces.append(payload[position:match.start()])
        position = match.end()
        voice = _VOICE.fullmatch(match.group())
        if voice:
            flush()
            speaker = _speech(voice.group(1) or "") or None
            voiced = voiced or speaker is not None
        elif _VOICE_END.fullmatch(match.group()):
            flush()
            speaker = None
    pieces.append(payload[position:])
    flush()
    if not voiced and cues:
        cues[0].speaker, cues[0].text = split_speaker(cues[0].text)
    return cues


def _speech(text):
    """Decode entities and join subtitle lines: line breaks in a cue are only display wrapping."""
    if "&" in text:
        text = html.unescape(text)
    if "\u200e" in text or "\u200f" in text:
        text = _DIRECTION_MARKS.sub("", text)
    return " ".join(text.split())
