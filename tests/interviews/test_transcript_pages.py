"""The transcript list and view, and the participants page (more in test_participants.py)."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from interviews.importers import parse_file
from interviews.models import Participant
from interviews.services import NewParticipant, transcript_import
from planner.models import Document


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


@pytest.mark.parametrize(("name", "queries"), [
    ("interviews:transcript_list", 4), ("interviews:participant_list", 5), ("interviews:transcript_detail", 6),
])
def test_interview_pages_do_not_grow_with_rows(client, project, analyst, django_assert_num_queries, name, queries):
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


def test_load_demo_imports_eleven_fictional_interviews_once(db, capsys):
    call_command("load_demo")
    call_command("load_demo")
    documents = Document.objects.filter(kind="transcript")
    assert documents.count() == 11
    assert documents.values("county").distinct().count() == 11
    informants = Participant.objects.filter(role__in=["advisor", "leader"])
    assert informants.count() == 33
    assert all("fiktivt" in d.title for d in documents)
    assert documents.filter(excerpts__isnull=False).distinct().count() == 11
