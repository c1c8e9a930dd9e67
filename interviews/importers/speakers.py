"""Cut the lines of a plain-text transcript (.txt lines, Word paragraphs) into cues at speaker lines.

Shared by the .txt and .docx importers; docs/formats.md lists the forms recognised.
"""

import re

from .base import Cue, ImporterError, cue_turns, merge_cues, normalise, parse_timestamp
from .prefix import SENTENCE_OPENERS

# A clock time as transcription tools write it: 0:12, 00:12, 00:01:12, 00:01:12.500.
_TIME = r"\d{1,3}(?::\d{2}){1,2}(?:[.,]\d{1,3})?"
# A name word may hold letters of any script, digits, underscores (SPEAKER_00), dots (Dr.), hyphens
# and apostrophes, but must start with a letter or digit.
_WORD = r"[^\W_][\w.'’\-]*"
_NAME = rf"{_WORD}(?: {_WORD}){{0,4}}"

_NAME_RE = re.compile(_NAME)
_WHISPER_RANGE = re.compile(rf"^\[({_TIME}) ?--> ?({_TIME})\] ?(.*)$")
_TIME_PREFIX = re.compile(rf"^(?P<open>[\[(]?)(?P<time>{_TIME})(?P<close>[\])]?) (?P<rest>.+)$")
_NAME_TIME = re.compile(rf"^(?P<name>{_NAME}) (?P<time>{_TIME})$")
_BRACKET = re.compile(r"^\[(?P<name>[^\[\]]{1,40})\](?P<colon> ?:)? ?(?P<rest>.*)$")
_COLON = re.compile(rf"^(?P<name>{_NAME}) ?:(?P<rest>.*)$")
# A bracketed time opening the speech or a paragraph: «[00:00:12] Ja» (noScribe writes hh:mm:ss).
_LEADING_TIME = re.compile(rf"^(?P<open>[\[(])(?P<time>{_TIME})(?P<close>[\])])(?: (?P<rest>.*))?$")
# noScribe's time code inside a paragraph, «… velkommen. [00:01:05] Vi …»: hh:mm:ss, spaces around.
_INLINE_TIME = re.compile(r"\s\[(\d{2}:\d{2}:\d{2})\]\s")
# At most this many distinct «[label]» speakers; more is a file of annotations.
_MAX_SHARED_LABELS = 10

_SPACES = re.compile(r"[ \t\u00a0\f\v]+")
_LINE_BREAKS = re.compile(r"[\n\u2028\u2029]")
_INVISIBLE_LEAD = "\ufeff\u200b\u200c\u200d\u2060"
_MAX_NAME_LENGTH = 40

# Labels that open header fields, notes or bracketed annotations in transcripts: «Dato: 3. mars»,
# «Merk: …», «[latter]». They look like speaker lines but never name a speaker. Compared after
# lower-casing and dropping a trailing number, so «Intervju 3» is caught by «intervju».
_NOT_SPEAKERS = frozenset(
    """
    merk nb obs notat notater note notes kommentar kommentarer dato date tid klokka klokken kl
    sted location varighet lengde duration tema emne tittel title intervju deltakere deltagere
    tilstede fil filnavn lydfil opptak transkribert transkribent transkripsjon prosjekt eksempel
    eksempler sitat kilde stikkord oppsummering sammendrag summary referat bakgrunn navn tekst
    latter ler pause uhørbart uhørlig utydelig uklart inaudible unintelligible laughter laughs
    crosstalk overlapping musikk music stillhet silence avbrudd kremt kremter hoster sukk sukker
    """.split()
) | {"til stede", "transkribert av", "kort pause", "lang pause"} | SENTENCE_OPENERS


def turns_from_lines(paragraphs, *, name):
    """Turns from the paragraphs of a transcript; ImporterError naming the file when it holds no speech.

    Each item is one unit of the file: a Word paragraph, or a block of a .txt (txt.paragraphs). A
    file that names no speaker keeps those units as turns of «Ukjent», one per paragraph, or one
    per Whisper console line with its times.
    """
    paragraphs = list(paragraphs)
    cues = parse_speaker_lines(paragraphs)
    if any(cue.speaker for cue in cues):
        turns = merge_cues(cues)
    else:
        turns = cue_turns(_unit_cues(paragraphs))
    if turns:
        return turns
    if any(paragraph.strip() for paragraph in paragraphs):
        raise ImporterError(f"{name} har ingen tekst å importere, bare talernavn.")
    raise ImporterError(f"{name} er tom.")


