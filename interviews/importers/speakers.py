"""Cut the lines of a plain-text transcript (.txt lines, Word paragraphs) into cues at speaker lines.

Shared by the .txt and .docx importers; docs/formats.md lists the forms recognised.
"""

import re

from .base import Cue, ImporterError, merge_cues, normalise, parse_timestamp

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
_BRACKET = re.compile(r"^\[(?P<name>[^\[\]]{1,40})\](?: ?:)? ?(?P<rest>.*)$")
_COLON = re.compile(rf"^(?P<name>{_NAME}) ?:(?P<rest>.*)$")

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
) | {"til stede", "transkribert av", "kort pause", "lang pause"}


def turns_from_lines(lines, *, name):
    """Turns from the lines of a transcript; ImporterError naming the file when it holds no speech."""
    lines = list(lines)
    turns = merge_cues(parse_speaker_lines(lines))
    if turns:
        return turns
    if any(line.strip() for line in lines):
        raise ImporterError(f"{name} har ingen tekst å importere, bare talernavn.")
    raise ImporterError(f"{name} er tom.")


def parse_speaker_lines(lines):
    """Cues from transcript lines: a speaker line opens a cue, other lines continue it.

    A line may hold line breaks of its own (a Word paragraph with soft breaks): each part counts
    as a line. Blank lines do not end a turn. Text before the first speaker line is a cue without
    speaker, which merge_cues gives to the «Ukjent» speaker.
    """
    cues = []
    for paragraph in lines:
        for line in _LINE_BREAKS.split(normalise(paragraph)):
            line = _SPACES.sub(" ", line).strip().lstrip(_INVISIBLE_LEAD).strip()
            if not line:
                continue
            cue = parse_line(line)
            if cue is not None:
                cues.append(cue)
            elif cues:
                last = cues[-1]
                last.text = f"{last.text}\n{line}" if last.text else line
            else:
                cues.append(Cue(speaker=None, text=line))
    return cues


def is_speaker_line(line):
    """True when the line would open a speaker's cue."""
    cue = parse_line(_SPACES.sub(" ", line).strip())
    return cue is not None and cue.speaker is not None


def parse_line(line):
    """The cue a single cleaned line opens, or None when the line continues the current speech.

    Whisper's console form «[00:00.000 --> 00:04.000] text» opens a timed cue with no speaker, so
    its times reach the turn while its text joins the current speaker.
    """
    whisper = _WHISPER_RANGE.match(line)
    if whisper:
        start, end = parse_timestamp(whisper[1]), parse_timestamp(whisper[2])
        if start is not None and end is not None:
            cue = _speaker_cue(whisper[3]) or Cue(speaker=None, text=whisper[3])
            cue.start, cue.end = start, end
            return cue
    return _speaker_cue(line)


def _speaker_cue(line):
    """A leading time («[00:01:12] Kari: …», «00:00:05 Speaker 1») belongs to the speaker line."""
    match = _TIME_PREFIX.match(line)
    if match and _brackets_pair(match["open"], match["close"]):
        start = parse_timestamp(match["time"])
        cue = _named_cue(match["rest"]) or _time_name_header(match)
        if start is not None and cue is not None:
            cue.start = start
            return cue
    return _named_cue(line)


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


def _named_cue(line):
    """`Name 00:12`, `[Name] speech`, `[Name]: speech`, `Name: speech`, or None."""
    match = _NAME_TIME.match(line)
    if match and is_speaker_name(match["name"]):
        start = parse_timestamp(match["time"])
        if start is not None:
            return Cue(speaker=match["name"], text="", start=start)
    match = _BRACKET.match(line)
    if match and is_speaker_name(match["name"].strip(), bracketed=True):
        return Cue(speaker=match["name"].strip(), text=match["rest"].strip())
    match = _COLON.match(line)
    if match and is_speaker_name(match["name"]) and _speech_follows(match["name"], match["rest"]):
        return Cue(speaker=match["name"], text=match["rest"].strip())
    return None


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
