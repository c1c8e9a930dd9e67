"""Data protection for one participant: the lead deletes their data, or exports everything held about them."""

import io
import json
import time
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse

from coding.exports.build import produce
from coding.exports.options import ExportOptions
from coding.models import Change, Excerpt, ExportJob, WatchName
from coding.participant_data import erasure_counts, participant_erase, subject_access
from coding.search import search
from coding.services import ConflictError, change_undo, excerpt_create, excerpt_delete, excerpt_update
from interviews.forms import ParticipantMergeForm
from interviews.importers import ParsedTranscript, Turn
from interviews.models import Participant, SpeakerChange
from interviews.models import Turn as TurnRow
from interviews.services import ERASED_SPEECH, participant_update, participants_merge, transcript_import, turns_assign
from planner.models import Chunk, Document
from planner.services import TextEdit
from tests.long_transcript import long_transcript

# One study and its users for the whole module (tests/conftest.py `module_study`); each test's changes
# are rolled back after it.
pytestmark = pytest.mark.usefixtures("module_study")

# Words only the erased participant says, and words only a colleague says.
SECRET = "Fjordkatedralen"
OTHER = "Havbrisen"
TURNS = [
    ("Intervjuer", "Velkommen, hva jobber dere med?"),
    ("Informant 1", f"Jeg jobber med {SECRET} og bosetting i distriktene."),
    ("Informant 2", f"Vi ser {OTHER} i alle kommunene våre."),
    ("Informant 1", f"{SECRET} er fortsatt viktig for oss, og vi trenger mer ressurser."),
    ("Informant 2", f"Enig, og {OTHER} gir oss tilflytting."),
    ("Informant 1", "Ja."),  # shorter than «[slettet]»: the turns after it move forward
    ("Intervjuer", "Takk for praten."),
]


def make_interview(project, user, title="Gruppeintervju Agder", turns=TURNS):
    people = {}
    for label, _speech in turns:
        if label not in people:
            people[label] = Participant.objects.get_or_create(
                project=project, label=label,
                defaults={"role": "interviewer" if label == "Intervjuer" else "advisor", "field": "integration",
                          "county": project.counties.get(name="Agder")})[0]
    parsed = ParsedTranscript(format="txt", turns=[Turn(speaker=label, text=speech, start=float(i * 60))
                                                   for i, (label, speech) in enumerate(turns)])
    return transcript_import(project=project, user=user, parsed=parsed, mapping=people, title=title,
                             interview_format="group_interview", county=project.counties.get(name="Agder"))


def code(document, phrase, user, themes, occurrence=0, **kwargs):
    text = Document.objects.get(pk=document.pk).text
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(phrase, start + 1)
    return excerpt_create(document=document, start=start, end=start + len(phrase), coder=user, themes=themes,
                          **kwargs)


@pytest.fixture
def study(project, analyst, lead):
    themes = list(project.themes.order_by("position")[:2])
    document = make_interview(project, analyst)
    second = make_interview(project, analyst, title="Arbeidsmøte Agder")
    informant = Participant.objects.get(project=project, label="Informant 1")
    colleague = Participant.objects.get(project=project, label="Informant 2")
    excerpts = {
        "theirs": code(document, f"{SECRET} og bosetting", analyst, themes, memo=f"Sterkt om {SECRET}"),
        "spanning": code(document, f"kommunene våre.\nInformant 1: {SECRET} er", analyst, themes[:1]),
        "label": code(document, "Informant 1: Jeg", analyst, themes[:1]),
        "before": code(document, "Vi ser Havbrisen", analyst, themes[:1], memo="Før"),
        "after": code(document, f"{OTHER} gir oss tilflytting", analyst, themes, is_key=True, memo="Etter"),
        "second": code(second, f"{OTHER} gir oss", analyst, themes[1:]),
    }
    WatchName.objects.create(project=project, name="Kari Fjellstad", kind="person", participant=informant,
                             source="import: agder.docx")
    WatchName.objects.create(project=project, name="Ola Berg", kind="person", participant=colleague)
    return {"document": document, "second": second, "informant": informant, "colleague": colleague,
            "excerpts": excerpts, "themes": themes}


