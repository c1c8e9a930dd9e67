"""Speakers' names in speech: the forms a person is called by, and finding them to replace or review.

Speech recognition writes names in any case («hva tenker du, kari?»), and speakers call each
other by first name, surname or in the genitive («Karis forslag»). Every such form is replaced
by the participant's label at import. A name that is also an ordinary word («Per», «Liv»,
«Hans») is replaced when capitalised; in lower case it is listed for the person importing to
decide, since «per år» or «hele livet» must stay as spoken; so is one that opens a sentence
(«Per år …», «Vi har …»), where the capital letter says nothing.
"""

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.conf import settings

from interviews.models import NameWord

NAME_WORDS_FILE = Path(settings.BASE_DIR) / "fixtures" / "names" / "name-words.txt"
SHARED_MASK = "[navn]"
# Where the title's occurrences are listed in a review, instead of a turn number.
TITLE = -1

# Speaker names that are study roles or tool labels, not people: never masked in the speech.
GENERIC_SPEAKER = re.compile(
    r"^(?:speaker[ _]?\d+|spk[ _]?\d+|ukjent|unknown|i|int|intervjuer|intervjuar|interviewer|moderator|"
    r"informant(?: ?\d+)?|deltaker(?: ?\d+)?|respondent(?: ?\d+)?|person ?\d+)$",
    re.IGNORECASE,
)
# Role words in a speaker label («Intervjuer Hansen») are not part of the person's name.
_ROLE_WORDS = {"intervjuer", "intervjuar", "interviewer", "moderator", "informant", "deltaker", "respondent",
               "ukjent", "unknown", "speaker"}
# Between the words of a name in speech: any white space, or a hyphen («Anne-Lise», «Anne Lise»).
_JOINER = r"[\s\-\u2010\u2011]+"
_GENITIVE = r"(?:s|['\u2019]s)"
# After these a capital letter says nothing: a sentence, a quotation or a list item starts.
_SENTENCE_END = ".!?…:;«»\"“”(-–—"
# The context of an occurrence: up to six words either side, spaced as in the speech.
_BEFORE = re.compile(r"(?<!\S)(?:\S+\s+){0,6}\S*$")
_AFTER = re.compile(r"\S*(?:\s+\S+){0,6}")


def _key(text):
    """How two spellings of one name compare: case folded, words joined by one space."""
    return " ".join(re.split(_JOINER, text.strip())).casefold()


def name_forms(speaker) -> list[str]:
    """The names a speaker may be called by: the whole name, it without middle initials, and each part.

    «Kari H. Nordmann» gives «Kari H. Nordmann», «Kari Nordmann», «Kari», «Nordmann»; Teams'
    «Hansen, Kari (Agder fylkeskommune)» gives «Kari Hansen», «Hansen», «Kari». Tool labels
    (SPEAKER_00, Intervjuer), affiliations in parentheses, role words and abbreviations
    («Dr.», «H.») are not names of the person; nor are lower-case particles («van», «de»).
    """
    if GENERIC_SPEAKER.match(speaker.strip()):
        return []
    person = re.sub(r"\([^)]*\)", " ", speaker)
    if "," in person:  # «Surname, Given»: the order people say it
        surname, _comma, given = person.partition(",")
        person = f"{given} {surname}"
    words = person.split()
    names = [w for w in words if len(w) > 1 and w[0].isupper() and not w.endswith(".")
             and w.casefold() not in _ROLE_WORDS]
    forms = []
    for form in [" ".join(words), " ".join(names), *names]:
        for piece in [form, *(re.split(r"[\-\u2010\u2011]", form) if " " not in form else [])]:
            if len(piece) > 1 and piece[0].isupper() and piece not in forms:
                forms.append(piece)
    return forms


@cache
def shipped_name_words() -> frozenset[str]:
    """The names that are also ordinary words, as shipped (case folded)."""
    lines = NAME_WORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().casefold() for line in lines if line.strip() and not line.startswith("#"))


