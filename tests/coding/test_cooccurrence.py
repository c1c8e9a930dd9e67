"""The co-occurrence table (same excerpt and overlapping excerpts) and the excerpts behind a cell."""

import copy
import re
from collections import Counter
from itertools import combinations

import pytest
from django.urls import reverse

from coding.models import Theme
from coding.quotes import codebook_order
from coding.services import excerpt_create
from planner.models import Document
from planner.services import project_create

TEXT = "abcdefghij" * 20  # no white space, so no span is trimmed

# (document, start, end, theme indexes): overlaps in one document, a pair with both themes on
# both excerpts, identical spans, spans that only touch ([10, 30) and [30, 40)), and the same
# span in another document, which does not overlap.
SPANS = [
    ("d1", 0, 20, [0, 1]),
    ("d1", 10, 30, [1, 2, 3]),
    ("d1", 30, 40, [0]),
    ("d1", 35, 50, [2]),
    ("d1", 0, 20, [0, 1]),
    ("d1", 100, 120, [4, 5]),
    ("d2", 0, 20, [0, 3]),
    ("d2", 15, 25, [3, 4]),
    ("d2", 25, 30, [1]),
]
ARCHIVED = 5  # coded on one excerpt, then archived: it leaves the table


def build_study(project, coder):
    themes = list(project.themes.order_by("position")[:6])
    agder, troms = project.counties.get(name="Agder"), project.counties.get(name="Troms")
    documents = {
        "d1": Document.objects.create(project=project, kind="transcript", title="Intervju Agder", text=TEXT,
                                      county=agder),
        "d2": Document.objects.create(project=project, kind="transcript", title="Intervju Troms", text=TEXT,
                                      county=troms),
    }
    excerpts = [excerpt_create(document=documents[d], start=s, end=e, coder=coder, themes=[themes[i] for i in ts])
                for d, s, e, ts in SPANS]
    Theme.objects.filter(pk=themes[ARCHIVED].pk).update(archived=True)
    Theme.objects.filter(pk=themes[4].pk).update(parent=themes[0])  # a sub-theme moves up under its parent
    return {"themes": themes, "documents": documents, "excerpts": excerpts}


def grow(project, coder, *, themes=5, documents=3, per_document=10):
    """More themes, documents and excerpts (with two or three themes, many overlapping)."""
    new = [project.themes.create(name=f"Nytt tema {i}", colour="#123456", position=100 + i) for i in range(themes)]
    pool = new + list(project.themes.filter(archived=False).order_by("position")[:4])
    for d in range(documents):
        document = Document.objects.create(project=project, kind="transcript", title=f"Ekstra {d}", text=TEXT)
        for i in range(per_document):
            chosen = [pool[(i + k * (d + 2)) % len(pool)] for k in range(2 + i % 2)]
            excerpt_create(document=document, start=i * 7, end=i * 7 + 15, coder=coder, themes=list(set(chosen)))


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


def expected_counts(excerpts):
    """Both tables computed the slow way, in plain Python, from the excerpts themselves."""
    coded = [(e.document_id, e.start, e.end, set(e.codings.values_list("theme_id", flat=True))) for e in excerpts]
    per_theme, same, overlap = Counter(), Counter(), Counter()
    for _doc, _start, _end, themes in coded:
        per_theme.update(themes)
        same.update(combinations(sorted(themes), 2))
    for (dx, sx, ex, tx), (dy, sy, ey, ty) in combinations(coded, 2):
        if dx == dy and sx < ey and sy < ex:
            overlap.update({tuple(sorted((a, b))) for a in tx for b in ty if a != b})
    return per_theme, {"same": same, "overlap": overlap}


CELL = re.compile(r'<td class="num (?:diagonal|co-hit|zero)" data-a="(\d+)" data-b="(\d+)" data-n="(\d+)"')


def table_cells(page):
    return [(int(a), int(b), int(n)) for a, b, n in CELL.findall(page)]


