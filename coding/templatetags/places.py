"""Links to a place in a document's coding view, the one form every page uses.

`?at=` makes the server render the window holding the place (a long document is rendered a
window at a time); `#at-START-END` makes static/js/coding/windows.js mark the passage and scroll to it.
"""

from django import template
from django.urls import reverse

register = template.Library()


def place_url(slug, document_id, start, end, base=None):
    base = base or reverse("coding:document_code", args=[slug, document_id])
    return f"{base}?at={start}#at-{start}-{end}"


@register.simple_tag(name="place_url")
def place_url_tag(slug, document_id, start, end):
    return place_url(slug, document_id, start, end)
