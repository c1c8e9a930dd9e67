"""The document coding views (coding/document_views.py): the coding page, and excerpts created,
opened, changed, deleted, undone, polled for and listed in the history, over HTTP as htmx sends them."""

import pytest
from django.urls import reverse

from coding.models import Change, Excerpt
from coding.services import excerpt_create, excerpt_update
from interviews.importers import parse_file
from interviews.models import format_seconds
from interviews.services import NewParticipant, transcript_import
from planner.models import Document

# One study and its users for the whole module (tests/conftest.py `module_study`); each test's changes
# are rolled back after it.
pytestmark = pytest.mark.usefixtures("module_study")

# Teams output of two turns; the stored text becomes «Informant 1: …\nInformant 2: …».
VTT = (
    "WEBVTT\n\n00:01:05.000 --> 00:01:09.000\n<v Kari Nordmann>Vi har en plan for kvalifisering.</v>\n\n"
    "00:14:32.000 --> 00:14:40.000\n<v Ola Li>Distriktskommuner får flyktninger.</v>\n"
)


@pytest.fixture
def document(project, lead):
    parsed = parse_file("agder.vtt", VTT.encode())
    mapping = {s: NewParticipant(label=f"Informant {i + 1}") for i, s in enumerate(parsed.speakers())}
    return transcript_import(project=project, user=lead, parsed=parsed, mapping=mapping, title="Intervju Agder",
                             county=project.counties.get(name="Agder"), interview_format="group_interview")


@pytest.fixture
def themes(project):
    return list(project.themes.order_by("position")[:3])


def span(document, words):
    start = document.text.index(words)
    return start, start + len(words)


def url(name, *args):
    return reverse(f"coding:{name}", args=list(args))


def test_the_coding_page_shows_the_text_its_excerpts_time_codes_and_the_active_themes(
        client, project, document, analyst, themes):
    start, end = span(document, "en plan")
    excerpt = excerpt_create(document=document, start=start, end=end, coder=analyst, themes=themes[:2])
    themes[2].archived = True
    themes[2].save()
    client.force_login(analyst)
    response = client.get(url("document_code", project.slug, document.pk))
    assert response.status_code == 200
    page = response.content.decode()
    assert f'data-o="{start}" data-ex="{excerpt.pk}"' in page
    assert f'<span class="time">{format_seconds(14 * 60 + 32)}</span>' in page
    assert '<span class="seg label" data-o="0">Informant 1: </span>' in page  # the speaker label is marked
    assert [t.pk for t in response.context["themes"]][:2] == [themes[0].pk, themes[1].pk]
    assert themes[2] not in response.context["themes"]
    assert response.context["excerpt_count"] == 1
    assert response.context["since"] == Change.objects.filter(document=document).latest("id").pk


def test_an_analyst_codes_a_selection_and_gets_the_panel_and_the_changed_row(client, project, document, analyst,
                                                                             themes, django_assert_num_queries):
    start, end = span(document, "Distriktskommuner får")
    client.force_login(analyst)
    # The membership, the study and the document are one statement; the themes are read once (to code with and
    # for the panel); the paragraphs around the selection and their turns are read once each, and serve the
    # snapping, the trimming, the panel and the rows (issue 15: 20 statements before, the blind-coding check
    # included; 18 before the paragraphs were read once).
    with django_assert_num_queries(13):
        response = client.post(url("excerpt_create", project.slug, document.pk), {
            "start": start - 1, "end": end + 1, "themes": [themes[0].pk, themes[1].pk], "memo": "Om bosetting"})
    assert response.status_code == 200
    excerpt = Excerpt.objects.get(document=document)
    assert (excerpt.start, excerpt.end, excerpt.memo, excerpt.coder) == (start, end, "Om bosetting", analyst)
    assert set(excerpt.themes.all()) == set(themes[:2])
    page = response.content.decode()
    assert "<blockquote class=\"excerpt-text\">Distriktskommuner får</blockquote>" in page
    row_start = document.text.index("Informant 2")
    assert f'<div class="row" hx-swap-oob="true" id="row-{row_start}"' in page
    assert page.count('hx-swap-oob="true"') == 1  # only the paragraph the excerpt touches


