"""Whisper importers: openai-whisper and WhisperX .json, Whisper .tsv, and bad files."""

import json
from pathlib import Path

import pytest

from interviews.importers import whisper_json, whisper_tsv
from interviews.importers.base import ImporterError

pytestmark = pytest.mark.no_database

FILES = Path(__file__).parent / "files"


def parse_json_file(filename):
    return whisper_json.parse((FILES / filename).read_bytes(), name=filename)


def parse_segments(segments, name="opptak.json"):
    return whisper_json.parse(json.dumps({"segments": segments}).encode("utf-8"), name=name)


def refusal(module, data, name):
    data = data.encode("utf-8") if isinstance(data, str) else data
    with pytest.raises(ImporterError) as caught:
        module.parse(data, name=name)
    assert name in str(caught.value)
    return caught.value


# JSON


def test_it_keeps_one_unlabelled_turn_per_segment_of_undiarised_openai_whisper_json():
    transcript = parse_json_file("openai_whisper.json")
    assert transcript.format == "whisper-json"
    assert [(t.speaker, t.start, t.end, t.labelled) for t in transcript.turns] == [
        ("Ukjent", 0.0, 3.2, False), ("Ukjent", 3.2, 7.84, False), ("Ukjent", 7.84, 10.0, False),
    ]
    assert " ".join(t.text for t in transcript.turns) == (
        "Hei og velkommen til dette intervjuet. Vi skal snakke om skolen i Tromsø. Takk. 😀"
    )


def test_it_reads_diarised_whisperx_json():
    transcript = parse_json_file("whisperx_diarised.json")
    assert [turn.speaker for turn in transcript.turns] == ["SPEAKER_00", "SPEAKER_01", "SPEAKER_00"]
    first = transcript.turns[0]
    # Two SPEAKER_00 segments and a segment without speaker merge; the first start is kept.
    assert first.text == "Hei, og velkommen. Vi starter med en presentasjon. Eh,"
    assert (first.start, first.end) == (0.031, 5.9)
    assert (transcript.turns[1].start, transcript.turns[1].end) == (6.0, 9.1)
    assert transcript.turns[1].text == "Takk. Jeg heter Øystein og kommer fra Bodø."


def test_it_keeps_emoji_and_composes_combining_characters_in_json():
    last = parse_json_file("whisperx_diarised.json").turns[-1]
    assert last.text == "Kaféen i Bodø 👩🏽\u200d🏫."


def test_it_opens_an_unknown_turn_for_a_first_segment_without_speaker():
    transcript = parse_segments(
        [
            {"start": 0, "end": 1, "text": " Mm."},
            {"start": 1, "end": 2.5, "text": " Hei.", "speaker": "SPEAKER_00"},
            {"start": 2.5, "end": 3, "text": " Ja.", "speaker": None},
            {"start": 3, "end": 4, "text": " Hallo.", "speaker": "Kari Ødegård"},
        ]
    )
    assert [(turn.speaker, turn.text, turn.start, turn.end) for turn in transcript.turns] == [
        ("Ukjent", "Mm.", 0.0, 1.0),
        ("SPEAKER_00", "Hei. Ja.", 1.0, 3.0),
        ("Kari Ødegård", "Hallo.", 3.0, 4.0),
    ]


def test_it_reads_json_with_a_bom():
    data = b"\xef\xbb\xbf" + json.dumps({"segments": [{"start": 0.5, "end": 1.0, "text": "Hei"}]}).encode()
    transcript = whisper_json.parse(data, name="opptak.json")
    assert [(turn.text, turn.start) for turn in transcript.turns] == [("Hei", 0.5)]


def test_it_refuses_json_that_is_not_whisper_output():
    error = refusal(whisper_json, (FILES / "not_whisper.json").read_bytes(), "not_whisper.json")
    assert error.message.startswith("not_whisper.json er ikke Whisper-utdata: mangler «segments»")


@pytest.mark.parametrize("document", [[1, 2], "segments", {"segments": {"0": {}}}, None])
def test_it_refuses_json_without_a_segments_list(document):
    error = refusal(whisper_json, json.dumps(document), "data.json")
    assert error.message.startswith("data.json er ikke Whisper-utdata: mangler «segments»")


@pytest.mark.parametrize(
    ("segment", "problem"),
    [
        ({"end": 1, "text": "Hei"}, "mangler tallet «start»"),
        ({"start": "0.0", "end": 1, "text": "Hei"}, "mangler tallet «start»"),
        ({"start": True, "end": 1, "text": "Hei"}, "mangler tallet «start»"),
        ({"start": 0, "end": None, "text": "Hei"}, "mangler tallet «end»"),
        ({"start": 0, "end": 1}, "mangler teksten «text»"),
        ({"start": 0, "end": 1, "text": ["Hei"]}, "mangler teksten «text»"),
        ("Hei", "i «segments» er ikke et objekt"),
    ],
)
def test_it_refuses_segments_without_numeric_times_and_text(segment, problem):
    segments = [{"start": 0, "end": 1, "text": "Først."}, segment]
    error = refusal(whisper_json, json.dumps({"segments": segments}), "data.json")
    assert error.message == f"data.json er ikke Whisper-utdata: segment nr. 2 {problem}."


def test_it_refuses_nan_as_a_time():
    error = refusal(whisper_json, '{"segments": [{"start": NaN, "end": 1, "text": "Hei"}]}', "data.json")
    assert "segment nr. 1 mangler tallet «start»" in error.message


