"""The codebook views (coding/codebook_views.py): list, add, edit, move and merge themes."""

import pytest
from django.urls import reverse

from coding.models import THEME_COLOURS, Change, Theme
from coding.services import excerpt_create, theme_create
from planner.models import Document

# One study and its users for the whole module (tests/conftest.py `module_study`); each test's changes
# are rolled back after it.
pytestmark = pytest.mark.usefixtures("module_study")


@pytest.fixture
def tree(project, lead):
    """A main theme with a sub-theme and a sub-sub-theme, at the end of the codebook."""
    parent = theme_create(project=project, user=lead, name="Hovedtema", colour="#123456")
    child = theme_create(project=project, user=lead, name="Undertema", colour="#234567", parent=parent)
    grandchild = theme_create(project=project, user=lead, name="Under under", colour="#345678", parent=child)
    return parent, child, grandchild


def url(project, name, *args):
    return reverse(f"coding:{name}", args=[project.slug, *args])


def test_it_lists_the_codebook_in_order_with_sub_themes_under_their_theme_and_archived_last(
        client, project, lead, viewer, tree):
    parent, child, grandchild = tree
    first = project.themes.order_by("position").first()
    theme_create(project=project, user=lead, name="Sent undertema", colour="#456789", parent=first)
    Theme.objects.filter(name="Arbeidsinnvandrere").update(archived=True)
    client.force_login(viewer)
    response = client.get(url(project, "theme_list"))
    assert response.status_code == 200
    names = [t.name for t in response.context["themes"]]
    assert names[:2] == [first.name, "Sent undertema"]
    assert names[-4:] == ["Hovedtema", "Undertema", "Under under", "Arbeidsinnvandrere"]
    assert [t.depth for t in response.context["themes"][-4:-1]] == [0, 1, 2]
    assert response.context["active_count"] == 17 + 4 - 1
    page = response.content.decode()
    assert "20 temaer" in page
    assert url(project, "theme_create") not in page  # a viewer sees no buttons that change the codebook


def test_the_lead_adds_a_sub_theme_and_is_told(client, project, lead, tree):
    parent = tree[0]
    client.force_login(lead)
    response = client.post(url(project, "theme_create"), {
        "name": "  Nytt   tema ", "description": "Om noe", "colour": "#abcdef", "parent": parent.pk,
        "shortcut_key": "Q"}, follow=True)
    assert response.redirect_chain == [(url(project, "theme_list"), 302)]
    theme = project.themes.get(name="Nytt tema")
    assert (theme.parent, theme.shortcut_key, theme.colour) == (parent, "q", "#abcdef")
    assert "Temaet «Nytt tema» er lagt til." in response.content.decode()
    assert Change.objects.filter(action="theme_created", object_uuid=theme.uuid).exists()


@pytest.mark.parametrize(("data", "error"), [
    ({"name": "intern organisering"}, "Kodeboken har allerede et tema som heter «intern organisering»."),
    ({"name": "Nytt", "shortcut_key": "1"}, "«1» er hurtigtasten til «Planer og strategier»."),
    ({"name": "Nytt", "colour": "rød"}, None),
])
def test_an_invalid_theme_is_shown_again_with_its_error_and_nothing_is_stored(client, project, lead, data, error):
    client.force_login(lead)
    response = client.post(url(project, "theme_create"), {"colour": "#abcdef", **data})
    assert response.status_code == 200 and not response.context["form"].is_valid()
    if error:
        assert error in response.content.decode()
    assert project.themes.count() == 17


def test_the_lead_renames_and_archives_a_theme(client, project, lead, tree):
    parent, child, _grandchild = tree
    client.force_login(lead)
    response = client.post(url(project, "theme_edit", child.pk), {
        "name": "Omdøpt", "description": "", "colour": "#234567", "parent": parent.pk, "shortcut_key": "",
        "archived": "on"})
    assert response.status_code == 302
    child.refresh_from_db()
    assert (child.name, child.archived, child.parent) == ("Omdøpt", True, parent)


def test_nesting_a_theme_under_its_own_sub_theme_is_refused_with_a_message(client, project, lead, tree):
    parent, _child, grandchild = tree
    client.force_login(lead)
    response = client.post(url(project, "theme_edit", parent.pk), {
        "name": "Hovedtema", "colour": "#123456", "parent": grandchild.pk})
    assert response.status_code == 200
    assert "Et tema kan ikke ligge under seg selv eller et av sine egne undertemaer." in response.content.decode()
    parent.refresh_from_db()
    assert parent.parent is None


def test_the_lead_moves_a_theme_up_and_down(client, project, lead):
    first, second = project.themes.order_by("position")[:2]
    client.force_login(lead)
    response = client.post(url(project, "theme_move", second.pk), {"direction": "up"})
    assert response.url == f"{url(project, 'theme_list')}#theme-{second.pk}"
    assert list(project.themes.order_by("position")[:2]) == [second, first]
    client.post(url(project, "theme_move", second.pk), {"direction": "down"})
    assert list(project.themes.order_by("position")[:2]) == [first, second]


