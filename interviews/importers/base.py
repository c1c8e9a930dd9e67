"""The result type every transcript importer returns, and helpers they share.

Importers turn the bytes of one file into a list of turns. They know nothing of the
database: mapping speakers to participants and storing the Document happens later.
"""

import re
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext as _

from planner.models import normalise_text
from planner.textfiles import ImporterError, decode_text  # noqa: F401  (the importers' shared names)

# The speaker name used for speech that no speaker claims (first cues without a voice).
UNKNOWN_SPEAKER = "Ukjent"
# Lines a file may have per turn of the most a transcript may hold (KODEVERK_MAX_TURNS): a Teams .vtt
# has four lines a cue and several cues a turn, so a real transcript stays far below this.
LINES_PER_TURN = 10


class TooLong(Exception):
    """A transcript passed a cap while it was read (KODEVERK_MAX_TURNS, KODEVERK_MAX_TEXT_CHARS); the
    message says which, without the file's name, which `parse_file` puts in front."""


def split_lines(text):
    """The lines of a file's text, refused before splitting when there are more than any transcript within
    the caps has: a 25 MB file of a million tiny cues never becomes millions of strings."""
    check_units(text.count("\n") + 1)
    return text.split("\n")


def check_units(count, *, segments=False):
    """Refuse a file of more lines (or Whisper segments) than a transcript within KODEVERK_MAX_TURNS has,
    before it is parsed."""
    limit = LINES_PER_TURN * settings.KODEVERK_MAX_TURNS
    if count <= limit:
        return
    values = {"count": _number(count), "limit": _number(limit), "turns": _number(settings.KODEVERK_MAX_TURNS)}
    if segments:
        raise TooLong(_("it has %(count)s segments, more than the %(limit)s a transcript of at most %(turns)s "
                        "turns may have. Split it into several files.") % values)
    raise TooLong(_("it has %(count)s lines, more than the %(limit)s lines a transcript of at most "
                    "%(turns)s turns may have. Split it into several files.") % values)


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
    # Said to whoever imports the file, never stored (entity references in a .docx).
    warnings: list[str] = field(default_factory=list)

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
    00:00:00. Such turns belong to «Ukjent» and are not `labelled`. Cues are read one at a time
    and the caps are checked as they come, so a file past a cap is refused without reading the rest.
    """
    builder = _TurnBuilder(keep_units=True)
    for cue in cues:
        builder.add(cue)
    return builder.turns()


def merge_cues(cues):
    """Merge consecutive cues of one speaker into turns.

    A cue with no speaker joins the previous turn; before any speaker it opens a turn
    of the «Ukjent» speaker. The merged turn keeps the first start and the last end.
    """
    builder = _TurnBuilder(keep_units=False)
    for cue in cues:
        builder.add(cue)
    return builder.turns()


class _TurnBuilder:
    """Turns as cues arrive, checked against the caps at every cue (KODEVERK_MAX_TURNS and
    KODEVERK_MAX_TEXT_CHARS, the characters of speech). A merged turn collects its pieces and joins
    them once at the end, so a long run of one speaker costs linear time."""

    def __init__(self, *, keep_units):
        self.max_turns, self.max_chars = settings.KODEVERK_MAX_TURNS, settings.KODEVERK_MAX_TEXT_CHARS
        self.chars = 0
        self.named = not keep_units
        self.units = []  # one turn per cue, while no cue has named a speaker
        self.merged = []  # [speaker, pieces, start, end]

    def add(self, cue):
        text = clean_speech(normalise(cue.text))
        if not text:
            return
        self.chars += len(text)
        if self.chars > self.max_chars:
            raise TooLong(_("it holds more than %(limit)s characters of speech, the most one transcript may hold. "
                            "Split it into several files.") % {"limit": _number(self.max_chars)})
        speaker = cue.speaker.strip() if cue.speaker else None
        if speaker and not self.named:
            self.named, self.units = True, []
        if not self.named:
            self.units.append(Turn(speaker=UNKNOWN_SPEAKER, text=text, start=cue.start, end=cue.end,
                                   labelled=False))
        merged = self.merged
        if merged and (speaker is None or speaker == merged[-1][0]):
            last = merged[-1]
            last[1].append(text)
            if cue.end is not None:
                last[3] = cue.end if last[3] is None else max(last[3], cue.end)
        else:
            merged.append([speaker or UNKNOWN_SPEAKER, [text], cue.start, cue.end])
        if len(merged if self.named else self.units) > self.max_turns:
            raise TooLong(_("it has more than %(limit)s turns, the most one transcript may have. "
                            "Split it into several files.") % {"limit": _number(self.max_turns)})

    def turns(self):
        if not self.named:
            return self.units
        return [Turn(speaker=speaker, text=" ".join(pieces), start=start, end=end)
                for speaker, pieces, start, end in self.merged]


def _number(value):
    """12\u00a0345: thousands apart by a no-break space, as Norwegian writes them (and English reads them)."""
    return f"{value:,}".replace(",", "\u00a0")


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
