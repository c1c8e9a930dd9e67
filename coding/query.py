"""The search query language: terms, phrases, AND/OR/NOT (OG/ELLER/IKKE), parentheses and NEAR/n.

A small recursive-descent parser turns a query into a tree of Term, Any (or), All (and), Not and
Near nodes; coding/search.py evaluates the tree per document. Terms side by side without an
operator mean «any of them», as the team's keyword lists always did. Operators are written in
capitals (so that «og» and «ikke» stay searchable words). A term is matched anywhere inside a
word by default; `^innv` matches at the start of a word, `=innv` the whole word.
"""

import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

from planner.textindex import WORD

# Words; NEAR/n with a larger n is refused. Pairs are found within a chunk and its overlap into the next
# (planner.textindex.OVERLAP, 200 characters), which twenty words and the two terms fit in.
NEAR_MAX = 20
MODES = ("infix", "start", "word")  # inside words, at the start of words, whole words
_PREFIXES = {"^": "start", "=": "word"}
_OPERATORS = {"AND": "and", "OG": "and", "OR": "or", "ELLER": "or", "NOT": "not", "IKKE": "not"}
_TOKEN = re.compile(
    r"""\s*(?:
      (?P<open>\()
    | (?P<close>\))
    | (?P<near>(?:NEAR|NÆR)(?:/(?P<distance>\S*?))?)(?=[\s()"«“]|$)
    | (?P<prefix>[\^=])?(?:"(?P<q1>[^"]*)(?P<e1>"?)|«(?P<q2>[^»]*)(?P<e2>»?)|“(?P<q3>[^”]*)(?P<e3>”?))
    | (?P<word>[\^=]?[^\s()"«“]+)
    )""",
    re.VERBOSE,
)


class QueryError(ValueError):
    """A query that cannot be read; the message says why, in the user's language."""


@dataclass(frozen=True)
class Term:
    label: str
    words: tuple
    phrase: bool
    mode: str = "infix"

    def leaves(self):
        return [self]

    @property
    def key(self):
        """Terms with one key find the same hits, whatever their label."""
        return self.words, self.phrase, self.mode

    @property
    def needle(self):
        """The lowercased text every match holds: the word, or the phrase's words with single spaces."""
        return " ".join(self.words)


@dataclass(frozen=True)
class Any:
    children: tuple

    def leaves(self):
        return [leaf for child in self.children for leaf in child.leaves()]


@dataclass(frozen=True)
class All:
    children: tuple

    def leaves(self):
        return [leaf for child in self.children for leaf in child.leaves()]


@dataclass(frozen=True)
class Not:
    child: object

    def leaves(self):
        return self.child.leaves()


@dataclass(frozen=True)
class Near:
    left: object
    right: object
    distance: int

    def leaves(self):
        return self.left.leaves() + self.right.leaves()

    @property
    def label(self):
        return f"{_label(self.left)} NEAR/{self.distance} {_label(self.right)}"


def _label(node):
    if isinstance(node, Term):
        return node.label
    if isinstance(node, Near):
        return node.label
    return "(…)"


def positive_leaves(node):
    """The terms whose hits a query shows: every term not under a NOT."""
    if isinstance(node, Not):
        return []
    if isinstance(node, Term):
        return [node]
    if isinstance(node, Near):
        return positive_leaves(node.left) + positive_leaves(node.right)
    return [leaf for child in node.children for leaf in positive_leaves(child)]


def _tokens(query, mode):
    tokens, position = [], 0
    query = query or ""
    while position < len(query):
        match = _TOKEN.match(query, position)
        if match is None or match.end() == position:
            if query[position:].strip():
                raise QueryError(_("The search could not be read near «%(text)s».") % {"text": query[position:][:20]})
            break
        position = match.end()
        if match["open"]:
            tokens.append(("open", "("))
        elif match["close"]:
            tokens.append(("close", ")"))
        elif match["near"]:
            distance = match["distance"]
            if not distance or not distance.isdigit() or not 1 <= int(distance) <= NEAR_MAX:
                raise QueryError(_("Write NEAR with a number of words from 1 to %(max)s, as in «distrikt NEAR/3 "
                                   "kommun».") % {"max": NEAR_MAX})
            tokens.append(("near", int(distance)))
        elif match["word"] is not None and match["word"] in _OPERATORS:
            tokens.append((_OPERATORS[match["word"]], match["word"]))
        else:
            term = _term(match, mode)
            if term is not None:
                tokens.append(("term", term))
    return tokens


def _with_aa(term):
    """The term, or it and its spellings with «aa» for «å» and «å» for «aa» (one label, one count)."""
    variants = {term.words}
    for old, new in (("å", "aa"), ("aa", "å")):
        variants.add(tuple(word.replace(old, new) for word in term.words))
    if len(variants) == 1:
        return term
    return Any(tuple(Term(label=term.label, words=words, phrase=term.phrase, mode=term.mode)
                     for words in sorted(variants)))


