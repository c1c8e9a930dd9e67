"""The transcript list and view, and the participants page (more in test_participants.py)."""

import re
from collections import Counter

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from interviews import views
from interviews.importers import parse_file
from interviews.models import Participant, Turn, speaking_pairs
from interviews.services import NewParticipant, transcript_import
from planner.models import Document
from tests.interviews import skip_scan_statements
from tests.long_transcript import long_transcript

# One study and its users for the whole module (tests/conftest.py `module_study`); each test's changes
# are rolled back after it.
pytestmark = pytest.mark.usefixtures("module_study")


def _transcript(project, user, n_turns=4, title="Intervju"):
    lines = [f"Person {i % 3}: Replikk nummer {i} om bosetting og kvalifisering." for i in range(n_turns)]
    parsed = parse_file("x.txt", "\n".join(lines).encode())
    mapping = {
        speaker: Participant.objects.filter(project=project, label=f"Informant {speaker[-1]}").first()
        or NewParticipant(label=f"Informant {speaker[-1]}", role="advisor", field="integration")
        for speaker in parsed.speakers()
    }
    return transcript_import(project=project, user=user, parsed=parsed, mapping=mapping, title=title,
                             county=project.counties.get(name="Agder"), interview_format="group_interview")


def test_the_transcript_view_shows_labels_badges_and_speech(client, project, viewer, analyst):
    parsed = parse_file("t.vtt", b"WEBVTT\n\n00:14:32.000 --> 00:14:35.000\n<v Kari Nordmann>Hei <b>alle</b>.</v>\n")
    document = transcript_import(
        project=project, user=analyst, parsed=parsed, title="Agder",
        mapping={"Kari Nordmann": NewParticipant(label="Informant 4", role="advisor", field="integration")},
        interview_format="group_interview",
    )
    client.force_login(viewer)
    page = client.get(reverse("interviews:transcript_detail", args=[project.slug, document.pk])).content.decode()
    assert "Informant 4" in page and "00:14:32" in page and "Rådgiver, integrering" in page
    assert "Kari" not in page


def test_html_in_a_transcript_is_shown_as_text(client, project, viewer, analyst):
    parsed = parse_file("x.txt", b"Kari: <script>alert(1)</script> & <b>fet</b>")
    document = transcript_import(project=project, user=analyst, parsed=parsed, title="<i>Tittel</i>",
                                 mapping={"Kari": NewParticipant(label="Informant 1")},
                                 interview_format="group_interview")
    client.force_login(viewer)
    page = client.get(reverse("interviews:transcript_detail", args=[project.slug, document.pk])).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;fet&lt;/b&gt;" in page
    assert "&lt;i&gt;Tittel&lt;/i&gt;" in page


def test_turn_rows_made_in_python_escape_labels_and_fields_and_link_assignment_for_writers(
        client, project, viewer, analyst):
    """The turns are written without the template (issue 15): labels and free-text fields stay text."""
    parsed = parse_file("x.txt", b"Kari: Hei.\nOla: Hallo.")
    document = transcript_import(
        project=project, user=analyst, parsed=parsed, title="Agder", interview_format="group_interview",
        mapping={"Kari": NewParticipant(label='<b>"I1"</b>', role="leader", field="other", field_other="<i>Vei</i>"),
                 "Ola": NewParticipant(label="Intervjuer", role="interviewer", field="other")})
    url = reverse("interviews:transcript_detail", args=[project.slug, document.pk])
    client.force_login(viewer)
    page = client.get(url).content.decode()
    assert "<b>" not in page and "<i>Vei" not in page
    assert "&lt;b&gt;&quot;I1&quot;&lt;/b&gt;" in page and "&lt;i&gt;vei&lt;/i&gt;" in page  # the field in lower case
    assert page.count('class="turn interviewer"') == 1 and "assign-from" not in page
    client.force_login(analyst)
    page = client.get(url).content.decode()
    assign = reverse("interviews:turn_assign", args=[project.slug, document.pk])
    assert f'href="{assign}?first=1"' in page and f'href="{assign}?first=2"' in page


