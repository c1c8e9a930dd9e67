"""The search page, saved searches and coding a passage from a hit."""

import re

import pytest
from django.urls import reverse

from coding.models import Excerpt, SavedSearch
from planner.models import Document
from tests.coding.test_search import VTT, plan_document, transcript

# One study and its users for the whole module (tests/conftest.py `module_study`); each test's changes
# are rolled back after it.
pytestmark = pytest.mark.usefixtures("module_study")


def test_the_search_page_groups_hits_by_document_with_context(client, project, viewer, analyst):
    plan_document(project)
    transcript(project, analyst, VTT)
    client.force_login(viewer)
    response = client.get(reverse("coding:search", args=[project.slug]), {"q": "innv distrikt"})
    results = response.context["results"]
    assert [(r.document.kind, r.count) for r in results] == [("plan", 3), ("transcript", 2)]
    page = response.content.decode()
    assert "<mark>Innvandrerbefolkningen</mark>" in page and "s. 1" in page and "00:14:32" in page
    assert response.context["totals"] == {"innv": 3, "distrikt": 2}
    assert "code-hit" not in page  # a viewer cannot code


def test_html_in_documents_is_escaped_in_hits(client, project, viewer):
    plan_document(project, pages=["<script>alert('innv')</script> innvandring"])
    client.force_login(viewer)
    page = client.get(reverse("coding:search", args=[project.slug]), {"q": "innv"}).content.decode()
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#x27;<mark>innv</mark>&#x27;)&lt;/script&gt;" in page


def test_saved_searches_are_shared_and_rerun(client, project, analyst, viewer):
    client.force_login(analyst)
    agder = project.counties.get(name="Agder")
    theme = project.themes.first()
    search = {"q": '"små kommuner" innv', "kind": "plan", "mode": "start", "county": agder.pk, "year_from": 2015,
              "year_to": 2024, "role": "advisor", "field": "integration", "theme": theme.pk, "theme_scope": "passage"}
    response = client.post(reverse("coding:saved_search_create", args=[project.slug]), search)
    assert response.status_code == 302 and "q=%22sm%C3%A5+kommuner%22+innv" in response["Location"]
    saved = SavedSearch.objects.get()
    assert saved.form_data() == {**search, "plan_type": ""} or saved.form_data() == search
    client.force_login(viewer)
    page = client.get(reverse("coding:search", args=[project.slug])).content.decode()
    assert "&quot;små kommuner&quot; innv" in page
    rerun = client.get(f"{reverse('coding:search', args=[project.slug])}?{saved.querystring()}")
    assert {name: rerun.context["form"].cleaned_data[name] for name in ("mode", "county", "year_to", "theme")} == {
        "mode": "start", "county": agder, "year_to": 2024, "theme": theme}
    client.force_login(analyst)
    client.post(reverse("coding:saved_search_delete", args=[project.slug, saved.pk]))
    assert not SavedSearch.objects.exists()


