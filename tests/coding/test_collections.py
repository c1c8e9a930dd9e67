"""Quote collections per theme: content, grouping, attribution, filters, pages, queries and key quotes."""

import copy
import datetime
import random

import pytest
from django.urls import reverse

from coding.models import Change, Excerpt
from coding.review.collection_views import QUOTES_PER_PAGE
from coding.services import excerpt_create, theme_create
from interviews.importers import parse_file
from interviews.services import NewParticipant, transcript_import
from planner.models import Document, Plan

# One study and its users for the whole module (tests/conftest.py `module_study`); each test's changes
# are rolled back after it.
pytestmark = pytest.mark.usefixtures("module_study")


def interview(project, user, county_name, turns, title="Gruppeintervju", date=None):
    """A transcript from «[hh:mm:ss] Name: speech» lines; turns are (name, seconds, speech, role, field)."""
    lines = [f"[{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}] {name}: {speech}" for name, s, speech, *_ in turns]
    parsed = parse_file("intervju.txt", "\n".join(lines).encode())
    people = {name: (role, field) for name, _s, _speech, role, field in turns}
    mapping = {speaker: NewParticipant(label=f"{county_name or 'Uten'} {speaker}", role=people[speaker][0],
                                       field=people[speaker][1]) for speaker in parsed.speakers()}
    county = project.counties.get(name=county_name) if county_name else None
    return transcript_import(project=project, user=user, parsed=parsed, mapping=mapping, title=title, county=county,
                             interview_format="group_interview", date=date)


def plan_document(project, county_name, pages, title="Regional planstrategi"):
    county = project.counties.get(name=county_name)
    plan = Plan.objects.filter(county=county).order_by("pk").first()
    text, starts = "", []
    for page in pages:
        starts.append(len(text))
        text += page + "\n\n"
    return Document.objects.create(project=project, kind="plan", county=county, plan=plan, title=title, text=text,
                                   page_starts=starts)


def code(document, phrase, user, themes, **kwargs):
    start = document.text.index(phrase)
    return excerpt_create(document=document, start=start, end=start + len(phrase), coder=user, themes=themes, **kwargs)


@pytest.fixture
def themes(project):
    return list(project.themes.order_by("position")[:3])


@pytest.fixture(scope="module", autouse=True)
def shared(module_study):
    """Quotes of theme 0 from an Agder interview, a Troms plan and an interview without county."""
    project, analyst, lead = module_study.project, module_study.analyst, module_study.lead
    themes = list(project.themes.order_by("position")[:3])
    agder = interview(project, analyst, "Agder", [
        ("Kari", 65, "Vi jobber med Økt bosetting i distriktene.", "advisor", "integration"),
        ("Ola", 872, "Næringslivet trenger arbeidsinnvandrere.", "leader", "business"),
    ], title="Gruppeintervju Agder", date=datetime.date(2024, 3, 12))
    troms = plan_document(project, "Troms", ["Innledning om planen.", "Planen omtaler integrering av flyktninger."])
    loose = interview(project, lead, None, [("Per", 5, "Et innledende intervju om kvalifisering.", "other",
                                             "other")], title="Innledende intervju")
    return {
        "agder": agder, "troms": troms, "loose_document": loose,
        "kari": code(agder, "Økt bosetting i distriktene", analyst, themes[:1], memo="Viktig for kap. 4"),
        "ola": code(agder, "trenger arbeidsinnvandrere", lead, themes[:2]),
        "plan": code(troms, "integrering av flyktninger", analyst, themes[:1]),
        "loose": code(loose, "kvalifisering", lead, themes[:1]),
        "other": code(agder, "Vi jobber", analyst, themes[1:2]),
    }


@pytest.fixture
def study(shared, db):
    """Tests without it get a study of their own (`own_study`): the shared one holds these quotes."""
    return copy.deepcopy(shared)


def collection(client, project, theme, **params):
    return client.get(reverse("coding:theme_collection", args=[project.slug, theme.pk]), params)


def shown(response):
    return [e.pk for group in response.context["groups"] for e in group["excerpts"]]


def test_it_lists_every_quote_of_the_theme_grouped_by_county_with_no_county_last(client, project, viewer, themes,
                                                                                 study):
    client.force_login(viewer)
    response = collection(client, project, themes[0])
    assert response.status_code == 200
    groups = response.context["groups"]
    assert [g["county"].name if g["county"] else None for g in groups] == ["Agder", "Troms", None]
    assert [[e.pk for e in g["excerpts"]] for g in groups] == [
        [study["kari"].pk, study["ola"].pk], [study["plan"].pk], [study["loose"].pk]]
    assert study["other"].pk not in shown(response)  # coded with another theme only
    assert response.context["page"].paginator.count == 4