def parse_speaker_lines(lines):
    """Cues from transcript lines: a speaker line opens a cue, other lines continue it.

    A line may hold line breaks of its own (a Word paragraph with soft breaks): each part counts
    as a line. Blank lines do not end a turn. Text before the first speaker line is a cue without
    speaker, which merge_cues gives to the «Ukjent» speaker. A «[label]» without colon opens a cue
    only where the file uses it as a speaker (bracket_speakers).
    """
    paragraphs = [_clean_lines(paragraph) for paragraph in lines]
    labels = bracket_speakers(paragraphs)
    cues = []
    for paragraph in paragraphs:
        for line in paragraph:
            cue = parse_line(line, labels=labels)
            if cue is not None:
                cues.append(cue)
            elif cues:
                last = cues[-1]
                last.text = f"{last.text}\n{line}" if last.text else line
            else:
                cues.append(Cue(speaker=None, text=line))
    return cues


def _clean_lines(paragraph):
    """The non-empty lines of one paragraph, spaces collapsed and invisible lead characters dropped."""
    lines = (_SPACES.sub(" ", line).strip().lstrip(_INVISIBLE_LEAD).strip()
             for line in _LINE_BREAKS.split(normalise(paragraph)))
    return [line for line in lines if line]


def _unit_cues(paragraphs):
    """One cue per paragraph of a file without speakers; a Whisper console line is a unit of its own.

    A bracketed time at the start of a paragraph («[00:01:12] Ja, det …») is its start: with no
    speaker anywhere it cannot be read as a speaker line. Such a paragraph is also cut at the
    «[hh:mm:ss]» codes inside it: noScribe without speaker detection writes the whole transcript
    as one paragraph, with a time code about once a minute.
    """
    cues = []
    for paragraph in paragraphs:
        current = timed = None
        for line in _clean_lines(paragraph):
            cue = parse_line(line, labels=frozenset())
            if cue is None and current is None:
                cue = _timed_unit(line)
                timed = len(cues) if cue is not None else None
            if cue is not None or current is None:
                current = cue or Cue(speaker=None, text=line)
                cues.append(current)
            else:
                current.text = f"{current.text}\n{line}" if current.text else line
        if timed is not None:
            cues[timed:timed + 1] = _cut_at_time_codes(cues[timed])
    return cues


def _cut_at_time_codes(cue):
    pieces = _INLINE_TIME.split(cue.text)
    cut = [Cue(speaker=None, text=pieces[0], start=cue.start)]
    for clock, text in zip(pieces[1::2], pieces[2::2], strict=True):
        start = parse_timestamp(clock)
        if start is None:
            cut[-1].text = f"{cut[-1].text} [{clock}] {text}"
        else:
            cut.append(Cue(speaker=None, text=text, start=start))
    return cut


def _timed_unit(line):
    match = _LEADING_TIME.match(line)
    if not match or not _brackets_pair(match["open"], match["close"]):
        return None
    start = parse_timestamp(match["time"])
    return None if start is None else Cue(speaker=None, text=match["rest"] or "", start=start)


def bracket_speakers(paragraphs):
    """The «[label]» openings that a file uses as speakers; `paragraphs` hold cleaned lines.

    A bracket at a line start is as often a note («[smiler] ja», «[Ja] …») as a speaker, so it
    needs the file's support; a name with a colon («[Kari]: Hei.») needs none. A name without one
    («[Kari] Hei.») counts when two or more lines open with a bracket, or when the file names that
    speaker in another form too («Kari: …»). Any other label (QualCoder's example transcript:
    «[id1] hello, I like …») counts only when several lines share a small set of them and they open
    at least half of the paragraphs: brackets that differ on every line, or that open few
    paragraphs, are notes.
    """
    openings = [opening for paragraph in paragraphs for line in paragraph if (opening := _bracket_opening(line))]
    if not openings:
        return frozenset()
    named = {label for label, colon in openings if not colon and is_speaker_name(label, bracketed=True)}
    if len(openings) < 2:
        others = {cue.speaker for paragraph in paragraphs for line in paragraph
                  if (cue := parse_line(line, labels=frozenset())) is not None and cue.speaker}
        named &= others
    labels = [label for label, _colon in openings]
    return frozenset(named | _shared_labels(labels, sum(1 for paragraph in paragraphs if paragraph)))


def _bracket_opening(line):
    """(label, colon) of a «[label] …» line (also after a leading time), if the label could be a speaker."""
    match = _BRACKET.match(line)
    if match is None:
        timed = _TIME_PREFIX.match(line)
        if timed and _brackets_pair(timed["open"], timed["close"]):
            match = _BRACKET.match(timed["rest"])
    if match is None:
        return None
    label = match["name"].strip()
    if _could_be_label(label) or is_speaker_name(label, bracketed=True):
        return label, bool(match["colon"])
    return None


def _shared_labels(openings, units):
    counts = {}
    for label in openings:
        counts[label] = counts.get(label, 0) + 1
    lines = len(openings)
    if not 2 <= len(counts) <= _MAX_SHARED_LABELS or lines <= len(counts) or 2 * lines < units:
        return frozenset()
    return frozenset(counts)


