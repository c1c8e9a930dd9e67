"""The anonymity check of publication exports: find watched names and participant labels in quotes.

Matching rules (docs/formats.md, «Watch list»): case-insensitive, whole words only, with an optional
genitive «s» («Agders»); letters of Norwegian, Sámi and Kven count as word letters, so «Molde»
does not match inside «Moldeklubben»; the words of a name match across any white space and a
hyphen also across «Nord - Fron» or a line break; where names overlap the longest wins
(«Nordre Follo» before «Follo»). A municipality name must start with a capital letter in the
text, because dozens of municipalities are everyday words as well (time, sola, stranda, loppa).
A watched person's name is also matched by each of its parts («Kari», «Nordmann» of «Kari H.
Nordmann»), in any case, except a part that is also an ordinary word («Per», «Liv»; see
interviews.names), which like a municipality must start with a capital letter.
"""

import dataclasses
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from coding.models import WatchName
from coding.quotes import speaker_kind
from interviews.importers import UNKNOWN_SPEAKER
from interviews.models import Participant, ParticipantRole
from interviews.names import name_forms, name_words

MASKS = {"county": "[fylke]", "municipality": "[kommune]", "person": "[navn]", "other": "[navn]", "label": "[navn]"}
# A part of a watched person's name that is also an ordinary word: matched only with a capital,
# and reported as the person it belongs to.
_PERSON_WORD = "person_word"
CHOICES = ("keep", "mask", "drop")

# Where two entries fold to the same key («Oslo» a county and «oslo» added by hand), the first
# kind here wins: the narrower mask, and the case-insensitive rule, beat the bulk-loaded lists.
_PRIORITY = ["person", "label", "other", "county", "municipality", _PERSON_WORD]
_CAPITAL_ONLY = {"municipality", _PERSON_WORD}
_DASHES = "-\u2010\u2011\u2012\u2013"  # hyphen-minus, hyphen, non-breaking hyphen, figure and en dash
_SPACE, _DASH = " ", "-"
_GENITIVE = r"(?:s|['\u2019]s)?"


@dataclass
class Match:
    name: str  # the watched name (or participant label) as written on the list
    kind: str  # a WatchName kind, or "label" for a participant label
    start: int  # offsets into the quote's text
    end: int


@dataclass
class Finding:
    quote: object  # a coding.exports.quotes.Quote
    matches: list[Match]
    # Nobody has said who speaks (a turn of «Ukjent»): left out unless the lead keeps it.
    unattributed: bool = False

    @property
    def default_choice(self) -> str:
        """What happens to the quote when nobody chose: drop what is unattributed, mask names."""
        return "drop" if self.unattributed else "mask"


def watched(project) -> list[tuple[str, str]]:
    """(name, kind): the study's watch list and the labels of its participants (not «Intervjuer», «Ukjent»)."""
    names = list(WatchName.objects.filter(project=project).order_by("kind", "name").values_list("name", "kind"))
    labels = (
        Participant.objects.filter(project=project).exclude(role=ParticipantRole.INTERVIEWER)
        .exclude(label=UNKNOWN_SPEAKER).order_by("label").values_list("label", flat=True)
    )
    parts = _person_parts(project, names)
    capital_only = {name for name, kind in parts if kind == _PERSON_WORD}
    names = [(name, kind) for name, kind in names if not (kind == WatchName.Kind.PERSON and name in capital_only)]
    return names + parts + [(label, "label") for label in labels]


def _person_parts(project, names):
    """Each part of each watched person's name, and the name without middle initials.

    A part that is also an ordinary word is capital-only; so is a one-word name that is one.
    """
    persons = [name for name, kind in names if kind == WatchName.Kind.PERSON]
    words = name_words(project) if persons else frozenset()
    parts = []
    for name in persons:
        # A name typed in lower case on the list still has parts: «kari nordmann» as «Kari Nordmann».
        forms = name_forms(name if any(c.isupper() for c in name) else name.title())
        parts += [(form, _PERSON_WORD if form.casefold() in words else "person") for form in forms[1:]]
        if name.casefold() in words:
            parts.append((name, _PERSON_WORD))
    return parts


def findings(project, quotes) -> list[Finding]:
    """The quotes whose text holds a watched name or a participant label, or whose speaker nobody has
    assigned, in the quotes' order.

    Plan excerpts are left out: plans are public and a publication export names their county
    («(Planstrategi, Vestland, s. 12)»). A quote given twice (the same excerpt id) is reported
    once, at its first place, since the choice made for it applies to every copy.
    """
    matcher = _matcher(tuple(watched(project)))
    found, seen = [], set()
    for quote in quotes:
        key = getattr(quote, "excerpt_id", None)
        if getattr(quote, "kind", "") == "plan" or (key is not None and key in seen):
            continue
        matches = matcher.matches(quote.text)
        unattributed = speaker_kind(quote) == "unattributed"
        if matches or unattributed:
            found.append(Finding(quote=quote, matches=matches, unattributed=unattributed))
            if key is not None:
                seen.add(key)
    return found