def test_it_shows_text_memo_coder_and_links_each_quote_to_its_place(client, project, viewer, themes, study):
    client.cookies["django_language"] = "en"
    client.force_login(viewer)
    page = collection(client, project, themes[0]).content.decode()
    kari = study["kari"]
    url = reverse("coding:document_code", args=[project.slug, study["agder"].pk])
    assert f'href="{url}?at={kari.start}#at-{kari.start}-{kari.end}"' in page
    assert "«Økt bosetting i distriktene»" in page
    assert "Viktig for kap. 4" in page and "Coded by analytiker" in page and "Coded by leder" in page


def test_it_attributes_transcript_quotes_to_the_speaker_with_interview_and_time_code(client, project, viewer,
                                                                                     themes, study):
    client.cookies["django_language"] = "en"
    client.force_login(viewer)
    response = collection(client, project, themes[0])
    ola = next(e for g in response.context["groups"] for e in g["excerpts"] if e.pk == study["ola"].pk)
    assert (ola.quote.participant_label, ola.quote.role, ola.quote.field) == ("Agder Ola", "leader", "business")
    assert ola.quote.time_code == "00:14:32"
    html = response.content.decode()
    quote = html[html.index(f'id="quote-{ola.pk}"'):html.index(f'id="quote-{study["plan"].pk}"')]
    # The same signature as the internal export's, in the page's language.
    assert "Leader, business development – Agder – Group interview 12/03/2024 – 00:14:32" in quote
    assert "Gruppeintervju Agder" in quote  # the document, for the team


def test_it_attributes_plan_quotes_to_plan_type_county_and_page(client, project, viewer, themes, study):
    client.cookies["django_language"] = "en"
    client.force_login(viewer)
    response = collection(client, project, themes[0])
    quote = next(e for g in response.context["groups"] for e in g["excerpts"] if e.pk == study["plan"].pk)
    assert quote.quote.page == 2 and quote.quote.participant_label == ""
    html = response.content.decode()
    html = html[html.index(f'id="quote-{quote.pk}"'):]
    plan = study["troms"].plan
    assert f"{plan.title} – {plan.get_plan_type_display()} – Troms – p. 2" in html


def test_it_includes_the_quotes_of_sub_themes_marked_with_the_sub_theme(client, project, lead, analyst, viewer,
                                                                        themes, study):
    child = theme_create(project=project, user=lead, name="Bosetting i distriktene", colour="#112233",
                         parent=themes[0])
    grandchild = theme_create(project=project, user=lead, name="Små kommuner", colour="#445566", parent=child)
    via_child = code(study["agder"], "Vi jobber med", analyst, [grandchild])
    client.cookies["django_language"] = "en"
    client.force_login(viewer)
    response = collection(client, project, themes[0])
    quotes = {e.pk: e for g in response.context["groups"] for e in g["excerpts"]}
    assert via_child.pk in quotes and [t.name for t in quotes[via_child.pk].sub_themes] == ["Små kommuner"]
    assert quotes[study["kari"].pk].sub_themes == []
    assert "Sub-theme: Små kommuner" in response.content.decode()
    assert shown(collection(client, project, child)) == [via_child.pk]  # not the parent's quotes


@pytest.mark.parametrize(("params", "expected"), [
    ({"county": "Agder"}, ["kari", "ola"]),
    ({"sources": "interviews"}, ["kari", "ola", "loose"]),
    ({"sources": "plans"}, ["plan"]),
    ({"sources": "both"}, ["kari", "ola", "plan", "loose"]),
    ({"role": "leader"}, ["ola"]),
    ({"field": "integration"}, ["kari"]),
    ({"role": "advisor", "field": "business"}, []),
    ({"coder": "leder"}, ["ola", "loose"]),
    ({"key": "on"}, ["plan"]),
    ({"q": "ØKT BOSETTING"}, ["kari"]),
    ({"q": "økt"}, ["kari"]),
    ({"q": "FLYKTNINGER"}, ["plan"]),
    ({"q": "ing"}, ["kari", "plan", "loose"]),
    ({"county": "Troms", "sources": "interviews"}, []),
])
def test_it_filters_the_quotes(client, project, viewer, lead, themes, study, params, expected):
    Excerpt.objects.filter(pk=study["plan"].pk).update(is_key=True)
    if "county" in params:
        params = {**params, "county": project.counties.get(name=params["county"]).pk}
    client.force_login(viewer)
    assert shown(collection(client, project, themes[0], **params)) == [study[name].pk for name in expected]