def test_the_merge_form_starts_with_the_theme_it_was_opened_for(client, project, lead, tree):
    client.force_login(lead)
    response = client.get(url(project, "theme_merge"), {"source": tree[1].pk})
    assert response.status_code == 200
    assert response.context["form"]["source"].value() == str(tree[1].pk)


def test_the_lead_merges_a_sub_theme_into_its_parent(client, project, lead, analyst, tree):
    parent, child, grandchild = tree
    document = Document.objects.create(project=project, kind="transcript", title="Intervju", text="Vi har en plan.")
    coded = excerpt_create(document=document, start=0, end=6, coder=analyst, themes=[child])
    client.force_login(lead)
    response = client.post(url(project, "theme_merge"), {"source": child.pk, "target": parent.pk}, follow=True)
    assert response.redirect_chain == [(url(project, "theme_list"), 302)]
    assert "«Undertema» er slått sammen med «Hovedtema»." in response.content.decode()
    assert list(coded.themes.all()) == [parent]
    grandchild.refresh_from_db()
    assert grandchild.parent == parent


@pytest.mark.parametrize("depth", [1, 2])
def test_merging_a_theme_into_its_own_sub_theme_is_refused_with_a_message(client, project, lead, analyst, tree,
                                                                           depth):
    parent, target = tree[0], tree[depth]
    document = Document.objects.create(project=project, kind="transcript", title="Intervju", text="Vi har en plan.")
    coded = excerpt_create(document=document, start=0, end=6, coder=analyst, themes=[parent])
    client.force_login(lead)
    response = client.post(url(project, "theme_merge"), {"source": parent.pk, "target": target.pk})
    assert response.status_code == 200
    assert (f"«{target.name}» er et undertema av «Hovedtema», så «Hovedtema» kan ikke slås sammen med det."
            in response.content.decode())
    parent.refresh_from_db()
    assert not parent.archived and list(coded.themes.all()) == [parent]
    assert list(Theme.objects.filter(pk__in=[t.pk for t in tree]).values_list("parent", flat=True)) == [
        None, parent.pk, tree[1].pk]
    assert not Change.objects.filter(action="theme_merged").exists()


def test_merging_a_theme_into_itself_is_refused_by_the_form(client, project, lead, tree):
    client.force_login(lead)
    response = client.post(url(project, "theme_merge"), {"source": tree[0].pk, "target": tree[0].pk})
    assert response.status_code == 200
    assert "Velg to forskjellige temaer." in response.content.decode()


WRITES = [("theme_create", False), ("theme_edit", True), ("theme_merge", False), ("theme_move", True)]


@pytest.mark.parametrize(("name", "per_theme"), WRITES)
def test_writes_are_for_the_lead_only(client, project, outsider, viewer, analyst, name, per_theme):
    target = url(project, name, *([project.themes.first().pk] if per_theme else []))
    for user, status in ((outsider, 404), (viewer, 403), (analyst, 403)):
        client.force_login(user)
        assert client.post(target, {"name": "Nytt", "colour": "#abcdef"}).status_code == status, user
    assert project.themes.count() == 17 and not project.themes.filter(name="Nytt").exists()


@pytest.mark.parametrize(("name", "per_theme", "method"), [
    ("theme_list", False, "post"), ("theme_create", False, "put"), ("theme_edit", True, "delete"),
    ("theme_merge", False, "put"), ("theme_move", True, "get")])
def test_a_wrong_method_gets_405(client, project, lead, name, per_theme, method):
    client.force_login(lead)
    target = url(project, name, *([project.themes.first().pk] if per_theme else []))
    assert getattr(client, method)(target).status_code == 405


def test_a_new_theme_gets_the_next_colour_no_theme_has(client, project, lead):
    template_colours = set(project.themes.values_list("colour", flat=True))
    assert len(template_colours) == 17
    client.force_login(lead)
    form = client.get(url(project, "theme_create")).context["form"]
    first = form.fields["colour"].initial
    assert first == THEME_COLOURS[17] and first not in template_colours
    theme_create(project=project, user=lead, name="Nytt tema", colour=first)
    second = client.get(url(project, "theme_create")).context["form"]["colour"].value()
    assert second == THEME_COLOURS[18]
    # The service gives one out too, and once every colour is taken, the least used comes round again.
    assert theme_create(project=project, user=lead, name="Enda et tema").colour == second
    assert theme_create(project=project, user=lead, name="Tema 20").colour == THEME_COLOURS[19]
    assert theme_create(project=project, user=lead, name="Tema 21").colour == THEME_COLOURS[0]