@pytest.mark.parametrize("kind", ["same", "overlap"])
def test_it_counts_every_cell_as_plain_python_does(client, project, viewer, study, kind):
    client.force_login(viewer)
    response = client.get(reverse("coding:cooccurrence", args=[project.slug]), {"kind": kind})
    assert response.status_code == 200 and response.context["kind"] == kind
    active = codebook_order(list(project.themes.filter(archived=False).order_by("position", "name")))
    assert [t.pk for t in response.context["themes"]] == [t.pk for t in active]
    per_theme, expected = expected_counts(study["excerpts"])
    cells = table_cells(response.content.decode())
    assert [(a, b) for a, b, _n in cells] == [(a.pk, b.pk) for a in active for b in active]
    for a, b, n in cells:
        want = per_theme[a] if a == b else expected[kind][(min(a, b), max(a, b))]
        assert n == want, (kind, a, b)


def test_it_counts_what_the_study_says(client, project, viewer, study):
    """The expected numbers by hand, so that the plain Python above is checked too."""
    t = [theme.pk for theme in study["themes"]]
    _per_theme, expected = expected_counts(study["excerpts"])
    assert {k: v for k, v in expected["same"].items() if t[5] not in k} == {
        (t[0], t[1]): 2, (t[1], t[2]): 1, (t[1], t[3]): 1, (t[2], t[3]): 1, (t[0], t[3]): 1, (t[3], t[4]): 1}
    # d1: e1–e2, e1–e5, e2–e5 and e3–e4 overlap; e2 [10, 30) and e3 [30, 40) only touch.
    # d2: f1–f2; f1 has the span of e1 but in another document.
    assert expected["overlap"] == {
        (t[0], t[1]): 3, (t[0], t[2]): 3, (t[0], t[3]): 3, (t[1], t[2]): 2, (t[1], t[3]): 2,
        (t[0], t[4]): 1, (t[3], t[4]): 1}
    client.force_login(viewer)
    page = client.get(reverse("coding:cooccurrence", args=[project.slug]), {"kind": "overlap"}).content.decode()
    assert (t[0], t[1], 3) in table_cells(page) and (t[1], t[0], 3) in table_cells(page)
    assert (t[2], t[3], 0) in table_cells(page)  # e2 has both, but a pair needs two excerpts
    assert t[5] not in {a for a, _b, _n in table_cells(page)}  # archived


def test_an_unknown_kind_counts_the_same_excerpt(client, project, viewer, study):
    client.force_login(viewer)
    response = client.get(reverse("coding:cooccurrence", args=[project.slug]), {"kind": "x"})
    assert response.context["kind"] == "same"


def test_the_cell_lists_the_excerpts_with_both_themes(client, project, viewer, study):
    t, e = study["themes"], study["excerpts"]
    client.force_login(viewer)
    client.cookies["django_language"] = "en"
    response = client.get(reverse("coding:cooccurrence_cell", args=[project.slug]),
                          {"a": t[1].pk, "b": t[0].pk, "kind": "same"})
    assert {x.pk for x in response.context["excerpts"]} == {e[0].pk, e[4].pk}
    page = response.content.decode()
    link = reverse("coding:document_code", args=[project.slug, study["documents"]["d1"].pk])
    assert f'href="{link}?at=0#at-0-20">«{TEXT[0:20]}»</a>' in page
    assert "2 excerpts coded with both themes" in page


def test_the_cell_lists_overlapping_excerpts_in_pairs(client, project, viewer, study):
    t, e = study["themes"], study["excerpts"]
    client.force_login(viewer)
    response = client.get(reverse("coding:cooccurrence_cell", args=[project.slug]),
                          {"a": t[0].pk, "b": t[2].pk, "kind": "overlap"})
    pairs = [(x.pk, y.pk) for x, y in response.context["pairs"]]
    assert pairs == [(e[0].pk, e[1].pk), (e[4].pk, e[1].pk), (e[2].pk, e[3].pk)]  # text order in each pair
    page = response.content.decode()
    assert page.count('class="excerpt-pair"') == 3
    assert "#at-30-40" in page and "#at-35-50" in page and "#at-100-120" not in page