def test_it_takes_the_matrix_cell_links(client, project, viewer, themes, study):
    client.force_login(viewer)
    agder = project.counties.get(name="Agder")
    response = collection(client, project, themes[0], county=agder.pk, sources="interviews", coder="analytiker")
    assert shown(response) == [study["kari"].pk]


def test_it_shows_an_invalid_filter_and_leaves_it_out(client, project, viewer, themes, study):
    client.force_login(viewer)
    response = collection(client, project, themes[0], county="999999", sources="plans")
    assert response.status_code == 200 and "county" in response.context["form"].errors
    assert shown(response) == [study["plan"].pk]


@pytest.mark.own_study
def test_it_is_404_for_a_theme_of_another_study(client, project, lead, viewer):
    from planner.services import project_create

    other = project_create(name="Annen", lead=lead, template="integrering").themes.first()
    client.force_login(viewer)
    assert collection(client, project, other).status_code == 404


def many_quotes(project, analyst, theme, n, counties=("Agder",)):
    """n quotes of theme, each in its own turn, spread over interviews in the given counties."""
    excerpts = []
    for county in counties:
        count = n // len(counties)
        document = interview(project, analyst, county, [
            (f"Person{i % 7}", 60 * i, f"Utsagn nummer {i} om integrering.", "advisor", "integration")
            for i in range(count)], title=f"Intervju {county}")
        for i in range(count):
            excerpts.append(code(document, f"Utsagn nummer {i} ", analyst, [theme]))
    return excerpts


@pytest.mark.own_study
def test_it_pages_the_quotes_and_keeps_the_filters_in_the_page_links(client, project, analyst, viewer, themes):
    excerpts = many_quotes(project, analyst, themes[0], 2 * QUOTES_PER_PAGE + 10)
    client.force_login(viewer)
    first = collection(client, project, themes[0], sources="interviews")
    assert len(shown(first)) == QUOTES_PER_PAGE
    assert shown(first) == [e.pk for e in excerpts[:QUOTES_PER_PAGE]]
    assert 'href="?sources=interviews&amp;page=2"' in first.content.decode()
    last = collection(client, project, themes[0], sources="interviews", page=3)
    assert shown(last) == [e.pk for e in excerpts[2 * QUOTES_PER_PAGE:]]
    assert 'href="?sources=interviews&amp;page=2"' in last.content.decode()
    assert shown(collection(client, project, themes[0], page="99")) == shown(last)  # out of range: the last page


@pytest.mark.own_study
def test_it_pages_with_a_fixed_number_of_queries(client, project, analyst, lead, viewer, themes,
                                                 django_assert_num_queries):
    """Few quotes or a full page from more counties, speakers, coders and plans: the same queries.

    16 since issue 15: how many quotes each document holds is counted, then the page reads the ids of the
    documents it reaches, where one statement read and ordered every quote's id (14,771 at bench scale 1)."""
    few = many_quotes(project, analyst, themes[0], 2)
    client.force_login(viewer)
    with django_assert_num_queries(16):
        response = collection(client, project, themes[0])
    assert len(shown(response)) == 2
    many = many_quotes(project, lead, themes[0], 90, counties=("Troms", "Vestland", "Nordland"))
    for county in ("Troms", "Vestland"):
        document = plan_document(project, county, ["Første side.", "Andre side om integrering."])
        code(document, "integrering", analyst, themes[:2])
    Excerpt.objects.filter(pk__in=[e.pk for e in many[::3]]).update(is_key=True)
    client.force_login(lead)  # the lead also gets the key quote buttons
    with django_assert_num_queries(16):
        response = collection(client, project, themes[0])
    assert len(shown(response)) == QUOTES_PER_PAGE and response.context["page"].paginator.count == 2 + 90 + 2
    with django_assert_num_queries(16):
        response = collection(client, project, themes[0], q="NUMMER", role="advisor", page=2)
    assert len(shown(response)) == 2 + 90 - QUOTES_PER_PAGE
    assert few[0].pk in shown(collection(client, project, themes[0]))


def test_the_index_lists_themes_in_codebook_order_with_counts_and_summary_status(client, project, lead, analyst,
                                                                                 viewer, themes, study):
    from coding.services import summary_save

    child = theme_create(project=project, user=lead, name="Bosetting i distriktene", colour="#112233",
                         parent=themes[0])
    code(study["agder"], "Vi jobber med", analyst, [child, themes[0]])  # counted once for themes[0]
    Excerpt.objects.filter(pk=study["plan"].pk).update(is_key=True)
    summary_save(theme=themes[0], county=None, user=analyst, text="Utkast.", version=0)
    client.cookies["django_language"] = "en"
    client.force_login(viewer)
    response = client.get(reverse("coding:theme_collections", args=[project.slug]))
    listed = response.context["themes"]
    assert [t.pk for t in listed[:3]] == [themes[0].pk, child.pk, themes[1].pk]
    assert (listed[0].excerpt_count, listed[0].key_count, listed[0].summary.text) == (5, 1, "Utkast.")
    assert (listed[1].excerpt_count, listed[2].excerpt_count, listed[2].summary) == (1, 2, None)
    page = response.content.decode()
    assert reverse("coding:theme_collection", args=[project.slug, themes[0].pk]) in page
    assert "Draft" in page and "Not written" in page


