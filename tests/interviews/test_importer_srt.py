"""SRT importer: Whisper and WhisperX subtitles, editor quirks, and bad files."""

from pathlib import Path

import pytest

from interviews.importers import srt
from interviews.importers.base import ImporterError

pytestmark = pytest.mark.no_database

FILES = Path(__file__).parent / "files"


def parse_file(filename):
    return srt.parse((FILES / filename).read_bytes(), name=filename)


def parse_text(text, name="opptak.srt"):
    return srt.parse(text.encode("utf-8"), name=name)


def refusal(data, name="opptak.srt"):
    data = data.encode("utf-8") if isinstance(data, str) else data
    with pytest.raises(ImporterError) as caught:
        srt.parse(data, name=name)
    assert name in str(caught.value)
    return caught.value


def test_it_reads_whisperx_diarisation_prefixes_in_every_form():
    transcript = parse_file("whisper.srt")
    assert transcript.format == "srt"
    assert len(transcript.turns) == 4
    assert [turn.speaker for turn in transcript.turns] == ["SPEAKER_00", "SPEAKER_01", "SPEAKER_00", "SPEAKER_01"]
    first = transcript.turns[0]
    assert first.text == "Hei, og velkommen. Vi starter med en presentasjon."
    assert (first.start, first.end) == (0.031, 5.0)
    # «[SPEAKER_00] Flott.» without colon, then «SPEAKER_01:» with an <i> tag.
    assert transcript.turns[2].text == "Flott."
    assert transcript.turns[3].text == "Skal vi se på tallene?"
    assert (transcript.turns[3].start, transcript.turns[3].end) == (11.0, 13.5)


def test_it_keeps_one_unlabelled_turn_per_cue_of_undiarised_whisper_subtitles():
    transcript = parse_file("whisper_plain.srt")
    assert [(t.speaker, t.text, t.start, t.end, t.labelled) for t in transcript.turns] == [
        ("Ukjent", "Hei og velkommen til dette intervjuet.", 0.0, 3.2, False),
        ("Ukjent", "Vi skal snakke om skolen i Tromsø.", 3.2, 7.84, False),
        ("Ukjent", "Takk.", 7.84, 10.0, False),
    ]


def test_it_tolerates_bom_crlf_missing_numbers_extra_blank_lines_and_dotted_milliseconds():
    transcript = parse_file("editor.srt")
    assert [turn.speaker for turn in transcript.turns] == ["Intervjuer", "Anne-Marit Sæther", "Intervjuer"]
    first = transcript.turns[0]
    assert first.text == "Velkommen til intervjuet. Hvordan var det å flytte hit?"
    assert (first.start, first.end) == (1.0, 7.25)


def test_it_strips_tags_and_keeps_a_sound_note_as_speech():
    anne = parse_file("editor.srt").turns[1]
    # <font> stripped; «4» before the next timing line (blank line missing) is a cue number, not speech.
    assert anne.text == "Det var uvant i starten. Men nå trives jeg. [latter]"
    assert (anne.start, anne.end) == (8.0, 14.0)


def test_it_reads_bracketed_names_and_rejects_sentences_as_names():
    transcript = parse_text(
        "1\n00:00:01,000 --> 00:00:02,000\n[Kari Nordmann]: Hei.\n\n"
        "2\n00:00:02,000 --> 00:00:03,000\nDet sa hun også: kom igjen.\n\n"
        "3\n00:00:03,000 --> 00:00:04,000\nOla: Ja!\n"
    )
    assert [(turn.speaker, turn.text) for turn in transcript.turns] == [
        ("Kari Nordmann", "Hei. Det sa hun også: kom igjen."),
        ("Ola", "Ja!"),
    ]


def test_it_opens_an_unknown_turn_and_joins_speakerless_cues_to_the_previous_turn():
    transcript = parse_text(
        "1\n00:00:01,000 --> 00:00:02,000\n[musikk]\n\n"
        "2\n00:00:02,000 --> 00:00:03,000\nSPEAKER_00: Hei.\n\n"
        "3\n00:00:03,000 --> 00:00:04,500\nHvordan går det?\n"
    )
    assert [(turn.speaker, turn.text, turn.start, turn.end) for turn in transcript.turns] == [
        ("Ukjent", "[musikk]", 1.0, 2.0),
        ("SPEAKER_00", "Hei. Hvordan går det?", 2.0, 4.5),
    ]


def test_it_keeps_emoji_and_composes_combining_characters():
    transcript = parse_text("1\n00:00:01,000 --> 00:00:02,000\nSøren Ødegård: Kafe\u0301en 👩🏽\u200d🏫 😀\n")
    assert [(turn.speaker, turn.text) for turn in transcript.turns] == [("Søren Ødegård", "Kaféen 👩🏽\u200d🏫 😀")]


def test_it_reads_a_windows_1252_file():
    data = "1\r\n00:00:01,000 --> 00:00:02,000\r\nSøren: Hei på deg…\r\n".encode("cp1252")
    transcript = srt.parse(data, name="gammel.srt")
    assert [(turn.speaker, turn.text) for turn in transcript.turns] == [("Søren", "Hei på deg…")]


def test_it_reads_hours_beyond_two_digits_and_cue_settings():
    transcript = parse_text("1\n100:00:01,5 --> 100:00:02,000 X1:100 X2:200 Y1:10 Y2:20\nHei.\n")
    assert (transcript.turns[0].start, transcript.turns[0].end) == (360001.5, 360002.0)


# Bad files


def test_it_reports_a_mistyped_arrow_with_its_line_number():
    error = refusal((FILES / "malformed_timestamp.srt").read_bytes(), name="malformed_timestamp.srt")
    assert error.line == 6
    assert error.message.startswith("malformed_timestamp.srt: ugyldig tidskode-linje «00:00:03,000 -> 00:00:04,000»")


@pytest.mark.parametrize(
    ("timing", "shown"),
    [
        ("00:00:0x,000 --> 00:00:04,000", "00:00:0x,000"),
        ("00:00:03,000 --> 00:00:60,000", "00:00:60,000"),
        ("00:00:03;000 --> 00:00:04,000", "00:00:03;000"),
    ],
)
def test_it_reports_a_malformed_timestamp_with_its_line_number(timing, shown):
    error = refusal(f"1\n00:00:01,000 --> 00:00:02,000\nHei.\n\n2\n{timing}\nHallo.\n")
    assert error.message == f"opptak.srt: ugyldig tidskode «{shown}»"
    assert error.line == 6


def test_it_refuses_a_file_without_timing_lines():
    error = refusal("Dette er bare tekst.\nIngen tidskoder her.\n", name="notat.srt")
    assert error.message.startswith("notat.srt er ikke en SRT-fil: fant ingen tidskoder")


def test_it_refuses_cues_without_speech():
    error = refusal("1\n00:00:01,000 --> 00:00:02,000\n<i></i>\n\n2\n00:00:02,000 --> 00:00:03,000\n\n")
    assert error.message == "opptak.srt inneholder ingen replikker."


@pytest.mark.parametrize("data", [b"", b"\r\n\r\n", b"\xef\xbb\xbf"])
def test_it_refuses_an_empty_file(data):
    assert refusal(data, name="tom.srt").message == "tom.srt er tom."
