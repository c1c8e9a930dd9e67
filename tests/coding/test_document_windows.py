"""The coding view of a long document, a window at a time: offsets stay absolute, every paragraph
is loaded once, links to a place open its window, and undo names the place it restored."""

import json
import re
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from coding import rendering
from coding.services import excerpt_create
from tests.long_transcript import long_transcript

# One study and its users for the whole module (tests/conftest.py `module_study`); each test's changes
# are rolled back after it.
pytestmark = pytest.mark.usefixtures("module_study")

ROW = re.compile(r'<div class="row"[^>]* data-start="(\d+)" data-end="(\d+)">')
SEG = re.compile(r'<span class="seg[^"]*" data-o="(\d+)"[^>]*>([^<]*)</span>')
LATER = re.compile(r'\?from=(\d+)"[^>]*hx-trigger="revealed')
EARLIER = re.compile(r'\?upto=(\d+)"')


@pytest.fixture
def small_windows(monkeypatch):
    monkeypatch.setattr(rendering, "WINDOW_CHARS", 4000)


@pytest.fixture
def long_document(project, analyst):
    return long_transcript(project, analyst, cues=300)


def _paragraph_starts(text):
    starts, at = [], 0
    for line in text.split("\n"):
        starts.append(at)
        at += len(line) + 1
    return starts


def _check_segments(html, text):
    """Each piece of text sits at its own absolute offset."""
    for offset, piece in SEG.findall(html):
        piece = unescape(piece)
        assert text[int(offset):int(offset) + len(piece)] == piece


def _urls(project, document):
    return (reverse("coding:document_code", args=[project.slug, document.pk]),
            reverse("coding:document_rows", args=[project.slug, document.pk]))


def test_scrolling_down_loads_every_paragraph_once_at_its_own_offset(client, project, viewer, long_document,
                                                                     small_windows):
    text = long_document.text
    page_url, rows_url = _urls(project, long_document)
    client.force_login(viewer)
    page = client.get(page_url).content.decode()
    assert "?upto=" not in page and len(text) > 10 * 4000
    rows, html, windows = [], page, 1
    while True:
        _check_segments(html, text)
        rows += [int(start) for start, _end in ROW.findall(html)]
        later = LATER.search(html)
        if not later:
            break
        html = client.get(rows_url, {"from": later.group(1)}).content.decode()
        assert "?upto=" not in html
        windows += 1
    assert rows == _paragraph_starts(text) and windows >= len(text) // 5000


def test_a_link_to_a_place_renders_its_window_and_earlier_windows_load_upward(client, project, viewer,
                                                                             long_document, small_windows):
    text = long_document.text
    page_url, rows_url = _urls(project, long_document)
    place = len(text) - 500
    client.force_login(viewer)
    page = client.get(page_url, {"at": place}).content.decode()
    rows = [(int(a), int(b)) for a, b in ROW.findall(page)]
    assert any(a <= place <= b for a, b in rows) and "?from=" not in page  # the last window
    _check_segments(page, text)
    starts, html = [a for a, _b in rows], page
    while earlier := EARLIER.search(html):
        html = client.get(rows_url, {"upto": earlier.group(1)}).content.decode()
        assert "?from=" not in html
        _check_segments(html, text)
        starts = [int(a) for a, _b in ROW.findall(html)] + starts
    assert starts == _paragraph_starts(text)
    # A jump from the page (a place not loaded) gets a window with both edges.
    middle = client.get(rows_url, {"at": len(text) // 2}).content.decode()
    assert EARLIER.search(middle) and LATER.search(middle)


def test_excerpts_in_a_later_window_are_marked_there(client, project, viewer, analyst, long_document,
                                                     small_windows):
    text = long_document.text
    start = text.index("\n", len(text) - 2000) + 1
    excerpt = excerpt_create(document=long_document, start=start + 5, end=start + 40, coder=analyst,
                             themes=[project.themes.first()])
    page_url, rows_url = _urls(project, long_document)
    client.force_login(viewer)
    assert f'data-ex="{excerpt.pk}"' not in client.get(page_url).content.decode()
    window = client.get(rows_url, {"from": start}).content.decode()
    assert f'data-ex="{excerpt.pk}"' in window and f'data-excerpt="{excerpt.pk}"' in window


def test_the_first_window_is_small_and_its_queries_do_not_grow_with_the_document(
        client, project, analyst, django_assert_num_queries):
    short = long_transcript(project, analyst, cues=100, seed=3, title="Kort")
    client.force_login(analyst)
    with CaptureQueriesContext(connection) as before:
        client.get(_urls(project, short)[0])
    long_document = long_transcript(project, analyst, cues=1500, seed=4)
    with CaptureQueriesContext(connection) as queries, django_assert_num_queries(len(before)):
        response = client.get(_urls(project, long_document)[0])
    assert not [q for q in queries.captured_queries if '"planner_document"."text"' in q["sql"]]
    assert len(long_document.text) > 3 * rendering.WINDOW_CHARS
    rows = ROW.findall(response.content.decode())
    assert int(rows[-1][1]) - int(rows[0][0]) < rendering.WINDOW_CHARS + 2000


def test_undo_names_the_place_it_restored(client, project, analyst, long_document):
    text = long_document.text
    client.force_login(analyst)
    theme = project.themes.first()
    start = len(text) - 300
    client.post(reverse("coding:excerpt_create", args=[project.slug, long_document.pk]),
                {"start": start, "end": start + 50, "themes": [theme.pk]})
    response = client.post(reverse("coding:document_undo", args=[project.slug, long_document.pk]))
    assert json.loads(response["HX-Trigger"]) == {"kodeverk:show": {"start": start, "end": start + 50}}


def test_search_hits_quotes_and_history_link_to_their_window(client, project, analyst, viewer, long_document):
    text = long_document.text
    start = text.rindex("Tilskuddsordningen")
    excerpt = excerpt_create(document=long_document, start=start, end=start + 18, coder=analyst,
                             themes=[project.themes.first()])
    base = reverse("coding:document_code", args=[project.slug, long_document.pk])
    place = f"{base}?at={start}#at-{start}-{start + 18}"
    client.force_login(viewer)
    search = client.get(reverse("coding:search_document", args=[project.slug, long_document.pk]),
                        {"q": "tilskuddsordningen"}).content.decode()
    assert f'href="{place}"' in search.replace("&amp;", "&")
    history = client.get(reverse("coding:document_history", args=[project.slug, long_document.pk])).content.decode()
    assert f'href="{place}"' in history.replace("&amp;", "&")
    quotes = client.get(reverse("coding:theme_collection", args=[project.slug, excerpt.themes.first().pk]))
    assert f'href="{place}"' in quotes.content.decode().replace("&amp;", "&")


def test_a_turn_without_a_label_in_its_text_shows_its_speaker_beside_it(client, project, analyst):
    """A file without speakers: the coding view names each turn's participant in the margin, outside the text."""
    from interviews.models import Participant
    from tests.interviews.test_turn_assign import speakerless

    document = speakerless(project, analyst)
    client.force_login(analyst)
    url = reverse("coding:document_code", args=[project.slug, document.pk])
    html = client.get(url).content.decode()
    assert html.count('<span class="speaker-tag">Ukjent</span>') == document.turns.count()
    informant = Participant.objects.create(project=project, label="Informant 7", role="advisor")
    document.turns.filter(position=0).update(participant=informant)
    html = client.get(url).content.decode()
    assert html.count('<span class="speaker-tag">Informant 7</span>') == 1
    _check_segments(html, document.text)  # the tag is no part of the text's segments