@pytest.mark.parametrize(("name", "queries"), [
    ("interviews:transcript_list", 4), ("interviews:participant_list", 6), ("interviews:transcript_detail", 9),
])
def test_interview_pages_do_not_grow_with_rows(client, project, analyst, django_assert_num_queries, name, queries):
    if name != "interviews:transcript_detail":
        queries += skip_scan_statements()  # interviews.models.speaking_pairs
    document = _transcript(project, analyst, n_turns=3)
    client.force_login(analyst)
    kwargs = {"slug": project.slug} | ({"document_id": document.pk} if name.endswith("detail") else {})
    url = reverse(name, kwargs=kwargs)
    client.get(url)
    with django_assert_num_queries(queries):
        assert client.get(url).status_code == 200
    for i in range(4):
        _transcript(project, analyst, n_turns=30, title=f"Flere {i}")
    Document.objects.filter(pk=document.pk).delete()
    document = _transcript(project, analyst, n_turns=60)
    url = reverse(name, kwargs={"slug": project.slug} | ({"document_id": document.pk} if "detail" in name else {}))
    with django_assert_num_queries(queries):
        assert client.get(url).status_code == 200


def test_load_demo_imports_eleven_fictional_interviews_once(db, capsys, settings, tmp_path):
    settings.DATA_DIR = tmp_path  # it keeps the demo password there
    call_command("load_demo")
    call_command("load_demo")
    documents = Document.objects.filter(kind="transcript")
    assert documents.count() == 11
    assert documents.values("county").distinct().count() == 11
    informants = Participant.objects.filter(role__in=["advisor", "leader"])
    assert informants.count() == 33
    assert all("fiktivt" in d.title for d in documents)
    assert documents.filter(excerpts__isnull=False).distinct().count() == 11


def _text_reads(queries):
    """The statements that select a document's text (the chunks' own text column is another)."""
    return [q["sql"] for q in queries if '"planner_document"."text"' in q["sql"]]


def test_the_text_read_check_sees_a_read_of_the_text(project, analyst):
    long_transcript(project, analyst, cues=20)
    with CaptureQueriesContext(connection) as queries:
        Document.objects.get()
    assert _text_reads(queries.captured_queries)


@pytest.mark.parametrize("name", [
    "interviews:transcript_list", "interviews:participant_list", "planner:project_detail",
    "interviews:transcript_detail", "interviews:transcript_turns",
])
def test_lists_and_transcript_pages_never_read_a_whole_text(client, project, analyst, name):
    document = long_transcript(project, analyst, cues=400)
    long_transcript(project, analyst, cues=200, seed=2, title="Et til")
    client.force_login(analyst)
    kwargs = {"slug": project.slug}
    if name in ("interviews:transcript_detail", "interviews:transcript_turns"):
        kwargs["document_id"] = document.pk
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse(name, kwargs=kwargs)).status_code == 200
    assert _text_reads(queries.captured_queries) == []


def test_the_interview_list_counts_turns_and_speakers_without_reading_every_turn(client, project, analyst,
                                                                                 django_assert_num_queries):
    """Turns counted as the last position plus one, speakers by the skip scan of speaking_pairs (issue 15): the
    same figures as counting the rows, and 0 for a transcript without turns."""
    first = _transcript(project, analyst, n_turns=3)
    client.force_login(analyst)
    url = reverse("interviews:transcript_list", args=[project.slug])
    for i in range(3):
        long_transcript(project, analyst, cues=150, seed=i, title=f"Langt {i}")
    with django_assert_num_queries(4 + skip_scan_statements()):
        response = client.get(url)
    expected = {d.pk: (d.turns.count(), d.turns.values("participant").distinct().count())
                for d in Document.objects.filter(kind="transcript")}
    assert _listed_counts(response) == expected and expected[first.pk] == (3, 3)
    # Participants who speak in several transcripts (the informants of _transcript speak in each) and one who
    # speaks in none: the skip scan finds what DISTINCT finds.
    Participant.objects.create(project=project, label="Taus")
    spoken = (Turn.objects.filter(document__project=project).order_by().values_list("participant_id", "document_id")
              .distinct())
    assert sorted(speaking_pairs(project.pk)) == sorted(spoken)
    assert max(Counter(participant for participant, _document in spoken).values()) > 1
    first.turns.all().delete()  # a transcript without turns counts 0, not «None»
    assert _listed_counts(client.get(url))[first.pk] == (0, 0)