def _term(match, mode):
    for quoted, closed in (("q1", "e1"), ("q2", "e2"), ("q3", "e3")):
        if match[quoted] is not None:
            if not match[closed]:
                raise QueryError(_("A quotation mark is not closed."))
            raw = match[quoted]
            label = match.group().strip()
            prefix = match["prefix"]
            break
    else:
        label = raw = match["word"]
        prefix = raw[0] if raw[0] in _PREFIXES else None
        raw = raw[1:] if prefix else raw
    words = tuple(WORD.findall(raw.lower()))
    if not words:
        return None  # no letters or digits: nothing to look for (as before)
    term_mode = _PREFIXES.get(prefix, mode)
    # A phrase holds whole words in their order; so does a word that punctuation split («e-post»).
    return Term(label=label, words=words, phrase=len(words) > 1, mode="word" if len(words) > 1 else term_mode)


def _near_operand(node):
    """NEAR joins terms, phrases, OR-groups of them and other NEARs: AND and NOT are about documents."""
    if isinstance(node, (All, Not)) or (isinstance(node, Any) and not all(
            isinstance(child, (Term, Any, Near)) for child in node.children)):
        raise QueryError(_("NEAR joins terms, phrases and groups joined with OR, not AND or NOT."))
    if isinstance(node, Any):
        for child in node.children:
            _near_operand(child)
    return node


class _Parser:
    def __init__(self, tokens):
        self.tokens, self.index = tokens, 0

    def peek(self):
        return self.tokens[self.index][0] if self.index < len(self.tokens) else None

    def take(self):
        token = self.tokens[self.index]
        self.index += 1
        return token

    def any_of(self):  # or: explicit OR, or terms side by side
        children = [self.all_of()]
        while self.peek() in {"or", "term", "open"}:
            if self.peek() == "or":
                self.take()
                if self.peek() in {None, "close", "or", "and", "near"}:
                    raise QueryError(_("OR needs a term after it."))
            children.append(self.all_of())
        return children[0] if len(children) == 1 else Any(tuple(children))

    def all_of(self):  # and; «a NOT b» means a AND NOT b
        children = [self.negated()]
        while self.peek() in {"and", "not"}:
            if self.take()[0] == "not":
                children.append(Not(self.operand(_("NOT"))))
                continue
            if self.peek() in {None, "close", "or", "and", "near"}:
                raise QueryError(_("AND needs a term after it."))
            children.append(self.negated())
        return children[0] if len(children) == 1 else All(tuple(children))

    def negated(self):
        if self.peek() == "not":
            self.take()
            return Not(self.operand(_("NOT")))
        return self.near()

    def operand(self, operator):
        if self.peek() in {None, "close", "or", "and", "near"}:
            raise QueryError(_("%(operator)s needs a term after it.") % {"operator": operator})
        return self.negated()

    def near(self):
        node = self.primary()
        while self.peek() == "near":
            distance = self.take()[1]
            if self.peek() not in {"term", "open"}:
                raise QueryError(_("NEAR needs a term on each side, as in «distrikt NEAR/3 kommun»."))
            node = Near(_near_operand(node), _near_operand(self.primary()), distance)
        return node

    def primary(self):
        kind = self.peek()
        if kind == "term":
            return self.take()[1]
        if kind == "open":
            self.take()
            if self.peek() == "close":
                raise QueryError(_("The parentheses hold nothing."))
            node = self.any_of()
            if self.peek() != "close":
                raise QueryError(_("A parenthesis is not closed."))
            self.take()
            return node
        if kind == "close":
            raise QueryError(_("A closing parenthesis has no opening one."))
        if kind == "near":
            raise QueryError(_("NEAR needs a term on each side, as in «distrikt NEAR/3 kommun»."))
        if kind is None:
            raise QueryError(_("The search ends where a term was expected."))
        raise QueryError(_("%(operator)s needs a term before it.") % {"operator": self.tokens[self.index][1]})


def parse(query, mode="infix", *, aa=False):
    """The tree of a query, or None for a query with no terms; QueryError says what is wrong.

    `aa`: the old spelling «aa» and «å» find each other («Aalesund» and «Ålesund»), only when asked."""
    if mode not in MODES:
        mode = "infix"
    tokens = _tokens(query, mode)
    if aa:
        tokens = [(kind, _with_aa(value) if kind == "term" else value) for kind, value in tokens]
    if not tokens:
        return None
    parser = _Parser(tokens)
    node = parser.any_of()
    if parser.index < len(tokens):
        kind, value = tokens[parser.index]
        if kind == "close":
            raise QueryError(_("A closing parenthesis has no opening one."))
        raise QueryError(_("The search could not be read near «%(text)s».") % {"text": value})
    if not positive_leaves(node):
        raise QueryError(_("Give at least one term that is not negated with NOT."))
    return node
