"""The result type every transcript importer returns, and helpers they share.

Importers turn the bytes of one file into a list of turns. They know nothing of the
database: mapping speakers to participants and storing the Document happens later.
"""

import codecs
import re
import unicodedata
from dataclasses import dataclass, field

# The speaker name used for speech that no speaker claims (first cues without a voice).
UNKNOWN_SPEAKER = "Ukjent"


class ImporterError(Exception):
    """A file cannot be imported. The message names the problem in plain words."""

    def __init__(self, message, *, line=None):
        super().__init__(message)
        self.message = message
        self.line = line

    def __str__(self):
        if self.line is not None:
            return f"{self.message} (linje {self.line})"
        return self.message


@dataclass
class Cue:
    """One piece of speech as found in the file, before merging into turns."""

    speaker: str | None
    text: str
    start: float | None = None
    end: float | None = None


@dataclass
class Turn:
    """One speaker turn: the speaker label as found in the file, the speech, seconds."""

    speaker: str
    text: str
    start: float | None = None
    end: float | None = None


@dataclass
class ParsedTranscript:
    format: str  # "docx", "txt", "vtt", "srt", "whisper-json", "whisper-tsv"
    turns: list[Turn] = field(default_factory=list)
    title: str = ""

    def speakers(self):
        """Speaker labels in order of first appearance, with their number of turns."""
        counts = {}
        for turn in self.turns:
            counts[turn.speaker] = counts.get(turn.speaker, 0) + 1
        return counts


def normalise(text):
    """The one normalisation all stored text gets: NFC, and LF line ends."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", text)


def clean_speech(text):
    """Collapse runs of spaces and trim; keep single line breaks inside speech."""
    lines = [re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in text.split("\n")]
    return "\n".join(line for line in lines if line)


def merge_cues(cues):
    """Merge consecutive cues of one speaker into turns.

    A cue with no speaker joins the previous turn; before any speaker it opens a turn
    of the «Ukjent» speaker. The merged turn keeps the first start and the last end.
    """
    turns = []
    for cue in cues:
        text = clean_speech(normalise(cue.text))
        if not text:
            continue
        speaker = cue.speaker.strip() if cue.speaker else None
        if turns and (speaker is None or speaker == turns[-1].speaker):
            last = turns[-1]
            last.text = f"{last.text} {text}"
            if cue.end is not None:
                last.end = cue.end if last.end is None else max(last.end, cue.end)
            continue
        turns.append(Turn(speaker=speaker or UNKNOWN_SPEAKER, text=text, start=cue.start, end=cue.end))
    return turns


def decode_text(data, *, name="fila"):
    """Decode transcript bytes: UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252.

    Never Latin-1: in Windows-1252 byte 0x85 is «…», in Latin-1 it is a C1 line break.
    Bytes that hold NUL or other control characters are refused as binary.
    """
    if data.startswith(codecs.BOM_UTF8):
        text = _decode(data[3:], "utf-8", name)
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = _decode(data, "utf-16", name)
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = _decode(data, "cp1252", name)
    if _looks_binary(text):
        raise ImporterError(f"{name} ser ut som en binærfil, ikke tekst.")
    return normalise(text)


def _decode(data, encoding, name):
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise ImporterError(
            f"{name} kan ikke leses som tekst ({encoding}): ugyldig byte ved posisjon {exc.start}."
        ) from exc


def _looks_binary(text):
    sample = text[:8192]
    if "\x00" in sample:
        return True
    controls = sum(1 for ch in sample if unicodedata.category(ch) == "Cc" and ch not in "\n\r\t\f")
    return controls > max(2, len(sample) // 100)


_TIME = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{2})(?:[.,](\d{1,3}))?$")


def parse_timestamp(value):
    """'01:02:03.500', '02:03,5' or '2:03' to seconds; None when it is not a timestamp."""
    match = _TIME.match(value.strip())
    if not match:
        return None
    hours, minutes, seconds, fraction = match.groups()
    if int(seconds) >= 60 or (hours is not None and int(minutes) >= 60):
        return None
    total = int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds)
    if fraction:
        total += int(fraction.ljust(3, "0")) / 1000
    return float(total)
