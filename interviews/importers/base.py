"""The result type every transcript importer returns, and helpers they share.

Importers turn the bytes of one file into a list of turns. They know nothing of the
database: mapping speakers to participants and storing the Document happens later.
"""

import re
from dataclasses import dataclass, field

from planner.models import normalise_text
from planner.textfiles import ImporterError, decode_text  # noqa: F401  (the importers' shared names)

# The speaker name used for speech that no speaker claims (first cues without a voice).
UNKNOWN_SPEAKER = "Ukjent"


@dataclass
class Cue:
    """One piece of speech as found in the file, before merging into turns."""

    speaker: str | None
    text: str
    start: float | None = None
    end: float | None = None


@dataclass
class Turn:
    """One speaker turn: the speaker label as found in the file, the speech, seconds.

    `labelled` is False for a unit of a file that names no speakers (a Whisper segment, a
    paragraph): its speaker is «Ukjent» until someone assigns a participant in the app, so its
    paragraph in the document text carries no «Label: » that would then be wrong.
    """

    speaker: str
    text: str
    start: float | None = None
    end: float | None = None
    labelled: bool = True


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


# The one normalisation all stored text gets: NFC, and LF line ends.
normalise = normalise_text


def clean_speech(text):
    """Collapse runs of spaces and trim; keep single line breaks inside speech."""
    lines = [re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in text.split("\n")]
    return "\n".join(line for line in lines if line)


def cue_turns(cues):
    """The turns of a file's cues: merged by speaker, or the file's own units when it names no one.

    A file without any speaker information (plain Whisper output, a paragraph-only text) keeps
    one turn per cue, each with its own times, so 322 segments do not become one paragraph at
    00:00:00. Such turns belong to «Ukjent» and are not `labelled`.
    """
    cues = list(cues)
    if any(cue.speaker and cue.speaker.strip() for cue in cues):
        return merge_cues(cues)
    turns = []
    for cue in cues:
        text = clean_speech(normalise(cue.text))
        if text:
            turns.append(Turn(speaker=UNKNOWN_SPEAKER, text=text, start=cue.start, end=cue.end, labelled=False))
    return turns


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
