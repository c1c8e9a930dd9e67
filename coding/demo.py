"""Coded excerpts for the demo study, so a new user sees coded transcripts at once.

The sentences are picked by keywords per theme, as a first pass by an analyst might be.
"""

from coding.models import Excerpt
from coding.passages import sentence_around
from coding.search import search
from coding.services import excerpt_create
from planner.models import Document

KEYWORDS = {
    "Planer og strategier": "planstrategi",
    "Kunnskapsgrunnlag og statistikk": "statistikk",
    "Kvalifisering og kompetanse": "kvalifisering",
    "Eksterne samarbeidspartnere": "imdi",
    "Bosetting av flyktninger": "bosetting",
    "Arbeidsinnvandrere": "arbeidsinnvandr",
    "Distriktskommuner": '"små kommuner"',
    "Tilskudd og økonomiske virkemidler": "tilskudd",
    "Regionreformen og rolleforståelse": "regionreform",
}
PER_THEME_AND_DOCUMENT = 1


def demo_excerpts_load(*, project, user):
    """Code the demo transcripts that have no excerpts yet; returns how many excerpts were made."""
    themes = {t.name: t for t in project.themes.filter(name__in=KEYWORDS)}
    uncoded = set(Document.objects.filter(project=project, kind="transcript", excerpts__isnull=True).values_list(
        "pk", flat=True))
    made = 0
    for name, query in KEYWORDS.items():
        if name not in themes:
            continue
        for result in search(project=project, query=query, kind="transcript"):
            if result.document.pk not in uncoded:
                continue
            text = Document.objects.values_list("text", flat=True).get(pk=result.document.pk)
            for hit in result.hits[:PER_THEME_AND_DOCUMENT]:
                start, end = sentence_around(text, hit.start, hit.end)
                if Excerpt.objects.filter(document_id=result.document.pk, start=start, end=end).exists():
                    continue
                excerpt_create(document=Document.objects.get(pk=result.document.pk), start=start, end=end,
                               coder=user, themes=[themes[name]])
                made += 1
    return made
