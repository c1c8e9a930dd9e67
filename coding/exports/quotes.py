"""The quotes an export holds, in a fixed number of queries, and how the export signs them.

Every rule (speaker turn, shown text, attribution, codebook tree, selection) is coding/quotes.py's;
this module only puts an export's options to them.
"""

from coding.models import Coding
from coding.quotes import Quote, read_quotes
from coding.quotes import attribution as signed
from coding.quotes import selected_excerpts as select
from coding.quotes import selected_themes as select_themes
from planner.collation import name_key

__all__ = ["Quote", "attribution", "collect", "county_key", "selected_excerpts", "selected_themes"]


def county_key(county_name):
    """Counties by name, «no county» last."""
    return (not county_name, name_key(county_name or ""))


def selected_themes(project, options):
    """The themes the export shows, in codebook order, each with `members` (coding.quotes.selected_themes)."""
    return select_themes(project, options.themes)


def selected_excerpts(project, options, member_ids):
    """The study's excerpts coded with any theme of `member_ids` that pass the options' filters (a queryset)."""
    return select(project, theme_ids=member_ids, counties=options.counties, sources=options.sources,
                  key_only=options.key_only, coder=options.coder)


def collect(project, options, *, themes=None) -> list[Quote]:
    """The export's quotes, by county («no county» last), document title and place: six queries, whatever the number.

    `themes` is selected_themes(project, options), when the caller has it already.
    """
    themes = selected_themes(project, options) if themes is None else themes
    shown_under = {}  # theme id -> the selected themes whose heading collects it
    for theme in themes:
        for member in theme.members:
            shown_under.setdefault(member, set()).add(theme.pk)
    if not shown_under:
        return []
    base = selected_excerpts(project, options, list(shown_under))
    headings = {}
    for excerpt_id, theme_id in Coding.objects.filter(excerpt__in=base.values("pk"),
                                                      theme_id__in=list(shown_under)).values_list(
            "excerpt_id", "theme_id"):
        headings.setdefault(excerpt_id, set()).update(shown_under[theme_id])
    place = {theme.pk: index for index, theme in enumerate(themes)}
    quotes = []
    for excerpt_id, quote in read_quotes(base).items():
        # The queries do not share a snapshot: skip an excerpt that lost its themes in between.
        if excerpt_id in headings:
            quote.theme_ids = sorted(headings[excerpt_id], key=place.__getitem__)
            quotes.append(quote)
    quotes.sort(key=lambda q: (*county_key(q.county), name_key(q.document_title), q.document_id, q.start, q.end,
                               q.excerpt_id))
    return quotes


def attribution(quote, options):
    return signed(quote, kind=options.attribution, language=options.language)
