"""My studies, the dashboard, counties and the plan register: content and query counts."""

import pytest
from django.urls import reverse

from planner.models import Document, Plan
from planner.services import project_create
from tests.conftest import make_user

# One study and its users for the whole module (tests/conftest.py `module_study`); each test's changes
# are rolled back after it.
pytestmark = pytest.mark.usefixtures("module_study")


def test_my_studies_lists_only_my_studies_with_my_role(client, project, viewer):
    project_create(name="Hemmelig studie", lead=make_user("annen"))
    client.force_login(viewer)
    body = client.get(reverse("planner:project_list")).content.decode()
    assert project.name in body
    assert "Hemmelig studie" not in body


def test_it_creates_a_study_from_the_template_in_the_browser_form(client, outsider):
    client.force_login(outsider)
    response = client.post(reverse("planner:project_create"), {"name": "Min studie", "template": "integrering"})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Min studie" in page
    project = outsider.memberships.get().project
    assert (project.themes.count(), project.counties.count()) == (17, 15)
    assert project.memberships.get().role == "lead"


def test_it_refuses_a_short_name_in_use(client, project, outsider):
    client.force_login(outsider)
    response = client.post(reverse("planner:project_create"), {"name": "X", "slug": project.slug, "template": ""})
    assert response.status_code == 200
    assert outsider.memberships.count() == 0


def test_dashboard_counts_documents_by_kind_and_county(client, project, viewer):
    agder = project.counties.get(name="Agder")
    plan = Plan.objects.filter(county=agder).first()
    Document.objects.create(project=project, kind="transcript", county=agder, title="Agder", text="A: hei")
    Document.objects.create(project=project, kind="plan", county=agder, plan=plan, title="Plan", text="Tekst")
    client.force_login(viewer)
    response = client.get(reverse("planner:project_detail", args=[project.slug]))
    rows = {row["county"].name: row["cells"] for row in response.context["document_rows"]}
    assert rows["Agder"] == [1, 1]
    assert rows["Troms"] == [0, 0]
    assert response.context["theme_count"] == 17
    assert response.context["plan_count"] == 43
    assert response.context["document_totals"] == [1, 1]


def test_plan_register_filters_and_sorts(client, project, viewer):
    client.force_login(viewer)
    agder = project.counties.get(name="Agder")
    url = reverse("planner:plan_list", args=[project.slug])
    plans = list(client.get(url, {"county": agder.pk, "sort": "year"}).context["plans"])
    assert len(plans) == 5
    assert [p.year for p in plans] == sorted(p.year for p in plans)
    business = list(client.get(url, {"plan_type": "business"}).context["plans"])
    assert {p.plan_type for p in business} == {"business"}
    assert len(business) == Plan.objects.filter(county__project=project, plan_type="business").count()


def _add_plans(project, n):
    county = project.counties.get(name="Agder")
    Plan.objects.bulk_create(
        Plan(county=county, plan_type="other", title=f"Ekstra {project.pk}-{i}", year=2020) for i in range(n)
    )


@pytest.mark.parametrize(
    ("name", "queries"),
    [("planner:project_detail", 9), ("planner:county_list", 4), ("planner:plan_list", 6),
     ("planner:member_list", 5), ("coding:theme_list", 4)],  # member_list: + the lockouts
)
def test_list_views_do_not_grow_with_rows(client, project, lead, django_assert_num_queries, name, queries):
    client.force_login(lead)
    url = reverse(name, args=[project.slug])
    client.get(url)  # warm the session and the translation catalogue
    with django_assert_num_queries(queries):
        assert client.get(url).status_code == 200
    _add_plans(project, 30)
    for i in range(5):
        project.memberships.create(user=make_user(f"ny{i}"), role="viewer")
        project.themes.create(name=f"Ekstra tema {i}", colour="#000000")
    with django_assert_num_queries(queries):
        assert client.get(url).status_code == 200


def test_the_menu_has_the_review_pages_and_the_watch_list_for_the_lead_and_a_menu_button(client, project, lead,
                                                                                         analyst):
    def nav(user):
        client.force_login(user)
        page = client.get(reverse("planner:project_detail", args=[project.slug])).content.decode()
        return page, page[page.index('<nav class="study-nav"'):page.index("</nav>")]

    page, links = nav(lead)
    for name in ("coding:cooccurrence", "coding:charts", "coding:watch_list", "coding:matrix"):
        assert f'href="{reverse(name, args=[project.slug])}"' in links, name
    button = '<button type="button" class="menu-toggle" aria-expanded="false" aria-controls="site-account study-nav"'
    assert button in page and "Meny</button>" in page
    assert 'id="site-account"' in page and 'id="study-nav"' in page and "js/menu.js" in page
    _page, links = nav(analyst)
    assert reverse("coding:charts", args=[project.slug]) in links
    assert reverse("coding:watch_list", args=[project.slug]) not in links  # it can hold real names
