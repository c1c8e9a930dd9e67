"""Recognise a speaker prefix at the start of subtitle speech: «Kari Nordmann: …», «[SPEAKER_00]: …».

Also noScribe's mark of overlapping speech, a voice written «//S02», which is no speaker of its own.

The rules are conservative on purpose: a wrongly split sentence is worse than a missed name.
"""

import re

# WhisperX diarisation labels. Only these may go without a colon: a bare «[Musikk]» is a sound note.
_DIARISED = re.compile(r"(?:\[(SPEAKER_\d+)\]:?|(SPEAKER_\d+):)\s*", re.IGNORECASE)

# «Name: text» or «[Name]: text». The colon must be followed by white space, so «10:30» never matches.
_NAMED = re.compile(r"(?:\[([^\[\]\n:]{1,60})\]|([^\[\]\n:]{1,60})):\s+(?=\S)")

_NAME_CHARS = re.compile(r"[\w .,'’()\-]+")
_PARENTHESES = re.compile(r"\([^()]*\)")
_CLOCK_WORDS = re.compile(r"(?:kl\.?|klokka|klokken)(?:\s|$)", re.IGNORECASE)

# Labels and sentence openers that look like a one-word name before a colon but never are
# («Spørsmålet: hva gjør vi?»). Speech recognition writes them at a segment's start, where one
# taken for a speaker would swallow every later segment of a file without speakers.
SENTENCE_OPENERS = frozenset(
    """
    altså dvs eksempel husk merk nb note notat obs punkt sitat spørsmålet svaret tips viktig
    problemet poenget utfordringen målet grunnen konklusjonen resultatet
    """.split()
)

MAX_NAME_LENGTH = 40
MAX_NAME_WORDS = 4

# Lower-case name particles that may sit between capitalised words («Ludwig van Beethoven»).
_PARTICLES = frozenset({"af", "al", "av", "bin", "da", "de", "del", "den", "der", "di", "du", "la", "le", "van", "von"})


def split_speaker(text):
    """Split «Name: speech» into (name, speech); (None, text) when the start is not a speaker name."""
    match = _DIARISED.match(text)
    if match:
        return (match.group(1) or match.group(2)), text[match.end():]
    match = _NAMED.match(text)
    if match:
        name = " ".join((match.group(1) or match.group(2)).split())
        if looks_like_name(name):
            return name, text[match.end():]
    return None, text


def looks_like_name(name):
    """True for short capitalised names such as «Dr. Ola Nordmann» or «Hansen, Kari (NAV)»."""
    if not name or len(name) > MAX_NAME_LENGTH or not _NAME_CHARS.fullmatch(name):
        return False
    if not any(ch.isalpha() for ch in name) or _CLOCK_WORDS.match(name):
        return False
    # Words in parentheses are an affiliation, which may be written in lower case.
    words = _PARENTHESES.sub(" ", name).replace(",", " ").split()
    if not words or len(words) > MAX_NAME_WORDS or name.rstrip().endswith((",", "-")):
        return False
    if not words[0][0].isupper() or (len(words) == 1 and words[0].rstrip(".").lower() in SENTENCE_OPENERS):
        return False
    return all(word[0].isupper() or word[0].isdigit() or word in _PARTICLES for word in words[1:])


# noScribe writes a voice that talks over the current speaker as «//S02» (in .vtt «<v //S02>»; in its
# text «… //S02: Mm.// …»). Such a voice is part of the current turn, never a new participant.
OVERLAP_MARK = "//"


def overlap_speech(voice, text):
    """«//S02: Mm.//» for an overlapping voice, as noScribe writes it in its text; None for any other voice."""
    if not voice or not voice.startswith(OVERLAP_MARK):
        return None
    name = voice[len(OVERLAP_MARK):].strip()
    return f"{OVERLAP_MARK}{name}: {text}{OVERLAP_MARK}" if name else f"{OVERLAP_MARK}{text}{OVERLAP_MARK}"