def test_coding_a_hit_proposes_its_sentence_and_grows_by_sentences(client, project, analyst):
    document = plan_document(project)
    start = document.text.index("innvandring")
    client.force_login(analyst)
    url = reverse("coding:hit_code", args=[project.slug, document.pk])
    response = client.get(url, {"hit_start": start, "hit_end": start + 11})
    assert response.context["passage"] == "Planen omtaler innvandring og integrering."
    assert response.context["page"] == 2
    response = client.get(url, {"hit_start": start, "hit_end": start + 11, "forward": 1}, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    passage = "Planen omtaler innvandring og integrering. Mindre kommuner trenger veiledning."
    assert f'<mark class="passage">{passage}</mark>' in page
    assert "<html" not in page  # htmx gets the panel alone


def test_coding_a_hit_creates_an_excerpt_with_its_page(client, project, analyst):
    document = plan_document(project)
    start = document.text.index("Planen")
    end = document.text.index("integrering.") + len("integrering.")
    themes = list(project.themes.order_by("position")[:2])
    client.force_login(analyst)
    response = client.post(reverse("coding:hit_code", args=[project.slug, document.pk]),
                           {"start": start, "end": end, "themes": [t.pk for t in themes], "memo": "Viktig"})
    excerpt = Excerpt.objects.get()
    assert (excerpt.text(), excerpt.memo, excerpt.coder) == ("Planen omtaler innvandring og integrering.", "Viktig",
                                                            analyst)
    assert set(excerpt.themes.all()) == set(themes)
    assert document.page_at(excerpt.start) == 2
    assert response.context["excerpt_page"] == 2


def test_coding_a_hit_proposed_before_the_text_was_corrected_is_refused(client, project, analyst):
    document = plan_document(project)
    start = document.text.index("innvandring")
    client.force_login(analyst)
    url = reverse("coding:hit_code", args=[project.slug, document.pk])
    proposed = client.get(url, {"hit_start": start, "hit_end": start + 11}).content.decode()
    checksum = re.search(r'name="checksum" value="([0-9a-f]+)"', proposed).group(1)
    assert checksum == document.checksum
    data = {"start": start, "end": start + 11, "themes": [project.themes.first().pk], "checksum": checksum}
    # A colleague corrects the text in between: the proposal's offsets now point at other words.
    Document.objects.filter(pk=document.pk).update(checksum="0" * 64)
    response = client.post(url, data)
    assert "Teksten er rettet siden dette utdraget ble foreslått" in str(response.context["form"].non_field_errors())
    assert not Excerpt.objects.exists()
    Document.objects.filter(pk=document.pk).update(checksum=checksum)
    assert client.post(url, data).status_code == 200 and Excerpt.objects.count() == 1


@pytest.mark.parametrize("data", [{"start": 5, "end": 5}, {"start": 0, "end": 10 ** 6}, {"start": 0, "end": 3}])
def test_coding_a_hit_refuses_bad_spans_and_no_themes(client, project, analyst, data):
    document = plan_document(project)
    client.force_login(analyst)
    themes = [] if data["end"] == 3 else [project.themes.first().pk]
    response = client.post(reverse("coding:hit_code", args=[project.slug, document.pk]), {**data, "themes": themes})
    assert response.status_code == 200
    assert not Excerpt.objects.exists()
    # The panel comes back with every active theme offered and the chosen ones still ticked.
    page = response.content.decode()
    assert page.count('name="themes"') == project.themes.active().count()
    assert re.findall(r'name="themes" value="(\d+)" checked', page) == [str(pk) for pk in themes]


def test_a_hit_panel_posted_with_a_theme_that_is_no_number_is_refused_in_the_form(client, project, analyst):
    document = plan_document(project)
    client.force_login(analyst)
    response = client.post(reverse("coding:hit_code", args=[project.slug, document.pk]),
                           {"start": 0, "end": 10, "themes": ["x", project.themes.first().pk]})
    assert response.status_code == 200 and response.context["form"].errors["themes"]
    assert not Excerpt.objects.exists()


def test_a_malformed_query_is_explained_in_the_form(client, project, viewer):
    client.force_login(viewer)
    response = client.get(reverse("coding:search", args=[project.slug]), {"q": "(innv OR distrikt"})
    page = response.content.decode()
    assert response.status_code == 200 and response.context["results"] == []
    assert 'id="search-errors"' in page and "Parentesen er ikke lukket." in page


def test_the_search_page_does_not_grow_in_queries(client, project, viewer, analyst, django_assert_num_queries):
    plan_document(project)
    client.force_login(viewer)
    url = reverse("coding:search", args=[project.slug])
    client.get(url, {"q": "innv"})
    # The word index: the term's words, their postings, the shown documents' rows, their hits' positions and
    # the text around them; the theme filter's choices, counties, saved searches. No transcripts: no turns.
    with django_assert_num_queries(11):
        client.get(url, {"q": "innv"})
    for n in range(5):
        plan_document(project, title=f"Plan {n}")
        transcript(project, analyst, VTT, title=f"Intervju {n}")
        SavedSearch.objects.create(project=project, query=f"søk {n}")
    with django_assert_num_queries(12):  # and the turns of the shown transcripts' shown hits, for their time codes
        client.get(url, {"q": "innv"})
