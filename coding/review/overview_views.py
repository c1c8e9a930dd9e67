"""Review overviews: which themes go together (co-occurrence) and bar charts of the coding."""

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from coding.access import study_for_reader
from coding.forms import CooccurrenceCellForm
from coding.models import Excerpt, blind_documents
from coding.quotes import codebook_order, excerpts_with_passages
from coding.review.charts import bar_chart, share
from coding.review.cooccurrence import (
    KINDS,
    OVERLAP,
    SAME,
    cooccurrence_table,
    overlap_counts,
    overlapping_pairs,
    same_excerpt_counts,
    same_excerpts,
)


def themes_with_counts(project, county=None):
    """The study's active themes in codebook order, with `excerpt_count` and, for a county, `county_count`."""
    # Documents still coded blind are left out until the lead reveals them (coding.models.blind_documents).
    settled = ~Q(codings__document_id__in=blind_documents())
    counts = {"excerpt_count": Count("codings", filter=settled)}
    if county is not None:
        counts["county_count"] = Count("codings", filter=settled & Q(codings__excerpt__document__county=county))
    return codebook_order(list(project.themes.active().annotate(**counts).in_codebook_order()))


def _kind(request):
    kind = request.GET.get("kind")
    return kind if kind in KINDS else SAME


@login_required
@require_GET
def cooccurrence(request, slug):
    """The theme × theme table: excerpts coded with both themes, or overlapping excerpts with one each."""
    project, membership = study_for_reader(request, slug)
    kind = _kind(request)
    themes = themes_with_counts(project)
    counts = overlap_counts(project) if kind == OVERLAP else same_excerpt_counts(project)
    return render(request, "coding/cooccurrence.html", {
        "project": project, "membership": membership, "kind": kind, "themes": themes,
        "rows": cooccurrence_table(themes, counts),
    })


@login_required
@require_GET
def cooccurrence_cell(request, slug):
    """The excerpts behind one cell of the table; overlapping excerpts come in pairs."""
    project, membership = study_for_reader(request, slug)
    form = CooccurrenceCellForm(request.GET or None, project=project)
    kind, excerpts, pairs = _kind(request), [], []
    if form.is_valid():
        a, b = form.cleaned_data["a"], form.cleaned_data["b"]
        if kind == SAME:
            excerpts = excerpts_with_passages(same_excerpts(project, a.pk, b.pk))
        else:
            pairs = _excerpt_pairs(project, a, b)
    return render(request, "coding/cooccurrence_cell.html", {
        "project": project, "membership": membership, "form": form, "kind": kind, "excerpts": excerpts,
        "pairs": pairs,
    })


def _excerpt_pairs(project, a, b):
    """The overlapping excerpt pairs of a cell, by document and then text order, each pair in text order."""
    ids = list(overlapping_pairs(project, a.pk, b.pk))
    by_id = {e.pk: e for e in excerpts_with_passages(Excerpt.objects.filter(pk__in={i for pair in ids for i in pair}))}
    return sorted((sorted((by_id[x], by_id[y]), key=_span) for x, y in ids), key=_pair_order)


def _span(excerpt):
    return excerpt.start, excerpt.end, excerpt.pk


def _pair_order(pair):
    return pair[0].document.title, pair[0].document_id, _span(pair[0]), _span(pair[1])


@login_required
@require_GET
def charts(request, slug):
    """Bar charts: excerpts per theme, and one county's excerpts per theme (as counts or shares)."""
    project, membership = study_for_reader(request, slug)
    counties = list(project.counties.order_by("name"))
    county = _chosen_county(counties, request.GET.get("county"))
    as_share = request.GET.get("show") == "share"
    themes = themes_with_counts(project, county)
    county_total = Excerpt.objects.of_study(project).settled().filter(document__county=county).count() if county else 0
    overall = bar_chart(
        [_bar(t, t.excerpt_count) for t in themes], chart_id="chart-themes", title=_("Excerpts per theme"),
        description=_("Bar chart of the number of excerpts coded with each theme, in codebook order."),
        value_label=_("Excerpts"))
    return render(request, "coding/charts.html", {
        "project": project, "membership": membership, "counties": counties, "county": county,
        "as_share": as_share, "overall": overall, "county_total": county_total,
        "profile": _county_chart(themes, county, county_total, as_share) if county else None,
    })


def _county_chart(themes, county, county_total, as_share):
    """One county's excerpts per theme, or each theme's share of them (an excerpt may have several themes)."""
    if as_share:
        bars = [_bar(t, share(t.county_count, county_total)) for t in themes]
        description = _("Bar chart of each theme's share of the county's excerpts, in percent.")
    else:
        bars = [_bar(t, t.county_count) for t in themes]
        description = _("Bar chart of the number of the county's excerpts coded with each theme.")
    return bar_chart(
        bars, chart_id="chart-county", unit="%" if as_share else "", description=description,
        title=_("Excerpts per theme in %(county)s") % {"county": county.name},
        value_label=_("Share of the county's excerpts") if as_share else _("Excerpts"))


def _bar(theme, value):
    return {"label": theme.name, "value": value, "colour": theme.colour, "depth": theme.depth}


def _chosen_county(counties, value):
    """The county named by the GET parameter, else the first county in the study (by name)."""
    chosen = next((c for c in counties if str(c.pk) == value), None)
    return chosen or next((c for c in counties if c.in_study), None) or (counties[0] if counties else None)