def test_touching_spans_and_other_documents_make_no_pair(client, project, viewer, study):
    t = study["themes"]
    client.force_login(viewer)
    url = reverse("coding:cooccurrence_cell", args=[project.slug])
    # t4 is on e6 (d1, far from the rest) and f2 [15, 25) in d2; f3 [25, 30) has t1 but only touches f2.
    response = client.get(url, {"a": t[1].pk, "b": t[4].pk, "kind": "overlap"})
    assert response.context["pairs"] == []


@pytest.mark.parametrize("params", [{}, {"a": "x", "b": "1"}, {"same": "theme"}, {"kind": "overlap"}])
def test_a_cell_without_two_themes_points_back_to_the_table(client, project, viewer, study, params):
    if params.get("same"):
        params = {"a": study["themes"][0].pk, "b": study["themes"][0].pk}
    client.force_login(viewer)
    client.cookies["django_language"] = "en"
    response = client.get(reverse("coding:cooccurrence_cell", args=[project.slug]), params)
    assert response.status_code == 200
    assert response.context["excerpts"] == [] and response.context["pairs"] == []
    assert "Choose a number in the co-occurrence table" in response.content.decode()


def test_a_cell_with_another_studys_theme_shows_nothing(client, project, lead, viewer, study):
    other = project_create(name="Annen studie", lead=lead, template="integrering")
    client.force_login(viewer)
    response = client.get(reverse("coding:cooccurrence_cell", args=[project.slug]),
                          {"a": study["themes"][0].pk, "b": other.themes.first().pk})
    assert response.status_code == 200 and not response.context["form"].is_valid()
    assert response.context["excerpts"] == []


def test_non_members_get_404(client, project, outsider, study):
    client.force_login(outsider)
    for name in ("coding:cooccurrence", "coding:cooccurrence_cell"):
        assert client.get(reverse(name, args=[project.slug])).status_code == 404


# session, user, membership, themes, one GROUP BY; the cell: session, user, membership, theme a, theme b,
# the excerpts and their codings.
@pytest.mark.parametrize(("kind", "table_queries", "cell_queries"), [("same", 5, 7), ("overlap", 5, 8)])
def test_it_does_not_grow_queries_with_themes_and_excerpts(client, project, analyst, viewer, study,
                                                            django_assert_num_queries, kind, table_queries,
                                                            cell_queries):
    client.force_login(viewer)
    table = reverse("coding:cooccurrence", args=[project.slug])
    cell = reverse("coding:cooccurrence_cell", args=[project.slug])
    t = study["themes"]
    client.get(table)  # warm the session and the translation catalogue
    with django_assert_num_queries(table_queries):
        client.get(table, {"kind": kind})
    with django_assert_num_queries(cell_queries):
        client.get(cell, {"a": t[0].pk, "b": t[1].pk, "kind": kind})
    grow(project, analyst)
    with django_assert_num_queries(table_queries):
        response = client.get(table, {"kind": kind})
    assert len(response.context["themes"]) == 16 + 5
    with django_assert_num_queries(cell_queries):
        response = client.get(cell, {"a": t[0].pk, "b": t[1].pk, "kind": kind})
    assert response.context["excerpts"] or response.context["pairs"]


def test_a_bigger_study_still_matches_plain_python(client, project, analyst, viewer, study):
    grow(project, analyst)
    client.force_login(viewer)
    excerpts = [e for d in Document.objects.filter(project=project) for e in d.excerpts.all()]
    per_theme, expected = expected_counts(excerpts)
    active = codebook_order(list(project.themes.filter(archived=False).order_by("position", "name")))
    assert len(active) == 16 + 5
    for kind in ("same", "overlap"):
        page = client.get(reverse("coding:cooccurrence", args=[project.slug]), {"kind": kind}).content.decode()
        cells = table_cells(page)
        # Every pair of active themes has its cell, so an empty or half table fails here.
        assert [(a, b) for a, b, _n in cells] == [(a.pk, b.pk) for a in active for b in active], kind
        for a, b, n in cells:
            assert n == (per_theme[a] if a == b else expected[kind][(min(a, b), max(a, b))]), (kind, a, b)
        assert sum(n for a, b, n in cells if a != b) > 0, kind  # the grown study has pairs to count
