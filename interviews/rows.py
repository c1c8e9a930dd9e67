"""What the lists whose rows are written in Python rather than through templates share (issue 15): the
interview list, the participants page."""

from html import escape

from django.urls import reverse


def url_maker(name, slug):
    """A function of an object's id to the URL `name` in the study, escaped for an attribute: reversed and
    escaped once, not once per row of a list."""
    before, after = (escape(part) for part in reverse(name, args=[slug, 0]).rsplit("/0/", 1))
    return lambda pk: f"{before}/{pk}/{after}"