def test_it_refuses_broken_json_with_the_line_number():
    error = refusal(whisper_json, (FILES / "broken.json").read_bytes(), "broken.json")
    assert error.message.startswith("broken.json er ikke gyldig JSON: fila slutter")
    assert error.line == 4


def test_it_refuses_invalid_json_in_the_middle():
    error = refusal(whisper_json, '{"segments": [\n  {"start": 0,, "end": 1}\n]}', "data.json")
    assert error.message == "data.json er ikke gyldig JSON: feil ved tegn 15"
    assert error.line == 2


def test_it_refuses_deeply_nested_json():
    error = refusal(whisper_json, "[" * 200_000 + "]" * 200_000, "dyp.json")
    assert error.message.startswith("dyp.json er ikke gyldig JSON")


def test_it_refuses_json_that_is_not_utf8():
    data = json.dumps({"segments": [{"start": 0, "end": 1, "text": "Hei på deg"}]}, ensure_ascii=False)
    error = refusal(whisper_json, data.encode("cp1252"), "latin.json")
    assert error.message.startswith("latin.json er ikke gyldig UTF-8")


@pytest.mark.parametrize("data", [b"", b"  \n", b"\xef\xbb\xbf"])
def test_it_refuses_an_empty_json_file(data):
    assert refusal(whisper_json, data, "tom.json").message == "tom.json er tom."


def test_it_refuses_whisper_json_without_speech():
    error = refusal(whisper_json, json.dumps({"text": "", "segments": [], "language": "no"}), "stille.json")
    assert error.message == "stille.json inneholder ingen replikker."


# TSV


def parse_tsv(text, name="opptak.tsv"):
    return whisper_tsv.parse(text.encode("utf-8"), name=name)


def test_it_keeps_one_unlabelled_turn_per_row_of_undiarised_whisper_tsv():
    transcript = whisper_tsv.parse((FILES / "whisper.tsv").read_bytes(), name="whisper.tsv")
    assert transcript.format == "whisper-tsv"
    assert [(t.speaker, t.text, t.start, t.end, t.labelled) for t in transcript.turns] == [
        ("Ukjent", "Hei og velkommen til dette intervjuet.", 0.0, 3.2, False),
        ("Ukjent", "Vi skal snakke om skolen i Tromsø.", 3.2, 7.84, False),
        ("Ukjent", "Takk.", 7.84, 10.0, False),
    ]


def test_it_reads_a_speaker_column_in_tsv():
    transcript = whisper_tsv.parse((FILES / "whisperx_diarised.tsv").read_bytes(), name="whisperx_diarised.tsv")
    assert [turn.speaker for turn in transcript.turns] == ["SPEAKER_00", "SPEAKER_01", "SPEAKER_00"]
    first = transcript.turns[0]
    # The row with an empty speaker joins the previous turn.
    assert first.text == "Hei, og velkommen. Vi starter med en presentasjon. Eh,"
    assert (first.start, first.end) == (0.031, 5.9)


def test_it_reads_tsv_columns_in_any_order_and_keeps_emoji():
    transcript = parse_tsv(
        "Speaker\tStart\tEnd\tText\r\n\r\nKari Ødegård\t0\t1500\tHei 😀 på deg\r\n"
        "\t1500\t2000\tKafe\u0301en\tmed\ttab\r\nOla\t2000\t2600\tHallo.\r\n"
    )
    assert [(turn.speaker, turn.text, turn.start, turn.end) for turn in transcript.turns] == [
        ("Kari Ødegård", "Hei 😀 på deg Kaféen med tab", 0.0, 2.0),
        ("Ola", "Hallo.", 2.0, 2.6),
    ]


def test_it_refuses_a_tsv_with_a_wrong_header():
    error = refusal(whisper_tsv, "begin\tslutt\ttekst\n0\t1000\tHei\n", "feil.tsv")
    assert error.message.startswith("feil.tsv er ikke Whisper-TSV: første linje må ha kolonnene «start», «end»")
    assert error.line == 1


def test_it_refuses_a_tsv_without_a_header():
    error = refusal(whisper_tsv, "0\t1000\tHei\n", "uten.tsv")
    assert error.line == 1


def test_it_rejoins_speech_split_by_a_stray_tab_before_the_speaker_column():
    transcript = parse_tsv("start\tend\ttext\tspeaker\n0\t1000\tHei\tpå deg\tSPEAKER_00\n")
    assert [(turn.speaker, turn.text) for turn in transcript.turns] == [("SPEAKER_00", "Hei på deg")]


@pytest.mark.parametrize(
    ("row", "value", "column"),
    [
        ("1.5\t2000\tHei", "1.5", "start"),
        ("1000\t00:02\tHei", "00:02", "end"),
        ("-5\t2000\tHei", "-5", "start"),
        ("1000", "", "end"),
    ],
)
def test_it_refuses_times_that_are_not_whole_milliseconds(row, value, column):
    error = refusal(whisper_tsv, f"start\tend\ttext\n0\t1000\tFørst.\n\n{row}\n", "tider.tsv")
    assert error.message.startswith(f"tider.tsv: ugyldig tid «{value}» i kolonnen «{column}»")
    assert error.line == 4


@pytest.mark.parametrize("data", [b"", b"\n\n"])
def test_it_refuses_an_empty_tsv(data):
    assert refusal(whisper_tsv, data, "tom.tsv").message == "tom.tsv er tom."


def test_it_refuses_a_tsv_with_only_a_header():
    assert refusal(whisper_tsv, "start\tend\ttext\n", "tom.tsv").message == "tom.tsv inneholder ingen replikker."