def key_url(project, excerpt):
    return reverse("coding:excerpt_key", args=[project.slug, excerpt.pk])


def test_the_lead_marks_and_unmarks_key_quotes_with_history(client, project, lead, themes, study):
    excerpt = study["kari"]
    client.cookies["django_language"] = "en"
    client.force_login(lead)
    response = client.post(key_url(project, excerpt), {"is_key": "true", "version": 1}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "Unmark key quote" in response.content.decode()
    excerpt.refresh_from_db()
    assert (excerpt.is_key, excerpt.version) == (True, 2)
    change = Change.objects.filter(object_uuid=excerpt.uuid, action=Change.Action.EXCERPT_CHANGED).get()
    assert (change.user, change.before["is_key"], change.after["is_key"]) == (lead, False, True)
    assert shown(collection(client, project, themes[0], key="on")) == [excerpt.pk]
    client.post(key_url(project, excerpt), {"is_key": "false", "version": 2})
    excerpt.refresh_from_db()
    assert (excerpt.is_key, Change.objects.filter(object_uuid=excerpt.uuid).count()) == (False, 3)
    assert shown(collection(client, project, themes[0], key="on")) == []


def test_marking_a_key_quote_changed_in_between_is_refused_with_a_message(client, project, lead, themes, study):
    excerpt = study["kari"]
    client.cookies["django_language"] = "en"
    client.force_login(lead)
    response = client.post(key_url(project, excerpt), {"is_key": "true", "version": 7})
    assert response.status_code == 200 and "Someone else changed this excerpt" in response.content.decode()
    excerpt.refresh_from_db()
    assert excerpt.is_key is False and excerpt.version == 1


@pytest.mark.parametrize("role", ["analyst", "viewer"])
def test_only_the_lead_marks_key_quotes(client, project, role_users, themes, study, role):
    client.force_login(role_users[role])
    assert client.post(key_url(project, study["kari"]), {"is_key": "true", "version": 1}).status_code == 403
    assert Excerpt.objects.filter(is_key=True).count() == 0
    assert "/key/" not in collection(client, project, themes[0]).content.decode()


def test_key_quotes_of_another_study_are_404(client, project, lead, themes, study):
    from planner.services import project_create

    other = project_create(name="Annen", lead=lead, template="integrering")
    client.force_login(lead)
    assert client.post(key_url(other, study["kari"]), {"is_key": "true", "version": 1}).status_code == 404


@pytest.mark.own_study
def test_the_text_filter_finds_text_across_chunk_boundaries_and_only_inside_the_quote(client, project, analyst,
                                                                                     viewer, themes):
    """The filter reads the search chunks: compare it with Python on long quotes across many chunks."""
    rng = random.Random(7)
    words = ["innvandring", "Økt", "bosetting", "små", "kommuner", "distrikt", "ÆRE", "plan", "og", "i", "å"]
    text = " ".join(rng.choice(words) for _ in range(6000))
    document = plan_document(project, "Agder", [text[:len(text) // 2], text[len(text) // 2:]])
    assert document.chunks.count() > 6
    spans = [(0, 50), (3990, 4100), (100, 9000), (len(document.text) - 300, len(document.text) - 2)]
    spans += [tuple(sorted(rng.sample(range(len(document.text)), 2))) for _ in range(12)]
    excerpts = [excerpt_create(document=document, start=a, end=b, coder=analyst, themes=themes[:1])
                for a, b in spans if document.text[a:b].strip()]
    client.force_login(viewer)
    # Phrases that straddle the start or the end of a quote are not in it.
    edges = [document.text[e.start - 12:e.start + 4] for e in excerpts[1:4]] + [
        document.text[e.end - 4:e.end + 12] for e in excerpts[:3]]
    for query in ["økt bosetting", "ÆRE PLAN", "små kommuner og", "distrikt i å", "å i å i å", "kommuner små", *edges]:
        query = query.strip()
        expected = {e.pk for e in excerpts if query.casefold() in e.text().casefold()}
        assert set(shown(collection(client, project, themes[0], q=query))) == expected, query