def apply(project, quotes, decisions: dict[int, str]) -> list:
    """The quotes with the choices applied: «drop» leaves a quote out, «mask» replaces its names.

    Quotes without a choice, or with «keep», come back unchanged (the same objects).
    """
    decisions = {int(excerpt_id): choice for excerpt_id, choice in decisions.items()}
    if unknown := sorted({choice for choice in decisions.values() if choice not in CHOICES}, key=str):
        raise ValueError(f"unknown anonymity choice: {', '.join(map(repr, unknown))}")
    matcher = None
    result = []
    for quote in quotes:
        choice = decisions.get(quote.excerpt_id, "keep")
        if choice == "drop":
            continue
        if choice == "mask":
            matcher = matcher or _matcher(tuple(watched(project)))
            quote = dataclasses.replace(quote, text=mask(quote.text, matcher.matches(quote.text)))
        result.append(quote)
    return result


def mask(text, matches):
    """The text with each match replaced by the mask of its kind."""
    for match in sorted(matches, key=lambda m: m.start, reverse=True):
        text = text[:match.start] + MASKS[match.kind] + text[match.end:]
    return text


def _key(text):
    """What a name and a text that matches it have in common: lower case, no spaces or dashes."""
    return "".join(c for c in unicodedata.normalize("NFC", text).lower() if not c.isspace() and c not in _DASHES)


def _atoms(name):
    """The name as a list of trie keys: letters in lower case, one key per run of space, per dash."""
    atoms = []
    for part in re.findall(rf"\s*[{_DASHES}]\s*|\s+|.", unicodedata.normalize("NFC", name.strip())):
        if part.isspace():
            atoms.append(_SPACE)
        elif part.strip() and part.strip() in _DASHES:
            atoms.append(_DASH)
        else:
            atoms.append(part.lower())
    return atoms


def _atom_pattern(atom):
    if atom == _SPACE:
        return r"\s+"
    if atom == _DASH:
        return rf"(?:\s*[{_DASHES}]\s*|\s+)"
    return re.escape(atom)


def _trie_pattern(node):
    """A regex for the names under a trie node; greedy, so a longer name is tried before a shorter one."""
    branches = [_atom_pattern(atom) + _trie_pattern(child) for atom, child in sorted(node.items()) if atom != ""]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    return f"(?:{body})?" if "" in node else body


class _Matcher:
    """One compiled pattern for a study's names: a trie of the names, so 400 names cost little more than one."""

    def __init__(self, entries):
        self.by_key = {}
        for name, kind in sorted(entries, key=lambda entry: _PRIORITY.index(entry[1])):
            if len(key := _key(name)) >= 1:
                self.by_key.setdefault(key, (name, kind))
        self.pattern = _compile(self.by_key.values())
        # The names any case may write: tried where a capital-only name was found in lower case,
        # so that «nore og uvdal» still shows the person «Nore».
        self.any_case = _compile(entry for entry in self.by_key.values() if entry[1] not in _CAPITAL_ONLY)

    def _accepted(self, hit):
        entry = self.by_key.get(_key(hit.group("name"))) if hit else None
        if entry is None or (entry[1] in _CAPITAL_ONLY and not hit.group("name")[0].isupper()):
            return None
        kind = "person" if entry[1] == _PERSON_WORD else entry[1]
        return Match(name=entry[0], kind=kind, start=hit.start(), end=hit.end())

    def matches(self, text) -> list[Match]:
        found, position = [], 0
        while self.pattern and (hit := self.pattern.search(text, position)):
            match = self._accepted(hit) or (self.any_case and self._accepted(self.any_case.match(text, hit.start())))
            if match is None:
                position = hit.start() + 1  # a later word inside the refused span may still be a name
                continue
            found.append(match)
            position = match.end
        return found


def _compile(entries):
    """One pattern for the names: a trie, so that 400 names cost little more than one; None for none."""
    trie = {}
    for name, _kind in entries:
        node = trie
        for atom in _atoms(name):
            node = node.setdefault(atom, {})
        node[""] = {}
    if not trie:
        return None
    return re.compile(rf"(?<!\w)(?P<name>{_trie_pattern(trie)}){_GENITIVE}(?!\w)", re.IGNORECASE)


@lru_cache(maxsize=16)
def _matcher(entries):
    return _Matcher(entries)
