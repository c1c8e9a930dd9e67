"""Which themes go together: excerpts coded with both themes, and overlapping excerpts with one each.

Both counts are one GROUP BY each, whatever the number of themes and excerpts.
"""

from django.db.models import CharField, Count, F, Q, Value
from django.db.models.functions import Cast, Concat, Greatest, Least

from coding.models import Coding, Excerpt

SAME, OVERLAP = "same", "overlap"
KINDS = (SAME, OVERLAP)


def same_excerpt_counts(project):
    """{(a, b): n} for theme ids a < b: the excerpts coded with both a and b."""
    rows = (
        Coding.objects.filter(excerpt__document__project=project, excerpt__codings__theme_id__gt=F("theme_id"))
        .settled()
        .values_list("theme_id", "excerpt__codings__theme_id")
        .annotate(n=Count("excerpt_id"))
        .order_by()
    )
    return {(a, b): n for a, b, n in rows}


def _overlapping_codings(project):
    """One row per theme x of excerpt x and theme y of excerpt y, for every later excerpt y (by id)
    that overlaps x in the same document. Spans are [start, end): touching spans do not overlap.

    Everything is annotated before it is filtered, so that the reverse joins (document → its
    excerpts → their codings) are made once and every condition applies to the same y.
    """
    return (
        Coding.objects.filter(excerpt__document__project=project).settled()
        .annotate(
            other=F("excerpt__document__excerpts__id"),
            other_start=F("excerpt__document__excerpts__start"),
            other_end=F("excerpt__document__excerpts__end"),
            other_theme=F("excerpt__document__excerpts__codings__theme_id"),
        )
        .filter(other__gt=F("excerpt_id"), other_start__lt=F("excerpt__end"), other_end__gt=F("excerpt__start"))
    )


def overlap_counts(project):
    """{(a, b): n} for theme ids a < b: pairs of distinct overlapping excerpts where one has a and the other b.

    An excerpt pair counts once for (a, b) even when both excerpts have both themes.
    """
    pair = Concat(Cast("excerpt_id", CharField()), Value("-"), Cast("other", CharField()), output_field=CharField())
    rows = (
        _overlapping_codings(project)
        .annotate(low=Least("theme_id", "other_theme"), high=Greatest("theme_id", "other_theme"))
        .filter(low__lt=F("high"))
        .values_list("low", "high")
        .annotate(n=Count(pair, distinct=True))
        .order_by()
    )
    return {(a, b): n for a, b, n in rows}


def overlapping_pairs(project, a, b):
    """The (x, y) excerpt id pairs behind one overlap cell, x < y, as a query."""
    either_way = Q(theme_id=a, other_theme=b) | Q(theme_id=b, other_theme=a)
    return _overlapping_codings(project).filter(either_way).values_list("excerpt_id", "other").order_by().distinct()


def same_excerpts(project, a, b):
    """The excerpts behind one same-excerpt cell: coded with both a and b."""
    return Excerpt.objects.of_study(project).settled().filter(codings__theme_id=a).filter(codings__theme_id=b)


def cooccurrence_table(themes, counts):
    """Rows of the symmetric theme × theme table; the diagonal holds each theme's excerpt count.

    `themes` carry `excerpt_count`; `counts` is {(a, b): n} with a < b. Each cell has a `heat`
    from 0 to 1 (its share of the largest count) for the cell's shading.
    """
    top = max(counts.values(), default=0) or 1
    rows = []
    for row_theme in themes:
        cells = []
        for theme in themes:
            if theme.pk == row_theme.pk:
                cells.append({"theme": theme, "diagonal": True, "n": row_theme.excerpt_count})
                continue
            n = counts.get((min(theme.pk, row_theme.pk), max(theme.pk, row_theme.pk)), 0)
            cells.append({"theme": theme, "diagonal": False, "n": n, "heat": round(n / top, 2)})
        rows.append({"theme": row_theme, "cells": cells})
    return rows