@pytest.mark.parametrize(("data", "message"), [
    ({"start": 5, "end": 5}, "Marker et tekstutdrag."),
    ({"start": 0, "end": 10_000}, "Markeringen går forbi slutten av teksten."),
    ({"start": 20, "end": 30, "themes": []}, "Velg minst ett tema."),
    ({"start": 5, "end": ""}, "Marker et tekstutdrag."),
    ({"start": 0, "end": 5}, "Markeringen inneholder ingen tale: marker ord noen sier, ikke en talers etikett eller "
                             "en tidskode."),
])
def test_a_bad_selection_answers_with_a_message_and_stores_nothing(client, project, document, analyst, themes,
                                                                   data, message):
    client.force_login(analyst)
    response = client.post(url("excerpt_create", project.slug, document.pk), {"themes": [themes[0].pk], **data})
    assert response.status_code == 200
    assert f'<p class="message error" role="status">{message}</p>' in response.content.decode()
    assert not Excerpt.objects.exists()


def test_the_panel_shows_the_passage_its_themes_and_a_form_only_to_coders(client, project, document, analyst,
                                                                          viewer, themes):
    start, end = span(document, "en plan")
    excerpt = excerpt_create(document=document, start=start, end=end, coder=analyst, themes=[themes[1]], memo="Notat")
    client.force_login(analyst)
    response = client.get(url("excerpt_panel", project.slug, excerpt.pk))
    checked = [t["id"] for t in response.context["themes"] if t["checked"]]
    assert checked == [themes[1].pk] and response.context["passage"] == "en plan"
    assert url("excerpt_update", project.slug, excerpt.pk) in response.content.decode()
    client.force_login(viewer)
    page = client.get(url("excerpt_panel", project.slug, excerpt.pk)).content.decode()
    assert url("excerpt_update", project.slug, excerpt.pk) not in page
    assert themes[1].name in page and "Notat" in page


def test_a_deleted_excerpts_panel_says_so(client, project, document, analyst):
    client.force_login(analyst)
    response = client.get(url("excerpt_panel", project.slug, 999_999))
    assert response.status_code == 200 and "Dette utdraget finnes ikke lenger." in response.content.decode()


def test_an_analyst_changes_themes_memo_and_boundaries(client, project, document, analyst, themes):
    start, end = span(document, "en plan")
    excerpt = excerpt_create(document=document, start=start, end=end, coder=analyst, themes=[themes[0]])
    new_start, new_end = span(document, "en plan for kvalifisering")
    client.force_login(analyst)
    response = client.post(url("excerpt_update", project.slug, excerpt.pk), {
        "version": 1, "start": new_start, "end": new_end, "themes": [themes[1].pk, themes[2].pk], "memo": "Ny"})
    assert "Lagret." in response.content.decode()
    excerpt.refresh_from_db()
    assert (excerpt.start, excerpt.end, excerpt.memo, excerpt.version) == (new_start, new_end, "Ny", 2)
    assert set(excerpt.themes.all()) == {themes[1], themes[2]}


def test_new_boundaries_snap_to_speech_and_a_label_alone_is_refused(client, project, document, analyst, themes):
    start, end = span(document, "en plan")
    excerpt = excerpt_create(document=document, start=start, end=end, coder=analyst, themes=[themes[0]])
    second = document.text.index("Informant 2")
    client.force_login(analyst)
    data = {"themes": [themes[0].pk], "memo": ""}
    # From the first label to the second: the first turn's speech, no label at either end.
    response = client.post(url("excerpt_update", project.slug, excerpt.pk),
                           {**data, "version": 1, "start": 0, "end": second + 5})
    assert "Lagret." in response.content.decode()
    excerpt.refresh_from_db()
    assert document.text[excerpt.start:excerpt.end] == "Vi har en plan for kvalifisering."
    response = client.post(url("excerpt_update", project.slug, excerpt.pk),
                           {**data, "version": 2, "start": second, "end": second + 5})
    assert "Markeringen inneholder ingen tale" in response.content.decode()
    excerpt.refresh_from_db()
    assert excerpt.version == 2


