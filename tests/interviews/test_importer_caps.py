"""Transcripts are capped in turns and characters (KODEVERK_MAX_TURNS, KODEVERK_MAX_TEXT_CHARS): a file past a
cap is refused with a message naming the file and the cap, as soon as the cap is passed."""

import itertools
import json

import pytest
from django.utils import translation

from interviews.importers import ImporterError, parse_file
from interviews.importers.base import Cue, TooLong, cue_turns, merge_cues

pytestmark = pytest.mark.no_database


@pytest.fixture
def caps(settings):
    settings.KODEVERK_MAX_TURNS = 100
    settings.KODEVERK_MAX_TEXT_CHARS = 5_000
    return settings


def _refusal(name, data):
    with pytest.raises(ImporterError) as error:
        parse_file(name, data)
    return str(error.value)


def _vtt(cues, speaker=None):
    voice = f"<v {speaker}>" if speaker else ""
    return ("WEBVTT\n\n" + "".join(f"00:{i // 60:02d}:{i % 60:02d}.000 --> 00:{i // 60:02d}:{i % 60:02d}.500\n"
                                   f"{voice}Setning {i}.\n\n" for i in range(cues))).encode()


def test_it_reads_a_file_at_the_caps(caps):
    assert len(parse_file("a.vtt", _vtt(100)).turns) == 100


def test_it_refuses_one_turn_past_the_cap_naming_the_file_and_the_cap(caps):
    message = _refusal("møte.vtt", _vtt(101))
    assert message.startswith("møte.vtt: den har mer enn 100 replikker"), message
    assert "Del den opp i flere filer" in message


def test_it_counts_the_merged_turns_not_the_cues_of_one_speaker(caps):
    # 150 cues of one voice are one turn: within the turn cap, and 150 × 12 characters within the text cap.
    [turn] = parse_file("a.vtt", _vtt(150, speaker="Kari")).turns
    assert turn.speaker == "Kari" and turn.text.startswith("Setning 0. Setning 1.")


def test_it_refuses_speech_past_the_character_cap(caps):
    message = _refusal("lang.vtt", _vtt(99, speaker="Kari").replace(b"Setning", b"Setning " + b"x" * 60))
    assert message.startswith("lang.vtt: den har mer enn 5\u00a0000 tegn tale"), message


def test_it_refuses_more_lines_than_the_caps_allow_before_parsing(caps):
    # Ten lines a turn: 1,001 lines of a .txt are refused, whatever they hold.
    message = _refusal("linjer.txt", ("Kari: Hei.\n" * 1_001).encode())
    assert message.startswith("linjer.txt: den har 1\u00a0002 linjer, flere enn de 1\u00a0000 linjene"), message


def test_it_refuses_whisper_json_of_more_segments_than_the_caps_allow_before_parsing(caps):
    segments = [{"start": i, "end": i + 1, "text": "Hei."} for i in range(1_001)]
    message = _refusal("whisper.json", json.dumps({"segments": segments}).encode())
    assert message.startswith("whisper.json: den har 1\u00a0001 segmenter"), message


@pytest.mark.parametrize("name,data", [
    ("a.srt", "".join(f"{i + 1}\n00:00:{i % 60:02d},000 --> 00:00:{i % 60:02d},500\nHei {i}.\n\n"
                      for i in range(101)).encode()),
    ("a.txt", "\n\n".join(f"Avsnitt {i}." for i in range(101)).encode()),
    ("a.tsv", ("start\tend\ttext\n" + "".join(f"{i}\t{i + 1}\tHei {i}.\n" for i in range(101))).encode()),
])
def test_every_format_is_capped(caps, name, data):
    assert "mer enn 100 replikker" in _refusal(name, data)


def test_the_reading_stops_as_soon_as_a_cap_is_passed(caps):
    # Endless cues: a parser that read them all first would never return.
    with pytest.raises(TooLong):
        cue_turns(Cue(speaker=None, text="Hei.") for _ in itertools.count())
    with pytest.raises(TooLong):
        merge_cues(itertools.repeat(Cue(speaker="Kari", text="Hei og velkommen.")))
    speakers = itertools.cycle(["Kari", "Ola"])
    with pytest.raises(TooLong):
        cue_turns(Cue(speaker=next(speakers), text="Ja.") for _ in itertools.count())


def test_the_message_is_english_for_an_english_page(caps):
    with translation.override("en"):
        assert "it has more than 100 turns, the most one transcript may have" in _refusal("a.vtt", _vtt(101))