def _could_be_label(label):
    return (
        len(label.split(" ")) <= 3
        and is_speaker_name(label)
        and parse_timestamp(label) is None
    )


def is_speaker_line(line):
    """True when the line would open a speaker's cue."""
    cue = parse_line(_SPACES.sub(" ", line).strip())
    return cue is not None and cue.speaker is not None


def parse_line(line, *, labels=None):
    """The cue a single cleaned line opens, or None when the line continues the current speech.

    `labels` are the «[label]» openings without colon the file uses as speakers (bracket_speakers);
    None judges the line on its own, where any bracketed name counts.

    Whisper's console form «[00:00.000 --> 00:04.000] text» opens a timed cue with no speaker, so
    its times reach the turn while its text joins the current speaker.
    """
    whisper = _WHISPER_RANGE.match(line)
    if whisper:
        start, end = parse_timestamp(whisper[1]), parse_timestamp(whisper[2])
        if start is not None and end is not None:
            cue = _speaker_cue(whisper[3], labels) or Cue(speaker=None, text=whisper[3])
            cue.start, cue.end = start, end
            return cue
    return _speaker_cue(line, labels)


def _speaker_cue(line, labels):
    """A leading time («[00:01:12] Kari: …», «00:00:05 Speaker 1») belongs to the speaker line."""
    match = _TIME_PREFIX.match(line)
    if match and _brackets_pair(match["open"], match["close"]):
        start = parse_timestamp(match["time"])
        cue = _named_cue(match["rest"], labels) or _time_name_header(match)
        if start is not None and cue is not None:
            cue.start = start
            return cue
    return _named_cue(line, labels)


def _time_name_header(match):
    """The «00:00:05 Speaker 1» line Word's Transcribe writes above the speech, and only that shape.

    A bracketed or short time before a word («[00:12] Ja», «10:30 Lunsj») is more likely speech.
    """
    name = match["rest"]
    if match["open"] or match["time"].count(":") != 2 or name.endswith(".") or not is_speaker_name(name):
        return None
    return Cue(speaker=name, text="")


def _brackets_pair(opening, closing):
    return {"": "", "[": "]", "(": ")"}.get(opening) == closing


def _named_cue(line, labels):
    """`Name 00:12`, `[Name] speech`, `[Name]: speech`, `Name: speech`, or None.

    A bracketed time right after the name («S01: [00:00:12] Ja», noScribe) is the cue's start.
    """
    match = _NAME_TIME.match(line)
    if match and is_speaker_name(match["name"]):
        start = parse_timestamp(match["time"])
        if start is not None:
            return Cue(speaker=match["name"], text="", start=start)
    match = _BRACKET.match(line)
    if match:
        label = match["name"].strip()
        named = is_speaker_name(label, bracketed=True) and (labels is None or match["colon"])
        if named or (labels is not None and label in labels):
            return _timed_cue(label, match["rest"])
    match = _COLON.match(line)
    if match and is_speaker_name(match["name"]) and _speech_follows(match["name"], match["rest"]):
        return _timed_cue(match["name"], match["rest"])
    return None


def _timed_cue(speaker, rest):
    rest = rest.strip()
    match = _LEADING_TIME.match(rest)
    if match and match["open"] == "[" and match["close"] == "]":
        start = parse_timestamp(match["time"])
        if start is not None:
            return Cue(speaker=speaker, text=match["rest"] or "", start=start)
    return Cue(speaker=speaker, text=rest)


def _speech_follows(name, rest):
    """Rule out colons that are not a speaker's: «kl. 10:30», «Informant 2:30», «https://…»."""
    if rest[:1].isdigit() and name[-1].isdigit():
        return False
    return not rest.startswith("/")


def is_speaker_name(name, *, bracketed=False):
    """Could this be a speaker label? Short, made of name words, not a known header label.

    A name of several words must end in a capitalised word or a number («Kari Nordmann»,
    «Informant 2», «Dr. Hansen»), which rules out sentence starts like «Han sa». In brackets, where
    lower-case annotations such as «[ler]» are common, the name must start with a capital or digit.
    """
    if len(name) > _MAX_NAME_LENGTH or not _NAME_RE.fullmatch(name):
        return False
    if not any(ch.isalpha() for ch in name) or _label_key(name) in _NOT_SPEAKERS:
        return False
    words = name.split(" ")
    if len(words) > 1 and not (words[-1][0].isupper() or words[-1][0].isdigit()):
        return False
    return not bracketed or name[0].isupper() or name[0].isdigit()


def _label_key(name):
    return re.sub(r" \d+$", "", name.lower()).rstrip(".")
