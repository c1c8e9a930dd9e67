"""The coded document as HTML: paragraphs cut into segments at excerpt boundaries.

Every piece of text sits in a `<span class="seg" data-o="N">`, N being the code-point offset
of its first character in Document.text; static/js/coding/selection.js turns a browser selection
into offsets from these. Segments covered by excerpts carry their ids and theme colours.
Rows are keyed by the offset where their paragraph starts, so one paragraph can be rendered
again on its own after a change, without reading the whole document. A page shows a window of
whole paragraphs (`document_window`) and loads its neighbours as the reader scrolls; offsets
stay absolute, so a selection that spans two windows maps the same.
"""

import bisect
from dataclasses import dataclass, field

from django.utils.html import escape
from django.utils.translation import gettext as _

from coding.models import Coding
from planner.compiled import CompiledRead
from planner.models import Document
from planner.textindex import text_slice

MAX_STRIPES = 3


@dataclass
class ExcerptMark:
    id: int
    start: int
    end: int
    colours: list = field(default_factory=list)
    names: list = field(default_factory=list)
    is_key: bool = False
    text_changed: bool = False


def _marks(codings):
    return codings.order_by("excerpt__start", "-excerpt__end", "theme__position", "theme__name").values_list(
        "excerpt_id", "excerpt__start", "excerpt__end", "excerpt__is_key", "theme__colour", "theme__name",
        "excerpt__text_changed")


def _overlapping(document_id, start):
    return Coding.objects.filter(excerpt__document_id=document_id, excerpt__end__gt=start)


# Every window and every change of the coding view reads these (planner.compiled).
_MARKS_IN = CompiledRead(
    lambda document_id, start, end: _marks(_overlapping(document_id, start).filter(excerpt__start__lt=end)),
    document_id=int, start=int, end=int)
_OWN_MARKS_IN = CompiledRead(
    lambda document_id, start, end, coder_id: _marks(_overlapping(document_id, start).filter(
        excerpt__start__lt=end, excerpt__coder_id=coder_id)),
    document_id=int, start=int, end=int, coder_id=int)


def marks_for(document_id, start=0, end=None, coder_id=None):
    """The excerpts overlapping [start, end) with their themes' colours, in one query; `coder_id`: only
    that user's (a document coded blind, coding.access.own_excerpts_only).

    Every excerpt has at least one theme, so reading the codings finds every excerpt.
    """
    if end is None:
        codings = _overlapping(document_id, start)
        rows = _marks(codings if coder_id is None else codings.filter(excerpt__coder_id=coder_id))
    elif coder_id is None:
        rows = _MARKS_IN(document_id=document_id, start=start, end=end)
    else:
        rows = _OWN_MARKS_IN(document_id=document_id, start=start, end=end, coder_id=coder_id)
    marks = {}
    for excerpt_id, a, b, is_key, colour, name, changed in rows:
        mark = marks.get(excerpt_id)
        if mark is None:
            mark = marks[excerpt_id] = ExcerptMark(id=excerpt_id, start=a, end=b, is_key=is_key, text_changed=changed)
        mark.colours.append(colour)
        mark.names.append(name)
    return list(marks.values())


def paragraphs(text, offset=0):
    """(start, end) of each line of `text`, shifted by `offset`; end excludes the line break."""
    start = 0
    for line in text.split("\n"):
        yield offset + start, offset + start + len(line)
        start += len(line) + 1


@dataclass(frozen=True)
class Pages:
    """The pages of a plan's text (Document.page_starts): which start in a paragraph, which holds a place."""

    document: Document

    @classmethod
    def of(cls, document):
        return cls(document) if document.page_starts else None

    def starting_in(self, start, end):
        """The numbers of the pages whose first character lies in the paragraph [start, end]."""
        starts, first = self.document.page_starts, self.document.first_page  # sorted: found, not scanned
        return [first + i for i in range(bisect.bisect_left(starts, start), bisect.bisect_right(starts, end))]

    def at(self, offset):
        return self.document.page_at(offset)


def page_label(number):
    return _("p. %(page)s") % {"page": number}


def render_rows(text, offset, marks, turns=None, pages=None):
    """HTML rows for the paragraphs of text (which starts at `offset` of the document).

    `turns`: per paragraph start, the turn that starts there (a transcript); `pages`: a plan's Pages."""
    turns = turns or {}
    rows = []
    marks = sorted(marks, key=lambda m: (m.start, -m.end))
    active, following = [], 0  # a sweep: marks open at this paragraph, and the next to open
    for start, end in paragraphs(text, offset):
        while following < len(marks) and marks[following].start < max(end, start + 1):
            active.append(marks[following])
            following += 1
        active = [m for m in active if m.end > start]
        rows.append((start, _row(text, offset, start, end, active, turns.get(start), pages)))
    return rows