def _listed_counts(response):
    """{document id: (turns, speakers)} as the interview list shows them."""
    page = response.content.decode()
    rows = re.findall(r'interviews/(\d+)/">.*?<td class="num">(\d+)</td>\s*<td class="num">(\d+)</td>', page, re.S)
    return {int(pk): (int(turns), int(speakers)) for pk, speakers, turns in rows}


def test_the_dashboard_does_not_grow_with_transcripts(client, project, analyst, django_assert_num_queries):
    _transcript(project, analyst, n_turns=3)
    client.force_login(analyst)
    url = reverse("planner:project_detail", args=[project.slug])
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    for i in range(3):
        long_transcript(project, analyst, cues=150, seed=i, title=f"Langt {i}")
    with django_assert_num_queries(len(before)):
        assert client.get(url).status_code == 200


def _positions(page):
    return [int(n) for n in re.findall(r'id="turn-(\d+)"', page)]


def test_the_transcript_page_shows_a_window_of_turns_and_loads_the_next_as_the_reader_scrolls(
        client, project, viewer, analyst, monkeypatch):
    monkeypatch.setattr(views, "TURN_WINDOW", 40)
    document = long_transcript(project, analyst, cues=400)
    turns = list(document.turns.order_by("position"))
    assert len(turns) > 120
    client.force_login(viewer)
    page = client.get(reverse("interviews:transcript_detail", args=[project.slug, document.pk])).content.decode()
    assert _positions(page) == list(range(40))
    assert f"{len(turns)} replikker" in page and "upto=" not in page
    more = reverse("interviews:transcript_turns", args=[project.slug, document.pk])
    seen, next_from = _positions(page), re.search(r'\?from=(\d+)"[^>]*hx-trigger="revealed', page)
    while next_from:
        fragment = client.get(more, {"from": next_from.group(1)}).content.decode()
        assert "upto=" not in fragment
        seen += _positions(fragment)
        next_from = re.search(r'\?from=(\d+)"[^>]*hx-trigger="revealed', fragment)
    assert seen == list(range(len(turns)))
    # Each turn's speech is its own stretch of the text, also in the last window.
    last = turns[-1]
    assert escape(document.text[last.speech_start:last.end]) in fragment


def test_a_link_to_a_place_opens_the_window_holding_it_and_earlier_turns_load_upward(
        client, project, viewer, analyst, monkeypatch):
    monkeypatch.setattr(views, "TURN_WINDOW", 40)
    document = long_transcript(project, analyst, cues=400)
    turns = list(document.turns.order_by("position"))
    target = turns[-5]
    client.force_login(viewer)
    page = client.get(reverse("interviews:transcript_detail", args=[project.slug, document.pk]),
                      {"at": target.speech_start + 3}).content.decode()
    first = target.position - 2
    assert _positions(page) == list(range(first, len(turns)))
    assert f"?upto={first}" in page and "?from=" not in page
    fragment = client.get(reverse("interviews:transcript_turns", args=[project.slug, document.pk]),
                          {"upto": first}).content.decode()
    assert _positions(fragment) == list(range(first - 40, first))
    assert f"?upto={first - 40}" in fragment and "?from=" not in fragment
