"""The coding app's views in coding/views.py other than search (tests/coding/test_search_views.py):
the coding progress, and the excerpts coded from a plan and from a county's plans."""

import pytest
from django.urls import reverse

from coding.services import excerpt_create
from planner.models import Document, Plan
from tests.studies import study_from_template

# One study and its users for the whole module (tests/conftest.py `module_study`); each test's changes
# are rolled back after it.
pytestmark = pytest.mark.usefixtures("module_study")

TEXT = "Informant 1: Vi 😀 har en plan.\n  Ola: Kvalifisering er viktig.  \n"
PAGES = ["Side én om bosetting av flyktninger.\n", "Side to om små kommuner.\n"]


@pytest.fixture
def document(project):
    return Document.objects.create(project=project, kind="transcript", title="Intervju", text=TEXT)


@pytest.fixture
def themes(project):
    return list(project.themes.order_by("position")[:3])


def plan_document(project, county_name, title):
    plan = Plan.objects.filter(county__project=project, county__name=county_name).order_by("pk").first()
    return Document.objects.create(project=project, kind="plan", county=plan.county, plan=plan, title=title,
                                   text="".join(PAGES), page_starts=[0, len(PAGES[0])])


def test_progress_shows_coverage_and_each_analysts_documents(client, project, document, analyst, lead, themes,
                                                             django_assert_num_queries):
    excerpt_create(document=document, start=0, end=10, coder=analyst, themes=themes[:1])
    excerpt_create(document=document, start=5, end=15, coder=lead, themes=themes[:1])
    client.force_login(analyst)
    url = reverse("coding:progress", args=[project.slug])
    client.get(url)
    with django_assert_num_queries(5):
        response = client.get(url)
    row = next(d for d in response.context["documents"] if d.pk == document.pk)
    assert (row.excerpt_count, row.coverage) == (2, round(100 * 15 / len(TEXT)))
    assert [(c["name"], c["total"]) for c in response.context["coders"]] == [("analytiker", 1), ("leder", 1)]
    for n in range(3):
        doc = Document.objects.create(project=project, kind="transcript", title=f"D{n}", text=TEXT)
        excerpt_create(document=doc, start=0, end=10, coder=analyst, themes=themes[:1])
    with django_assert_num_queries(5):
        client.get(url)


def test_a_plans_excerpts_show_passage_page_memo_and_themes_of_that_plan_only(client, project, analyst, viewer,
                                                                             themes):
    agder = plan_document(project, "Agder", "Regionplan Agder")
    troms = plan_document(project, "Troms", "Planstrategi Troms")
    start = agder.text.index("små kommuner")
    excerpt_create(document=agder, start=start, end=start + len("små kommuner"), coder=analyst,
                   themes=[themes[1], themes[0]], memo="Distrikt")
    excerpt_create(document=troms, start=0, end=8, coder=analyst, themes=[themes[2]])
    client.force_login(viewer)
    response = client.get(reverse("coding:plan_excerpts", args=[project.slug, agder.plan_id]))
    assert [e.passage for e in response.context["excerpts"]] == ["små kommuner"]
    page = response.content.decode()
    link = reverse("coding:document_code", args=[project.slug, agder.pk])
    assert f'href="{link}?at={start}#at-{start}-{start + len("små kommuner")}">«små kommuner»</a>' in page
    assert '<td class="num page">2</td>' in page and "Distrikt" in page
    assert page.index(themes[0].name) < page.index(themes[1].name)  # themes in codebook order
    assert agder.plan.title not in page  # the plan page knows its plan


def test_a_countys_excerpts_come_from_its_plans_only_and_name_the_plan(client, project, analyst, viewer, themes,
                                                                      document):
    agder = plan_document(project, "Agder", "Regionplan Agder")
    document.county = agder.county
    document.save()
    excerpt_create(document=agder, start=0, end=7, coder=analyst, themes=[themes[0]])
    excerpt_create(document=document, start=0, end=10, coder=analyst, themes=[themes[0]])  # a transcript
    excerpt_create(document=plan_document(project, "Troms", "Troms"), start=0, end=7, coder=analyst,
                   themes=[themes[0]])
    client.force_login(viewer)
    response = client.get(reverse("coding:county_excerpts", args=[project.slug, agder.county_id]))
    assert [(e.document_id, e.passage) for e in response.context["excerpts"]] == [(agder.pk, "Side én")]
    assert agder.plan.title in response.content.decode()


def test_a_plan_without_excerpts_says_so(client, project, viewer):
    client.force_login(viewer)
    plan = Plan.objects.filter(county__project=project).first()
    page = client.get(reverse("coding:plan_excerpts", args=[project.slug, plan.pk])).content.decode()
    assert 'class="empty"' in page


@pytest.mark.parametrize("name", ["progress", "plan_excerpts", "county_excerpts"])
def test_pages_are_for_members_and_for_get_only(client, project, outsider, viewer, name):
    args = [project.slug] + ([project.counties.first().pk] if name != "progress" else [])
    if name == "plan_excerpts":
        args[1] = Plan.objects.filter(county__project=project).first().pk
    url = reverse(f"coding:{name}", args=args)
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    client.force_login(viewer)
    assert client.get(url).status_code == 200
    assert client.post(url).status_code == 405


@pytest.mark.parametrize("name", ["plan_excerpts", "county_excerpts"])
def test_ids_of_another_study_are_not_found(client, project, lead, viewer, name):
    other = study_from_template(name="Annen studie", lead=lead, key="integrering")
    county = other.counties.first()
    own_id = project.counties.first().pk if name == "county_excerpts" else \
        Plan.objects.filter(county__project=project).first().pk
    foreign_id = county.pk if name == "county_excerpts" else Plan.objects.filter(county=county).first().pk
    client.force_login(viewer)
    assert client.get(reverse(f"coding:{name}", args=[project.slug, own_id])).status_code == 200
    assert client.get(reverse(f"coding:{name}", args=[project.slug, foreign_id])).status_code == 404
    assert client.get(reverse(f"coding:{name}", args=[project.slug, 999999])).status_code == 404
