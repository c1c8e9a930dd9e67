"""Storing a parsed transcript: labels instead of names, exact turn offsets, the mapping rules."""

import json
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from interviews.importers import parse_file
from interviews.models import Participant, Turn
from interviews.services import NewParticipant, compose_text, suggest_mapping, transcript_import
from planner.models import Document

# One study and its users for the whole module (tests/conftest.py `module_study`); each test's changes
# are rolled back after it.
pytestmark = pytest.mark.usefixtures("module_study")

DEMO = Path(__file__).resolve().parents[2] / "fixtures" / "demo" / "interviews"
FILES = Path(__file__).resolve().parent / "files"


def _import(project, user, name, data, **kwargs):
    parsed = parse_file(name, data)
    mapping = kwargs.pop("mapping", None) or suggest_mapping(project=project, speakers=parsed.speakers(),
                                                             interviewers=kwargs.pop("interviewers", ()))
    return transcript_import(project=project, user=user, parsed=parsed, mapping=mapping, title=name,
                             interview_format="group_interview", source_name=name, **kwargs)


@pytest.mark.parametrize("file_name", json.loads((DEMO / "speakers.json").read_text(encoding="utf-8")))
def test_it_never_stores_a_speakers_real_name(project, analyst, file_name):
    manifest = json.loads((DEMO / "speakers.json").read_text(encoding="utf-8"))[file_name]
    document = _import(project, analyst, file_name, (DEMO / file_name).read_bytes())
    names = [name for name in manifest["speakers"] if not name.startswith("SPEAKER_") and name != "Intervjuer"]
    for name in names:
        for part in [name, *name.split()]:
            assert part not in document.text, f"{part!r} of {name!r} is in the stored text"
    stored = " ".join(Participant.objects.filter(project=project).values_list("label", flat=True))
    assert not any(name in stored for name in names)


def test_it_stores_one_paragraph_per_turn_with_exact_offsets(project, analyst):
    data = "Kari Nordmann: Hei 😀 og velkommen.\nOla: Takk, Kari Nordmann! Cafe\u0301.\nKari Nordmann: Ja.".encode()
    document = _import(project, analyst, "intervju.txt", data)
    assert document.text == (
        "Informant 1: Hei 😀 og velkommen.\nInformant 2: Takk, [Informant 1]! Café.\nInformant 1: Ja."
    )
    turns = list(Turn.objects.filter(document=document).select_related("participant"))
    assert [(t.participant.label, t.speech(document.text)) for t in turns] == [
        ("Informant 1", "Hei 😀 og velkommen."), ("Informant 2", "Takk, [Informant 1]! Café."), ("Informant 1", "Ja."),
    ]
    for turn in turns:
        assert document.text[turn.start:turn.speech_start] == f"{turn.participant.label}: "
    assert turns[-1].end == len(document.text)


def test_it_keeps_time_codes_of_turns(project, analyst):
    document = _import(project, analyst, "teams.vtt", (FILES / "teams.vtt").read_bytes())
    first = Turn.objects.filter(document=document).order_by("position").first()
    assert first.start_seconds is not None
    assert first.time_code.count(":") == 2


def test_it_masks_a_first_name_two_speakers_share_as_a_name(project, analyst):
    text, _spans = compose_text(
        parse_file("x.txt", b"Kari Nordmann: Hei Kari.\nKari Hansen: Hei Hansen.").turns,
        {"Kari Nordmann": "Informant 1", "Kari Hansen": "Informant 2"},
    )
    assert text == "Informant 1: Hei [navn].\nInformant 2: Hei [Informant 2]."


def test_it_numbers_new_informants_after_the_studys_last(project, analyst):
    _import(project, analyst, "a.txt", b"Kari: Hei.\nOla: Hallo.")
    _import(project, analyst, "b.txt", b"Intervjuer: Velkommen.\nPer: Hei.", interviewers=["Intervjuer"])
    labels = sorted(Participant.objects.filter(project=project).values_list("label", flat=True))
    assert labels == ["Informant 1", "Informant 2", "Informant 3", "Intervjuer"]
    assert Participant.objects.get(label="Intervjuer").role == "interviewer"


def test_it_maps_a_speaker_to_an_existing_participant(project, analyst):
    _import(project, analyst, "a.txt", b"Kari: Hei.")
    kari = Participant.objects.get(label="Informant 1")
    document = _import(project, analyst, "b.txt", b"K. Nordmann: Hei igjen.", mapping={"K. Nordmann": kari})
    assert document.text == "Informant 1: Hei igjen."
    assert Participant.objects.count() == 1


def test_it_stores_nothing_when_a_speaker_has_no_participant(project, analyst):
    parsed = parse_file("a.txt", b"Kari: Hei.\nOla: Hallo.")
    with pytest.raises(ValidationError):
        transcript_import(project=project, user=analyst, parsed=parsed, title="a",
                          mapping={"Kari": NewParticipant(label="Informant 1")}, interview_format="group_interview")
    assert (Document.objects.count(), Participant.objects.count(), Turn.objects.count()) == (0, 0, 0)


def test_it_stores_nothing_when_a_new_label_is_invalid(project, analyst):
    parsed = parse_file("a.txt", b"Kari: Hei.\nOla: Hallo.")
    mapping = {"Kari": NewParticipant(label="Informant 1"), "Ola": NewParticipant(label="x" * 61)}
    with pytest.raises(ValidationError):
        transcript_import(project=project, user=analyst, parsed=parsed, title="a", mapping=mapping,
                          interview_format="group_interview")
    assert (Document.objects.count(), Participant.objects.count(), Turn.objects.count()) == (0, 0, 0)