def name_words(project) -> frozenset[str]:
    """The shipped list and the words the study's lead added (case folded)."""
    added = NameWord.objects.filter(project=project).values_list("word", flat=True)
    return shipped_name_words() | {word.casefold() for word in added}


@dataclass(frozen=True)
class Occurrence:
    """A name that is also an ordinary word, in lower case or opening a sentence: the person importing decides."""

    turn: int  # position of the turn, or TITLE
    start: int  # offsets into the turn's speech as composed (white space collapsed)
    end: int
    found: str  # as written, with a genitive if any
    speaker: str  # whose name it is, as written in the file
    before: str  # a few words either side
    after: str

    @property
    def key(self) -> str:
        return f"{'title' if self.turn == TITLE else self.turn}:{self.start}"


class NameMasker:
    """Replaces the speakers' names in speech by «[Label]»; a name two speakers share becomes «[navn]».

    `labels` maps each speaker as found in the file to a participant's label; `words` are the
    names that are also ordinary words (case folded), which in lower case or at the start of a
    sentence are occurrences to review: replaced unless their key is in the `keep` given to `mask`.
    """

    def __init__(self, labels, words=frozenset()):
        self.masks, self.owners, self.words = {}, {}, words
        for speaker, label in labels.items():
            for form in name_forms(speaker):
                key, mask = _key(form), f"[{label}]"
                self.masks[key] = mask if self.masks.get(key, mask) == mask else SHARED_MASK
                self.owners.setdefault(key, speaker)
        alternatives = [
            _JOINER.join(re.escape(word) for word in re.split(_JOINER, form))
            for form in sorted(self.masks, key=len, reverse=True)
        ]
        self.pattern = re.compile(
            r"(?<!\w)(?P<name>" + "|".join(alternatives) + rf")(?P<genitive>{_GENITIVE})?(?!\w)", re.IGNORECASE,
        ) if alternatives else None

    def _reviewable(self, hit):
        """An ordinary word in lower case, or capitalised where any word is: «Per år …», «Vi har …»."""
        name = hit.group("name")
        if _key(name) not in self.words:
            return False
        before = hit.string[max(0, hit.start() - 3):hit.start()].rstrip()
        return name[0].islower() or not before or before[-1] in _SENTENCE_END

    def mask(self, speech, keep=frozenset()):
        """The speech with names replaced; `keep` holds start offsets of reviewable occurrences to leave."""
        if self.pattern is None:
            return speech

        def replace(hit):
            if hit.start() in keep and self._reviewable(hit):
                return hit.group(0)
            return self.masks[_key(hit.group("name"))] + (hit.group("genitive") or "")

        return self.pattern.sub(replace, speech)

    def occurrences(self, speech, turn) -> list[Occurrence]:
        """The lower-case ordinary words among the names in this speech, with their context."""
        if self.pattern is None:
            return []
        found = []
        for hit in self.pattern.finditer(speech):
            if self._reviewable(hit):
                found.append(Occurrence(
                    turn=turn, start=hit.start(), end=hit.end(), found=hit.group(0),
                    speaker=self.owners[_key(hit.group("name"))],
                    # Six words fit in 160 characters; a window keeps a long turn from being rescanned.
                    before=_BEFORE.search(speech, max(0, hit.start() - 160), hit.start()).group(0),
                    after=_AFTER.match(speech, hit.end()).group(0),
                ))
        return found


def speech_of(turn) -> str:
    """A turn's speech as the document holds it, before names are replaced: white space collapsed."""
    return " ".join(turn.text.split())


def occurrences(turns, speakers, words, title="") -> list[Occurrence]:
    """Every lower-case ordinary word among the speakers' names, in the title and in each turn."""
    masker = NameMasker({speaker: speaker for speaker in speakers}, words)
    found = masker.occurrences(" ".join(title.split()), TITLE)
    for position, turn in enumerate(turns):
        found += masker.occurrences(speech_of(turn), position)
    return found
