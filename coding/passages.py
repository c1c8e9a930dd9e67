"""Passages around a position in a text: the sentence a search hit stands in, and its neighbours."""

import re

# A sentence ends at . ! ? or … followed by white space, or at a line break: in a transcript every
# one (a turn ends there); in a plan's PDF text only a blank line, since a single line break is
# where the page's line ended, inside a sentence (coding.quotes.shown_text joins it).
_END = re.compile(r"[.!?…]+[»”\")\]]*(?=\s)|\n")
_END_IN_PDF = re.compile(r"[.!?…]+[»”\")\]]*(?=\s)|\n[ \t]*\n")


def sentence_around(text, start, end, *, pdf=False):
    """The span of the sentence(s) holding [start, end): from the previous sentence end to the next.

    `pdf` for a plan's text, whose single line breaks do not end sentences."""
    ends = _END_IN_PDF if pdf else _END
    begin = _last_end(ends, text, start)
    stop = len(text)
    match = ends.search(text, end)
    if match:
        stop = match.end()
    return _trim(text, begin, stop)


def _last_end(ends, text, start):
    """Where the last sentence end before `start` ends (0 if none): looked for in a window before `start`
    that doubles until it holds one, so that a hit deep in a long plan does not read all the text before it.
    A match must start clear of the window's edge, where a longer end («.»)») could begin outside it."""
    window = 512
    while True:
        low = max(0, start - window)
        begin = None
        for match in ends.finditer(text, low, start):
            if low == 0 or match.start() > low + 8:
                begin = match.end()
        if begin is not None or low == 0:
            return begin or 0
        window *= 4


def extend(text, start, end, *, backward=0, forward=0, pdf=False):
    """Grow [start, end) by whole sentences before and after."""
    for _ in range(backward):
        if start > 0:
            start, _stop = sentence_around(text, max(0, _prev_nonspace(text, start)), max(0, start - 1) + 1, pdf=pdf)
    for _ in range(forward):
        if end < len(text):
            _begin, end = sentence_around(text, _next_nonspace(text, end), _next_nonspace(text, end) + 1, pdf=pdf)
    return start, end


def _prev_nonspace(text, index):
    index -= 1
    while index > 0 and text[index].isspace():
        index -= 1
    return index


def _next_nonspace(text, index):
    while index < len(text) - 1 and text[index].isspace():
        index += 1
    return index


def _trim(text, start, end):
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def paragraph_around(text, start, end, *, pdf=False):
    """The span of the paragraph(s) holding [start, end): between blank lines in a plan's text, between
    line breaks in a transcript (where a line is a speaker turn)."""
    gap = "\n\n" if pdf else "\n"
    begin = text.rfind(gap, 0, start)
    begin = 0 if begin == -1 else begin + len(gap)
    stop = text.find(gap, max(start, end - 1))
    return _trim(text, begin, len(text) if stop == -1 else stop)
