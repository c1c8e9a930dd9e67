"""The charts page: bars per theme for the whole study and for one county, drawn as SVG by the server."""

import copy
import re
from html import unescape

import pytest
from django.urls import reverse

from coding.quotes import codebook_order
from planner.services import project_create
from tests.coding.test_cooccurrence import SPANS, build_study, grow

BAR = re.compile(r'<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="\d+" fill="(#[0-9a-fA-F]{6})" '
                 r'data-label="([^"]*)" data-value="([\d.]+)"')


# One study for the whole module, built once (tests/conftest.py `module_study`); each test's changes are
# rolled back after it, and each test gets its own copy of the objects in memory.
pytestmark = pytest.mark.usefixtures("module_study")


@pytest.fixture(scope="module", autouse=True)
def shared(module_study):
    project, analyst = module_study.project, module_study.analyst
    return build_study(project, analyst)


@pytest.fixture
def study(shared, db):
    return copy.deepcopy(shared)


def chart(page, chart_id):
    """The figure of one chart, and its bars as (label, value, colour, width)."""
    figure = page[page.index(f'<figure class="chart" id="{chart_id}">'):]
    figure = figure[:figure.index("</figure>")]
    return figure, [(unescape(label), float(value), colour, float(width))
                    for _x, _y, width, colour, label, value in BAR.findall(figure)]


def active_themes(project):
    return codebook_order(list(project.themes.filter(archived=False).order_by("position", "name")))


def per_theme(study, documents=("d1", "d2")):
    counts = {}
    for document, _start, _end, indexes in SPANS:
        if document in documents:
            for i in indexes:
                counts[study["themes"][i].pk] = counts.get(study["themes"][i].pk, 0) + 1
    return counts


def test_it_draws_one_bar_per_theme_in_codebook_order(client, project, viewer, study):
    client.force_login(viewer)
    page = client.get(reverse("coding:charts", args=[project.slug])).content.decode()
    figure, bars = chart(page, "chart-themes")
    themes, counts = active_themes(project), per_theme(study)
    assert [(label, value, colour) for label, value, colour, _w in bars] == [
        (t.name, counts.get(t.pk, 0), t.colour) for t in themes]
    widths = {label: width for label, _v, _c, width in bars}
    top = max(counts.get(t.pk, 0) for t in themes)
    assert all(widths[t.name] == round(420 * counts.get(t.pk, 0) / top, 1) for t in themes)
    assert study["themes"][5].name not in figure  # archived


def test_the_chart_is_accessible(client, project, viewer, study):
    client.force_login(viewer)
    client.cookies["django_language"] = "en"
    page = client.get(reverse("coding:charts", args=[project.slug])).content.decode()
    figure, bars = chart(page, "chart-themes")
    assert '<svg class="bar-chart" role="img" aria-labelledby="chart-themes-title chart-themes-desc"' in figure
    assert '<title id="chart-themes-title">Excerpts per theme</title>' in figure
    assert '<desc id="chart-themes-desc">Bar chart of the number of excerpts' in figure
    table = figure[figure.index('<table class="visually-hidden">'):]
    rows = re.findall(r'<tr><th scope="row">([^<]*)</th><td>([^<]*)</td></tr>', table)
    assert [(unescape(label), int(n)) for label, n in rows] == [(label, int(value)) for label, value, _c, _w in bars]


def test_the_county_profile_defaults_to_the_first_county_in_the_study(client, project, viewer, study):
    client.force_login(viewer)
    response = client.get(reverse("coding:charts", args=[project.slug]))
    assert response.context["county"].name == "Agder"  # first by name of the counties in the study
    assert response.context["county_total"] == sum(1 for span in SPANS if span[0] == "d1")
    _figure, bars = chart(response.content.decode(), "chart-county")
    counts = per_theme(study, documents=("d1",))
    assert [(label, value) for label, value, _c, _w in bars] == [
        (t.name, counts.get(t.pk, 0)) for t in active_themes(project)]


def test_the_county_profile_shows_shares_of_the_countys_excerpts(client, project, viewer, study):
    troms = project.counties.get(name="Troms")
    client.force_login(viewer)  # in Norwegian: the labels use a decimal comma, the data and geometry do not
    response = client.get(reverse("coding:charts", args=[project.slug]), {"county": troms.pk, "show": "share"})
    assert response.context["county"] == troms and response.context["as_share"]
    figure, bars = chart(response.content.decode(), "chart-county")
    counts, total = per_theme(study, documents=("d2",)), sum(1 for span in SPANS if span[0] == "d2")
    assert [(label, value) for label, value, _c, _w in bars] == [
        (t.name, round(100 * counts.get(t.pk, 0) / total, 1)) for t in active_themes(project)]
    assert "33,3 %" in figure and 'data-value="33.3"' in figure and 'data-value="66.7"' in figure


@pytest.mark.parametrize("county", ["x", "999999", ""])
def test_an_unknown_county_falls_back_to_the_first(client, project, viewer, study, county):
    client.force_login(viewer)
    response = client.get(reverse("coding:charts", args=[project.slug]), {"county": county})
    assert response.status_code == 200 and response.context["county"].name == "Agder"


def test_a_study_without_counties_draws_the_theme_chart_only(client, lead):
    empty = project_create(name="Uten fylker", lead=lead)
    empty.themes.create(name="Eneste tema", colour="#123456")
    client.force_login(lead)
    response = client.get(reverse("coding:charts", args=[empty.slug]))
    assert response.context["county"] is None and response.context["profile"] is None
    page = response.content.decode()
    assert chart(page, "chart-themes")[1] == [("Eneste tema", 0.0, "#123456", 0.0)] and "chart-county" not in page


def test_non_members_get_404(client, project, outsider):
    client.force_login(outsider)
    assert client.get(reverse("coding:charts", args=[project.slug])).status_code == 404


# session, user, membership, counties, themes with both counts, the county's excerpts
@pytest.mark.parametrize("show", ["count", "share"])
def test_it_does_not_grow_queries_with_themes_and_excerpts(client, project, analyst, viewer, study,
                                                            django_assert_num_queries, show):
    client.force_login(viewer)
    url = reverse("coding:charts", args=[project.slug])
    client.get(url)  # warm the session and the translation catalogue
    with django_assert_num_queries(6):
        client.get(url, {"show": show})
    grow(project, analyst)
    with django_assert_num_queries(6):
        page = client.get(url, {"show": show}).content.decode()
    assert len(chart(page, "chart-themes")[1]) == 16 + 5