def test_a_change_on_an_old_version_is_refused_and_shows_the_excerpt_as_it_is_now(client, project, document,
                                                                                  analyst, lead, themes):
    start, end = span(document, "en plan")
    excerpt = excerpt_create(document=document, start=start, end=end, coder=analyst, themes=[themes[0]])
    excerpt_update(excerpt_id=excerpt.pk, user=lead, version=1, themes=[themes[2]], memo="Lederens")
    client.force_login(analyst)
    response = client.post(url("excerpt_update", project.slug, excerpt.pk), {
        "version": 1, "themes": [themes[1].pk], "memo": "Min"})
    assert 'class="message error"' in response.content.decode()
    assert [t["id"] for t in response.context["themes"] if t["checked"]] == [themes[2].pk]
    excerpt.refresh_from_db()
    assert (excerpt.memo, excerpt.version) == ("Lederens", 2)


def test_a_change_without_a_theme_is_shown_again_with_its_error(client, project, document, analyst, themes):
    start, end = span(document, "en plan")
    excerpt = excerpt_create(document=document, start=start, end=end, coder=analyst, themes=[themes[0]])
    client.force_login(analyst)
    response = client.post(url("excerpt_update", project.slug, excerpt.pk), {"version": 1, "memo": "x"})
    assert response.status_code == 200 and not response.context["form"].is_valid()
    assert list(Excerpt.objects.get().themes.all()) == [themes[0]]


def test_delete_then_undo_brings_the_excerpt_back_and_then_there_is_nothing_to_undo(client, project, document,
                                                                                    analyst, themes):
    start, end = span(document, "en plan")
    excerpt = excerpt_create(document=document, start=start, end=end, coder=analyst, themes=[themes[0]])
    client.force_login(analyst)
    stale = client.post(url("excerpt_delete", project.slug, excerpt.pk), {"version": 7})
    assert 'class="message error"' in stale.content.decode() and Excerpt.objects.exists()
    # A delete without the version it saw is refused: it would delete without the conflict check.
    blind = client.post(url("excerpt_delete", project.slug, excerpt.pk))
    assert 'class="message error"' in blind.content.decode() and Excerpt.objects.exists()
    response = client.post(url("excerpt_delete", project.slug, excerpt.pk), {"version": 1})
    assert "Utdraget er slettet. Ctrl+Z eller «Angre» henter det tilbake." in response.content.decode()
    assert not Excerpt.objects.exists()
    gone = client.post(url("excerpt_delete", project.slug, excerpt.pk), {"version": 1})
    assert "Noen andre slettet dette utdraget nettopp." in gone.content.decode()
    response = client.post(url("document_undo", project.slug, document.pk))
    assert "Angret: " in response.content.decode() and 'hx-swap-oob="true"' in response.content.decode()
    back = Excerpt.objects.get()
    assert (back.uuid, back.start, back.end) == (excerpt.uuid, start, end)
    response = client.post(url("document_undo", project.slug, document.pk))  # undoes the creation
    assert not Excerpt.objects.exists()
    response = client.post(url("document_undo", project.slug, document.pk))
    assert "Ingenting å angre." in response.content.decode()


def test_the_poll_answers_204_until_a_colleague_changes_something(client, project, document, analyst, lead, themes):
    client.force_login(analyst)
    changes = url("document_changes", project.slug, document.pk)
    since = client.get(url("document_code", project.slug, document.pk)).context["since"]
    assert client.get(changes, {"since": since}).status_code == 204
    start, end = span(document, "flyktninger")
    excerpt_create(document=document, start=start, end=end, coder=lead, themes=[themes[0]])
    response = client.get(changes, {"since": since})
    assert response.status_code == 200
    assert response.context["since"] == Change.objects.filter(document=document).latest("id").pk > since
    assert f'id="row-{document.text.index("Informant 2")}"' in response.content.decode()
    assert client.get(changes, {"since": response.context["since"]}).status_code == 204