def _row(text, offset, start, end, marks, turn, pages=None):
    cuts = {start, end}
    for mark in marks:
        cuts.update(c for c in (mark.start, mark.end) if start < c < end)
    if turn and start < turn["speech_start"] < end:
        cuts.add(turn["speech_start"])
    cuts = sorted(cuts)
    pieces = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        covering = [m for m in marks if m.start <= a and m.end >= b]
        label = turn is not None and b <= turn["speech_start"]
        pieces.append(_segment(text[a - offset:b - offset], a, covering, label))
    chips = "".join(_chip(m, pages) for m in marks)
    gutter, about = "", ""
    if turn:
        gutter = f'<span class="time">{escape(turn["time"])}</span>' if turn.get("time") else ""
        if turn.get("speaker"):  # not in the text: shown beside it, never selected or counted
            gutter = f'<span class="speaker-tag">{escape(turn["speaker"])}</span>{gutter}'
        # Who speaks and when, for the caret's announcement (static/js/coding/caret.js).
        about = f' data-speaker="{escape(turn.get("label", ""))}" data-time="{escape(turn.get("time", ""))}"'
        if turn.get("seconds") is not None:  # the player plays a turn from here (static/js/player.js)
            about += f' data-seconds="{turn["seconds"]:g}"'
    if pages:
        gutter += "".join(f'<span class="page-start">{escape(page_label(n))}</span>'
                          for n in pages.starting_in(start, end))
    # Gutter and margin are no place for the caret: contenteditable="false" makes them one step to pass.
    return (
        f'<div class="row" id="row-{start}"{about} data-start="{start}" data-end="{end}">'
        f'<div class="gutter" contenteditable="false" aria-hidden="true">{gutter}</div>'
        f'<p class="para" data-start="{start}" data-end="{end}">{"".join(pieces) or _empty(start)}</p>'
        f'<div class="margin" contenteditable="false">{chips}</div></div>'
    )


def _empty(start):
    return f'<span class="seg" data-o="{start}"></span>'


def _segment(piece, start, covering, label):
    classes = "seg label" if label else "seg"
    if not covering:
        return f'<span class="{classes}" data-o="{start}">{escape(piece)}</span>'
    # The innermost (shortest) excerpt is opened by a click; all show as stripes.
    covering = sorted(covering, key=lambda m: m.end - m.start)
    colours = [m.colours[0] if m.colours else "#888888" for m in covering][:MAX_STRIPES]
    style = ";".join(f"--c{i + 1}:{c}" for i, c in enumerate(colours))
    ids = " ".join(str(m.id) for m in covering)
    return (f'<span class="{classes} coded n{len(colours)}" data-o="{start}" data-ex="{ids}" '
            f'style="{style}">{escape(piece)}</span>')


def _chip(mark, pages=None):
    swatches = "".join(f'<i style="--chip:{c}"></i>' for c in mark.colours)
    page = f" · {page_label(pages.at(mark.start))}" if pages else ""
    changed = " · " + _("text changed") if mark.text_changed else ""
    title = escape(", ".join(mark.names) + page + changed)
    key = (" key" if mark.is_key else "") + (" text-changed" if mark.text_changed else "")
    return (f'<button type="button" class="excerpt-chip{key}" data-excerpt="{mark.id}" title="{title}" '
            f'aria-label="{title}">{swatches}</button>')


def window_rows(document_id, start, end, turns_for=None, length=None, pages=None, coder_id=None):
    """Re-render only the paragraphs that [start, end) touches, reading only their text."""
    return rows_in(document_id, *paragraph_window(document_id, start, end, length), turns_for, pages, coder_id)


def rows_in(document_id, window_start, text, turns_for=None, pages=None, coder_id=None):
    """The rows of the whole paragraphs `text`, which starts at `window_start`, with the excerpts there now."""
    marks = marks_for(document_id, window_start, window_start + len(text) + 1, coder_id)
    turns = turns_for(window_start, window_start + len(text)) if turns_for else None
    return render_rows(text, window_start, marks, turns, pages)


def paragraph_window(document_id, start, end, length=None, reach=2000):
    """(offset, text) of the whole paragraphs around [start, end), widening the window as needed."""
    if length is None:
        length = Document.objects.values_list("length", flat=True).get(pk=document_id)
    while True:
        a, b = max(0, start - reach), min(length, end + reach)
        piece = text_slice(document_id, a, b)
        head = piece.rfind("\n", 0, start - a)
        tail = piece.find("\n", max(end - a, start - a))
        if (head != -1 or a == 0) and (tail != -1 or b == length):
            begin = head + 1 if head != -1 else 0
            stop = tail if tail != -1 else len(piece)
            return a + begin, piece[begin:stop]
        reach *= 4


# A window of the coding view: enough text to read on for a while, little enough that the first
# page of a 3-hour transcript stays under 300 KB of HTML (a row costs about 300 bytes of markup).
WINDOW_CHARS = 30_000


@dataclass
class Window:
    """Whole paragraphs [start, end) of a document, rendered; `earlier`/`later`: text lies beyond."""

    start: int
    end: int
    rows: list
    earlier: bool
    later: bool

    @property
    def next_start(self):
        return self.end + 1  # past the line break that ends the window


def text_window(document_id, length, *, at=0, upto=None, budget=None):
    """(start, text) of whole paragraphs of about `budget` characters, read from the chunks.

    From the paragraph that holds `at`; or, given `upto` (a paragraph start), the paragraphs
    that end just before it, for reading upward.
    """
    budget = budget or WINDOW_CHARS
    if upto is not None:
        end = min(max(0, upto - 1), length)
        return paragraph_window(document_id, max(0, end - budget), end, length)
    at = min(max(0, at), length)
    return paragraph_window(document_id, at, min(length, at + budget), length)


def document_window(document, turns_for=None, *, at=0, upto=None, budget=None, coder_id=None):
    """The rendered window of `document` (which may have its text deferred): offsets stay absolute."""
    start, text = text_window(document.pk, document.length, at=at, upto=upto, budget=budget)
    end = start + len(text)
    marks = marks_for(document.pk, start, end + 1, coder_id)
    rows = render_rows(text, start, marks, turns_for(start, end) if turns_for else None, Pages.of(document))
    return Window(start=start, end=end, rows=[html for _start, html in rows], earlier=start > 0,
                  later=end < document.length)