def texts_of_others(document_ids, informant):
    """Each other speaker's turn text and each surviving excerpt's text: what must not change."""
    documents = {d.pk: d.text for d in Document.objects.filter(pk__in=document_ids)}
    rows = TurnRow.objects.filter(document_id__in=document_ids).select_related("participant").order_by(
        "document_id", "position")
    return [(t.document_id, t.position, t.participant.label, documents[t.document_id][t.start:t.end])
            for t in rows if t.participant_id != informant.pk]


def all_file_text(data):
    """Every XML part of an Office file (comments too), or a CSV, as one string."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())
    except zipfile.BadZipFile:
        return data.decode("utf-8-sig")


def exports(project):
    options = [ExportOptions(attribution="internal", memos=True), ExportOptions(attribution="publication")]
    return {f"{fmt}-{o.attribution}": all_file_text(produce(project, o, fmt).data)
            for fmt in ("docx", "xlsx", "csv") for o in options}


def test_it_leaves_no_trace_of_their_speech_and_keeps_everyone_else_exactly(project, study, lead, client):
    document, informant = study["document"], study["informant"]
    ids = [document.pk, study["second"].pk]
    others_before = texts_of_others(ids, informant)
    kept = {name: (e.pk, e.text(Document.objects.get(pk=e.document_id).text))
            for name, e in study["excerpts"].items() if name in ("before", "after", "second")}
    before_exports = exports(project)
    assert all(SECRET in text for text in before_exports.values())  # the check below can fail
    ExportJob.objects.create(project=project, created_by=lead, format="csv", status="done",
                             content=SECRET.encode(), file_name="gammel.csv")

    counts = participant_erase(participant=informant, user=lead)

    assert counts == {"documents": 2, "turns": 6, "excerpts": 3, "watch_names": 1}
    for doc in Document.objects.filter(pk__in=ids):
        assert SECRET not in doc.text
        assert doc.text.count(f"Informant 1: {ERASED_SPEECH}") == 3
        assert doc.length == len(doc.text)
        for turn in doc.turns.select_related("participant"):
            assert doc.text[turn.start:turn.speech_start] == f"{turn.participant.label}: "
        # The search chunks are the new text, cut as a fresh index would cut it.
        assert "".join(c.text[:c.end - c.start] for c in Chunk.objects.filter(document=doc)) == doc.text
    assert texts_of_others(ids, informant) == others_before
    for name, (pk, text) in kept.items():
        excerpt = Excerpt.objects.get(pk=pk)
        assert excerpt.text() == text, name
    assert not Excerpt.objects.filter(pk__in=[study["excerpts"][n].pk for n in ("theirs", "spanning", "label")])
    assert not Chunk.objects.filter(text__icontains=SECRET.lower()[:8]).exists()
    assert search(project=project, query=SECRET) == []
    assert search(project=project, query=SECRET.lower()[:6]) == []
    assert sum(len(d.hits) for d in search(project=project, query=OTHER)) == 4
    client.force_login(lead)
    url = reverse("coding:search", args=[project.slug])
    assert client.get(url, {"q": SECRET}).context["results"] == []
    assert len(client.get(url, {"q": OTHER}).context["results"]) == 2
    for name, text in exports(project).items():
        assert SECRET not in text, name
        assert OTHER in text, name
    assert not ExportJob.objects.filter(project=project).exists()
    # History: who and when, never what; the removed excerpts' own history (memos) is gone.
    assert not [c for c in Change.objects.filter(project=project) if SECRET in json.dumps(c.before or c.after)]
    records = SpeakerChange.objects.filter(action="participant_erased")
    assert {(r.document_id, r.user, r.after["turns"], r.after["excerpts"]) for r in records} == {
        (document.pk, lead, 3, 3), (study["second"].pk, lead, 3, 0)}
    assert SECRET not in json.dumps([r.after for r in records])
    # The label stays; what described the person goes; their watched real name goes, a colleague's stays.
    informant.refresh_from_db()
    assert (informant.label, informant.role, informant.field, informant.county) == ("Informant 1", "other", "other",
                                                                                   None)
    assert informant.erased_at is not None
    assert list(WatchName.objects.filter(kind="person").values_list("name", flat=True)) == ["Ola Berg"]


def test_a_moved_excerpt_refuses_an_edit_from_the_old_page_and_undo_of_a_deletion_lands_on_the_same_words(
        project, study, lead, analyst):
    after = study["excerpts"]["after"]
    before = study["excerpts"]["before"]
    excerpt_delete(excerpt_id=before.pk, user=analyst, version=before.version)
    deletion = Change.objects.get(object_uuid=before.uuid, action="excerpt_deleted")
    participant_erase(participant=study["informant"], user=lead)
    with pytest.raises(ConflictError):
        excerpt_update(excerpt_id=after.pk, user=analyst, version=after.version, start=after.start, end=after.end)
    change_undo(change=Change.objects.get(pk=deletion.pk), user=analyst)
    restored = Excerpt.objects.get(uuid=before.uuid)
    assert restored.text() == "Vi ser Havbrisen"


def test_an_excerpt_that_lived_in_their_turn_once_loses_its_history_there(project, study, lead, analyst):
    moved = study["excerpts"]["after"]
    document = study["document"]
    start = Document.objects.get(pk=document.pk).text.index("vi trenger mer")
    excerpt_update(excerpt_id=moved.pk, user=analyst, version=moved.version, start=start, end=start + 14)
    excerpt_update(excerpt_id=moved.pk, user=analyst, version=moved.version + 1, start=moved.start, end=moved.end)
    participant_erase(participant=study["informant"], user=lead)
    for change in Change.objects.filter(document=document, action__startswith="excerpt_"):
        text = Document.objects.get(pk=document.pk).text
        for snapshot in (change.before, change.after):
            if snapshot:
                assert ERASED_SPEECH not in text[snapshot["start"]:snapshot["end"]]


def test_earlier_history_of_the_participant_forgets_role_field_and_county(project, study, lead):
    informant = study["informant"]
    participant_update(participant=informant, user=lead, label="Informant 1", role="leader", field="competence",
                       county=project.counties.get(name="Troms"))
    participant_erase(participant=informant, user=lead)
    change = SpeakerChange.objects.get(action="participant_changed")
    assert change.before["role"] == change.after["role"] == change.after["county"] == ""
    assert change.after["label"] == "Informant 1"


def test_it_deletes_nothing_when_the_data_changed_since_the_lead_confirmed(project, study, lead, analyst):
    informant = study["informant"]
    expected = erasure_counts(informant)
    assert expected == {"documents": 2, "turns": 6, "excerpts": 3, "watch_names": 1}
    code(study["second"], SECRET, analyst, study["themes"][:1])
    text = Document.objects.get(pk=study["document"].pk).text
    with pytest.raises(ValidationError):
        participant_erase(participant=informant, user=lead, expected=expected)
    assert Document.objects.get(pk=study["document"].pk).text == text
    assert participant_erase(participant=informant, user=lead, expected={**expected, "excerpts": 4})["excerpts"] == 4


def test_a_second_erasure_changes_no_text(project, study, lead):
    participant_erase(participant=study["informant"], user=lead)
    text = Document.objects.get(pk=study["document"].pk).text
    participant_erase(participant=study["informant"], user=lead)
    assert Document.objects.get(pk=study["document"].pk).text == text


def test_text_edit_moves_offsets_around_and_inside_replaced_spans():
    edit = TextEdit(((10, 20, 3), (30, 32, 5)))
    assert [edit.position(p) for p in (0, 10, 15, 20, 25, 30, 31, 32, 40)] == [0, 10, 13, 13, 18, 23, 24, 28, 36]
    assert edit.segments() == [(0, 10, 0), (20, 30, -7), (32, None, -4)]
    assert edit.touches(5, 11) and edit.touches(19, 25) and not edit.touches(20, 30) and not edit.touches(0, 10)


# The pages

def erase_url(participant):
    return reverse("coding:participant_erase", args=[participant.project.slug, participant.pk])


def export_url(participant):
    return reverse("coding:participant_data_export", args=[participant.project.slug, participant.pk])


def test_the_confirmation_names_what_goes_and_the_post_deletes_it(client, project, study, lead):
    client.force_login(lead)
    page = client.get(erase_url(study["informant"])).content.decode()
    assert "6 replikker får teksten" in page and "snakker i 2 intervjuer" in page
    assert "3 utdrag" in page and "1 ekte navn" in page
    response = client.post(erase_url(study["informant"]), erasure_counts(study["informant"]), follow=True)
    assert "Dataene til «Informant 1» er slettet" in response.content.decode()
    assert SECRET not in Document.objects.get(pk=study["document"].pk).text
    detail = client.get(reverse("interviews:participant_detail", args=[project.slug, study["informant"].pk]))
    assert "Deltakerens data slettet" in detail.content.decode()
    history = client.get(reverse("coding:document_history", args=[project.slug, study["document"].pk]))
    assert "Informant 1: 3 replikker erstattet med «[slettet]», 3 utdrag fjernet" in history.content.decode()
    assert SECRET not in history.content.decode()


def test_a_post_with_old_counts_shows_the_new_ones_and_deletes_nothing(client, project, study, lead):
    client.force_login(lead)
    response = client.post(erase_url(study["informant"]), {"documents": 2, "turns": 6, "excerpts": 2,
                                                           "watch_names": 1})
    assert response.status_code == 200
    assert 'id="erase-error"' in response.content.decode()
    assert SECRET in Document.objects.get(pk=study["document"].pk).text


@pytest.mark.parametrize("role,status", [("analyst", 403), ("viewer", 403), ("outsider", 404)])
def test_only_the_lead_deletes_or_exports(client, project, study, role_users, role, status):
    client.force_login(role_users[role])
    assert client.post(erase_url(study["informant"]), erasure_counts(study["informant"])).status_code == status
    assert client.get(export_url(study["informant"])).status_code == status
    assert SECRET in Document.objects.get(pk=study["document"].pk).text


def test_the_participants_page_offers_both_actions_to_the_lead_only(client, project, study, lead, analyst):
    url = reverse("interviews:participant_list", args=[project.slug])
    client.force_login(analyst)
    assert erase_url(study["informant"]) not in client.get(url).content.decode()
    client.force_login(lead)
    page = client.get(url).content.decode()
    assert erase_url(study["informant"]) in page and export_url(study["informant"]) in page


# The subject-access file

def test_the_export_holds_everything_about_them_and_nothing_about_the_others(client, project, study, lead):
    client.force_login(lead)
    response = client.get(export_url(study["informant"]), {"format": "json"})
    assert response["Content-Disposition"] == 'attachment; filename="innsyn-informant-1.json"'
    data = json.loads(response.content)
    assert data["participant"] | {"created": ""} == {
        "label": "Informant 1", "role": "Rådgiver", "field": "Integrering", "county": "Agder", "created": "",
        "data_deleted": None}
    assert [i["title"] for i in data["interviews"]] == ["Arbeidsmøte Agder", "Gruppeintervju Agder"]
    assert [t["text"] for t in data["interviews"][1]["turns"]] == [TURNS[1][1], TURNS[3][1], "Ja."]
    assert data["interviews"][1]["turns"][0] | {} == {"number": 2, "time": "00:01:00", "text": TURNS[1][1]}
    assert sorted(e["text"] for e in data["excerpts"]) == sorted(
        [f"{SECRET} og bosetting", f"kommunene våre.\nInformant 1: {SECRET} er", "Informant 1: Jeg"])
    theirs = next(e for e in data["excerpts"] if e["memo"])
    assert theirs["themes"] == sorted(t.name for t in study["themes"]) and theirs["memo"] == f"Sterkt om {SECRET}"
    assert [w["name"] for w in data["watch_list"]] == ["Kari Fjellstad"]
    assert OTHER not in json.dumps([i["turns"] for i in data["interviews"]])
    text = client.get(export_url(study["informant"])).content.decode()
    assert text.startswith("Alt studien har om Informant 1")
    assert f"[2 00:01:00] {TURNS[1][1]}" in text and "Kari Fjellstad" in text


def test_after_an_erasure_the_export_says_so_and_holds_no_speech(project, study, lead):
    participant_erase(participant=study["informant"], user=lead)
    study["informant"].refresh_from_db()
    data = subject_access(study["informant"])
    assert data["participant"]["data_deleted"] and data["excerpts"] == [] and data["watch_list"] == []
    assert {t["text"] for i in data["interviews"] for t in i["turns"]} == {ERASED_SPEECH}
    assert SECRET not in json.dumps(data)


def test_export_and_erasure_of_a_three_hour_interview_participant_take_well_under_two_seconds(
        client, project, lead, analyst):
    document = long_transcript(project, analyst, cues=5300)
    busiest = max(Participant.objects.filter(project=project), key=lambda p: p.turns.count())
    themes = list(project.themes.all()[:2])
    for turn in list(busiest.turns.order_by("position"))[::20]:
        excerpt_create(document=document, start=turn.speech_start, end=turn.end, coder=analyst, themes=themes,
                       memo="Notat")
    client.force_login(lead)
    began = time.perf_counter()
    response = client.get(export_url(busiest))
    took = time.perf_counter() - began
    assert response.status_code == 200 and response.content.count(b"\n[") > 500
    print(f"subject-access export of {busiest.turns.count()} turns: {took:.2f} s")
    assert took < 1.0
    began, cpu = time.perf_counter(), time.process_time()
    response = client.post(erase_url(busiest), erasure_counts(busiest))
    took, cpu = time.perf_counter() - began, time.process_time() - cpu
    assert response.status_code == 302
    print(f"erasure of {busiest.turns.count()} turns: {took:.2f} s ({cpu:.2f} s of this process's CPU)")
    # On SQLite the whole erasure (view, ORM and the database itself) runs in this process: its CPU time is the
    # work, whatever the other test processes and browsers on the same two cores take from the clock. On
    # PostgreSQL part of the work is the server's, so the clock is what counts.
    assert (cpu if connection.vendor == "sqlite" else took) < 2.0
    text = Document.objects.get(pk=document.pk).text
    for turn in TurnRow.objects.filter(document=document).select_related("participant"):
        assert text[turn.start:turn.speech_start] == f"{turn.participant.label}: "
        assert (text[turn.speech_start:turn.end] == ERASED_SPEECH) == (turn.participant_id == busiest.pk)


def test_no_turn_is_given_to_a_participant_whose_data_was_deleted(project, study, lead, analyst):
    informant, colleague = study["informant"], study["colleague"]
    participant_erase(participant=informant, user=lead)
    informant.refresh_from_db()
    with pytest.raises(ValidationError, match="er slettet|was deleted"):
        turns_assign(document=study["document"], first=0, last=0, participant=informant, user=analyst)
    with pytest.raises(ValidationError, match="er slettet|was deleted"):
        participants_merge(source=colleague, target=informant, user=lead)
    assert informant.pk not in [int(pk) for pk in ParticipantMergeForm(participant=colleague).others]


def test_no_new_transcript_gives_speech_to_a_participant_whose_data_was_deleted(project, study, lead, analyst):
    participant_erase(participant=study["informant"], user=lead)
    with pytest.raises(ValidationError, match="er slettet|was deleted"):
        make_interview(project, analyst, title="Nytt intervju")
    assert not Document.objects.filter(title="Nytt intervju").exists()