def test_the_history_names_the_themes_and_the_memo_of_each_change(client, project, document, analyst, viewer,
                                                                  themes):
    start, end = span(document, "en plan")
    excerpt = excerpt_create(document=document, start=start, end=end, coder=analyst, themes=[themes[0]])
    excerpt_update(excerpt_id=excerpt.pk, user=analyst, version=1, themes=[themes[1]], memo="Viktig")
    client.force_login(viewer)
    response = client.get(url("document_history", project.slug, document.pk))
    newest = response.context["changes"][0]
    assert newest.before_text == f"«en plan»: {themes[0].name}"
    assert newest.after_text == f"«en plan»: {themes[1].name} · «Viktig»"
    assert len(response.context["changes"]) == 2
    assert f"{start}–{end}" not in response.content.decode()


def test_the_history_cuts_a_long_passage_in_the_middle_and_shows_a_moved_one_before_and_after(
        client, project, analyst, viewer, themes):
    words = [f"ord{n}" for n in range(30)]
    document = Document.objects.create(project=project, kind="transcript", title="Langt", text=" ".join(words))
    excerpt = excerpt_create(document=document, start=0, end=len(document.text), coder=analyst, themes=[themes[0]])
    excerpt_update(excerpt_id=excerpt.pk, user=analyst, version=1, start=document.text.index("ord28"))
    client.force_login(viewer)
    changed, created = client.get(url("document_history", project.slug, document.pk)).context["changes"]
    shortened = "ord0 ord1 ord2 ord3 ord4 ord5 ord6 ord7 … ord26 ord27 ord28 ord29"
    assert created.after_text == f"«{shortened}»: {themes[0].name}"
    assert (changed.before_text, changed.after_text) == (created.after_text, f"«ord28 ord29»: {themes[0].name}")


def test_the_picker_lists_the_active_themes_in_codebook_order(client, project, viewer, themes):
    themes[1].archived = True
    themes[1].save()
    client.force_login(viewer)
    data = client.get(url("picker_themes", project.slug)).json()["themes"]
    assert [t["id"] for t in data[:2]] == [themes[0].pk, themes[2].pk]
    assert len(data) == 16 and set(data[0]) == {"id", "name", "colour", "shortcut_key", "description"}


@pytest.fixture
def excerpt(document, analyst, themes):
    start, end = span(document, "en plan")
    return excerpt_create(document=document, start=start, end=end, coder=analyst, themes=[themes[0]])


WRITES = ["excerpt_create", "document_undo", "excerpt_update", "excerpt_delete"]


def _write_url(name, project, document, excerpt):
    return url(name, project.slug, document.pk if name in ("excerpt_create", "document_undo") else excerpt.pk)


@pytest.mark.parametrize("name", WRITES)
def test_writes_are_for_coders_only_and_for_post_only(client, project, document, excerpt, outsider, viewer, name,
                                                      themes):
    target = _write_url(name, project, document, excerpt)
    data = {"start": 0, "end": 5, "themes": [themes[1].pk], "version": 1, "memo": "x"}
    for user, status in ((outsider, 404), (viewer, 403)):
        client.force_login(user)
        assert client.post(target, data).status_code == status, user
    assert client.get(target).status_code == 405
    assert list(Excerpt.objects.values_list("pk", "version")) == [(excerpt.pk, 1)]


@pytest.mark.parametrize("name", ["document_code", "document_changes", "document_history"])
def test_reading_is_for_members_and_for_get_only(client, project, document, outsider, viewer, name):
    target = url(name, project.slug, document.pk)
    client.force_login(outsider)
    assert client.get(target).status_code == 404
    client.force_login(viewer)
    assert client.get(target).status_code in (200, 204)
    assert client.post(target).status_code == 405
