"""Theme summaries and county notes: who writes and reviews, conflicts, and review lost on an analyst's edit."""

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from coding.models import ThemeSummary
from coding.services import ConflictError, summary_review, summary_save
from tests.coding.test_collections import code, interview

# One study and its users for the whole module (tests/conftest.py `module_study`); each test's changes
# are rolled back after it.
pytestmark = pytest.mark.usefixtures("module_study")


@pytest.fixture
def theme(project):
    return project.themes.order_by("position").first()


@pytest.fixture
def agder(project):
    return project.counties.get(name="Agder")


def edit_url(project, theme, county=None):
    if county is None:
        return reverse("coding:theme_summary_edit", args=[project.slug, theme.pk])
    return reverse("coding:county_note_edit", args=[project.slug, theme.pk, county.pk])


def review_url(project, theme, county=None):
    if county is None:
        return reverse("coding:theme_summary_review", args=[project.slug, theme.pk])
    return reverse("coding:county_note_review", args=[project.slug, theme.pk, county.pk])


def test_an_analyst_writes_a_draft_in_place(client, project, analyst, theme):
    client.cookies["django_language"] = "en"
    client.force_login(analyst)
    form = client.get(edit_url(project, theme), HTTP_HX_REQUEST="true")
    assert form.status_code == 200 and 'name="version" value="0"' in form.content.decode()
    response = client.post(edit_url(project, theme), {"text": "Fylkene ser innvandring som vekst.", "version": 0},
                           HTTP_HX_REQUEST="true")
    summary = ThemeSummary.objects.get()
    assert (summary.text, summary.status, summary.updated_by, summary.county, summary.version) == (
        "Fylkene ser innvandring som vekst.", "draft", analyst, None, 1)
    page = response.content.decode()
    assert response.status_code == 200 and "<html" not in page
    assert "Fylkene ser innvandring som vekst." in page and "Draft" in page and "Last edited by analytiker" in page


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_viewer_cannot_write(client, project, viewer, theme, method):
    client.force_login(viewer)
    response = getattr(client, method)(edit_url(project, theme), {"text": "Nei", "version": 0})
    assert response.status_code == 403 and not ThemeSummary.objects.exists()


def test_an_empty_text_is_shown_again_with_its_error(client, project, analyst, theme):
    client.cookies["django_language"] = "en"
    client.force_login(analyst)
    response = client.post(edit_url(project, theme), {"text": "   ", "version": 0})
    assert response.status_code == 200 and "This field is required." in response.content.decode()
    assert not ThemeSummary.objects.exists()


def test_only_the_lead_marks_a_summary_reviewed_and_back(client, project, lead, analyst, viewer, theme):
    summary = summary_save(theme=theme, county=None, user=analyst, text="Utkast.", version=0)
    for user in (analyst, viewer):
        client.force_login(user)
        assert client.post(review_url(project, theme), {"reviewed": "true", "version": 1}).status_code == 403
    summary.refresh_from_db()
    assert summary.status == "draft"
    client.cookies["django_language"] = "en"
    client.force_login(lead)
    response = client.post(review_url(project, theme), {"reviewed": "true", "version": 1})
    summary.refresh_from_db()
    assert (summary.status, summary.reviewed_by, summary.updated_by) == ("reviewed", lead, analyst)
    assert "Reviewed" in response.content.decode() and "Mark as draft" in response.content.decode()
    client.post(review_url(project, theme), {"reviewed": "false", "version": summary.version})
    summary.refresh_from_db()
    assert (summary.status, summary.reviewed_by) == ("draft", None)


def test_the_lead_cannot_review_a_text_changed_since_it_was_read(client, project, lead, analyst, theme):
    summary_save(theme=theme, county=None, user=analyst, text="Utkast.", version=0)
    summary_save(theme=theme, county=None, user=analyst, text="Nytt utkast.", version=1)
    client.cookies["django_language"] = "en"
    client.force_login(lead)
    response = client.post(review_url(project, theme), {"reviewed": "true", "version": 1})
    assert "Read the new text before you mark it reviewed." in response.content.decode()
    assert "Nytt utkast." in response.content.decode()
    assert ThemeSummary.objects.get().status == "draft"


def test_a_save_over_a_newer_version_is_refused_with_both_texts_shown(client, project, lead, analyst, theme):
    summary_save(theme=theme, county=None, user=lead, text="Lederens tekst.", version=0)
    client.cookies["django_language"] = "en"
    client.force_login(analyst)
    response = client.post(edit_url(project, theme), {"text": "Analytikerens tekst.", "version": 0})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Someone else saved this summary a moment ago." in page
    assert "Lederens tekst." in page and "Analytikerens tekst.</textarea>" in page
    assert 'name="version" value="1"' in page  # saving again is a deliberate choice
    assert ThemeSummary.objects.get().text == "Lederens tekst."


def test_the_service_refuses_a_stale_version_and_a_second_first_save(project, lead, analyst, theme):
    summary_save(theme=theme, county=None, user=analyst, text="En.", version=0)
    with pytest.raises(ConflictError):
        summary_save(theme=theme, county=None, user=lead, text="To.", version=0)
    with pytest.raises(ConflictError):
        summary_save(theme=theme, county=None, user=lead, text="To.", version=5)
    assert ThemeSummary.objects.get().text == "En."


def test_an_analysts_edit_makes_a_reviewed_summary_a_draft_again(project, lead, analyst, theme):
    summary = summary_save(theme=theme, county=None, user=analyst, text="Utkast.", version=0)
    summary = summary_review(summary=summary, user=lead, reviewed=True)
    summary = summary_save(theme=theme, county=None, user=lead, text="Lederen retter.", version=summary.version)
    assert summary.status == "reviewed"  # the lead's own edit keeps the review
    summary = summary_save(theme=theme, county=None, user=analyst, text="Lederen retter.", version=summary.version)
    assert summary.status == "reviewed"  # the same text is no change
    summary = summary_save(theme=theme, county=None, user=analyst, text="Analytikeren endrer.",
                           version=summary.version)
    summary.refresh_from_db()
    assert (summary.status, summary.updated_by, summary.text) == ("draft", analyst, "Analytikeren endrer.")


def test_an_analysts_edit_in_the_browser_makes_it_a_draft_and_says_so_first(client, project, lead, analyst, theme):
    summary = summary_review(summary=summary_save(theme=theme, county=None, user=lead, text="Ferdig.", version=0),
                             user=lead, reviewed=True)
    client.cookies["django_language"] = "en"
    client.force_login(analyst)
    form = client.get(edit_url(project, theme)).content.decode()
    assert "when you change its text, it becomes a draft again" in form
    client.post(edit_url(project, theme), {"text": "Endret.", "version": summary.version})
    assert ThemeSummary.objects.get().status == "draft"


def test_county_notes_are_separate_and_show_at_their_county_group(client, project, lead, analyst, viewer, theme,
                                                                  agder):
    document = interview(project, analyst, "Agder", [("Kari", 5, "Vi har en plan.", "advisor", "integration")])
    code(document, "Vi har en plan.", analyst, [theme])
    client.force_login(analyst)
    client.post(edit_url(project, theme), {"text": "Hele temaet.", "version": 0})
    client.post(edit_url(project, theme, agder), {"text": "Agder har en egen plan.", "version": 0})
    client.post(edit_url(project, theme, project.counties.get(name="Troms")), {"text": "Troms.", "version": 0})
    assert set(ThemeSummary.objects.values_list("county__name", "text")) == {
        (None, "Hele temaet."), ("Agder", "Agder har en egen plan."), ("Troms", "Troms.")}
    client.force_login(viewer)
    response = client.get(reverse("coding:theme_collection", args=[project.slug, theme.pk]))
    assert response.context["summary"]["summary"].text == "Hele temaet."
    [group] = response.context["groups"]
    assert group["note"]["summary"].text == "Agder har en egen plan."
    page = response.content.decode()
    assert page.index("Hele temaet.") < page.index('id="county-') < page.index("Agder har en egen plan.")
    assert f'hx-get="{edit_url(project, theme)}"' not in page  # a viewer gets no edit buttons


def test_the_lead_reviews_a_county_note(client, project, lead, analyst, theme, agder):
    note = summary_save(theme=theme, county=agder, user=analyst, text="Notat.", version=0)
    client.force_login(analyst)
    assert client.post(review_url(project, theme, agder), {"reviewed": "true", "version": 1}).status_code == 403
    client.force_login(lead)
    assert client.post(review_url(project, theme, agder), {"reviewed": "true", "version": 1}).status_code == 200
    note.refresh_from_db()
    assert note.status == "reviewed"
    assert ThemeSummary.objects.filter(county=None).count() == 0


def test_the_show_view_gives_the_saved_text_for_cancel(client, project, analyst, viewer, theme, agder):
    summary_save(theme=theme, county=agder, user=analyst, text="Lagret notat.", version=0)
    client.force_login(viewer)
    response = client.get(reverse("coding:county_note", args=[project.slug, theme.pk, agder.pk]))
    assert response.status_code == 200 and "Lagret notat." in response.content.decode()


def test_a_county_of_another_study_is_404(client, project, lead, theme):
    from planner.services import project_create

    other = project_create(name="Annen", lead=lead, template="integrering").counties.first()
    client.force_login(lead)
    assert client.post(edit_url(project, theme, other), {"text": "X", "version": 0}).status_code == 404


def test_the_database_keeps_one_summary_per_theme_and_one_note_per_theme_and_county(project, analyst, theme, agder):
    summary_save(theme=theme, county=None, user=analyst, text="En.", version=0)
    summary_save(theme=theme, county=agder, user=analyst, text="Agder.", version=0)
    for county in (None, agder):
        with pytest.raises(IntegrityError), transaction.atomic():
            ThemeSummary.objects.create(project=project, theme=theme, county=county, text="Til.")
