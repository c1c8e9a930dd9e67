"""The shared speaker-line parser behind the .txt and .docx importers: every form, and its false positives."""

import pytest

from interviews.importers.base import ImporterError, merge_cues
from interviews.importers.speakers import is_speaker_line, is_speaker_name, parse_speaker_lines, turns_from_lines

pytestmark = pytest.mark.no_database


def turns(text):
    return merge_cues(parse_speaker_lines(text.split("\n")))


def summary(text):
    return [(turn.speaker, turn.text, turn.start) for turn in turns(text)]


def test_it_reads_name_colon_speech():
    assert summary("Kari: Hei.\nOla Nordmann: Hallo der.") == [
        ("Kari", "Hei.", None),
        ("Ola Nordmann", "Hallo der.", None),
    ]


def test_it_reads_short_codes_and_numbered_informants():
    assert summary("I: Hei.\nIO: Hei på deg.\nInformant 2: Og meg.\nint: Små bokstaver.") == [
        ("I", "Hei.", None),
        ("IO", "Hei på deg.", None),
        ("Informant 2", "Og meg.", None),
        ("int", "Små bokstaver.", None),
    ]


def test_it_reads_names_with_norwegian_letters_dots_and_hyphens():
    assert [turn.speaker for turn in turns("Bjørn Åsmund Ødegård: Ja.\nDr. Hansen: Nei.\nAnne-Grete: Kanskje.")] == [
        "Bjørn Åsmund Ødegård",
        "Dr. Hansen",
        "Anne-Grete",
    ]


def test_it_takes_the_first_colon_as_the_speakers():
    assert summary("Kari: Han sa: kom hit.") == [("Kari", "Han sa: kom hit.", None)]


def test_it_reads_a_name_alone_with_speech_in_the_following_paragraphs():
    assert summary("Kari:\nFørste avsnitt.\n\nAndre avsnitt.\nOla:\nSvar.") == [
        ("Kari", "Første avsnitt.\nAndre avsnitt.", None),
        ("Ola", "Svar.", None),
    ]


def test_it_reads_bracketed_names_in_every_form():
    assert summary("[Kari]\nAlene på linja.\n[Ola] Med tale.\n[Informant 2]: Med kolon.") == [
        ("Kari", "Alene på linja.", None),
        ("Ola", "Med tale.", None),
        ("Informant 2", "Med kolon.", None),
    ]


def test_it_reads_diarised_whisper_labels():
    assert summary("[SPEAKER_00]: Hei.\n[SPEAKER_01]: Hallo.\n[SPEAKER_00]: Vi starter.") == [
        ("SPEAKER_00", "Hei.", None),
        ("SPEAKER_01", "Hallo.", None),
        ("SPEAKER_00", "Vi starter.", None),
    ]


@pytest.mark.parametrize(
    ("header", "start"),
    [
        ("Kari Nordmann  00:12", 12.0),
        ("Kari Nordmann 00:01:12", 72.0),
        ("Kari Nordmann   0:12", 12.0),
        ("Kari Nordmann\t1:02:03", 3723.0),
        ("Kari Nordmann 00:12.500", 12.5),
    ],
)
def test_it_reads_name_and_timestamp_headers_of_transcription_tools(header, start):
    assert summary(f"{header}\nHei alle sammen.\n\nDette er andre avsnitt.") == [
        ("Kari Nordmann", "Hei alle sammen.\nDette er andre avsnitt.", start),
    ]


def test_it_reads_a_numbered_speaker_before_a_timestamp():
    assert summary("Informant 2 00:12\nJa.") == [("Informant 2", "Ja.", 12.0)]


def test_it_reads_timestamp_then_name_headers():
    assert summary("00:00:05 Speaker 1\nHello.\n00:00:09 Speaker 2\nHi.") == [
        ("Speaker 1", "Hello.", 5.0),
        ("Speaker 2", "Hi.", 9.0),
    ]


def test_it_takes_a_leading_time_as_the_start_of_a_speaker_line():
    assert summary("[00:01:12] Kari: Hei.\n(00:01:20) Ola: Hallo.\n00:01:30 [Kari] Igjen.") == [
        ("Kari", "Hei.", 72.0),
        ("Ola", "Hallo.", 80.0),
        ("Kari", "Igjen.", 90.0),
    ]


@pytest.mark.parametrize("line", ["[00:01:12] Stille.", "[00:01:12] Ja", "10:30 Lunsj", "00:01:12 Takk."])
def test_it_keeps_a_leading_time_in_the_text_when_no_speaker_follows(line):
    assert summary(f"Kari: Hei.\n{line}") == [("Kari", f"Hei.\n{line}", None)]


def test_it_takes_times_from_whisper_console_lines():
    parsed = turns("[00:00.000 --> 00:04.000]  Hei og velkommen.\n[00:04.000 --> 00:07.500]  I dag: skole.")
    assert [(turn.speaker, turn.text, turn.start, turn.end) for turn in parsed] == [
        ("Ukjent", "Hei og velkommen. I dag: skole.", 0.0, 7.5),
    ]


def test_it_continues_the_current_speaker_over_lines_and_blank_lines():
    assert summary("Kari: En.\nTo.\n\n\nTre.\nOla: Fire.") == [("Kari", "En.\nTo.\nTre.", None), ("Ola", "Fire.", None)]


def test_it_gives_text_before_the_first_speaker_to_ukjent():
    assert summary("Intervju med lærer\nOpptak fra mars.\nI: Hei.") == [
        ("Ukjent", "Intervju med lærer\nOpptak fra mars.", None),
        ("I", "Hei.", None),
    ]


def test_it_gives_lines_without_any_speaker_one_ukjent_turn():
    assert summary("Hei og velkommen.\nI dag skal vi snakke om skole.") == [
        ("Ukjent", "Hei og velkommen.\nI dag skal vi snakke om skole.", None),
    ]


def test_it_merges_consecutive_lines_of_one_speaker():
    assert summary("Kari: En.\nKari: To.\nOla: Tre.\nKari: Fire.") == [
        ("Kari", "En. To.", None),
        ("Ola", "Tre.", None),
        ("Kari", "Fire.", None),
    ]


def test_it_splits_soft_line_breaks_inside_a_paragraph_into_lines():
    cues = parse_speaker_lines(["Kari: En linje\nen til\nOla: Svar"])
    assert [(cue.speaker, cue.text) for cue in cues] == [("Kari", "En linje\nen til"), ("Ola", "Svar")]


def test_it_normalises_speaker_names_and_speech_to_nfc():
    (turn,) = turns("Rene\u0301: Cafe\u0301 😀 👩🏽‍🏫")
    assert turn.speaker == "René"
    assert turn.text == "Café 😀 👩🏽‍🏫"


def test_it_collapses_spaces_and_no_break_spaces_around_the_name():
    assert summary("  Kari\u00a0Nordmann :   Hei   der.") == [("Kari Nordmann", "Hei der.", None)]


def test_it_drops_a_speaker_line_with_no_speech():
    assert summary("Kari:\nOla: Hei.") == [("Ola", "Hei.", None)]


@pytest.mark.parametrize(
    "line",
    [
        "Møtet startet kl. 10:30 i går.",
        "kl. 10:30 var vi der",
        "Klokka var 10:30.",
        "Informant 2:30 minutter senere",
        "Se https://example.com for mer.",
        "Han sa: kom hit.",
        "Det var slik. Hun sa: nei.",
        "Hva sa du, Kari: ja eller nei?",
        "Merk: dette er en merknad.",
        "Dato: 12. mars 2024",
        "Intervju 3: lærer",
        "Tema: skole",
        "1: første punkt",
        "12.3: et avsnitt",
        "En veldig lang rekke med ord: her",
        "[ler] ja, det var gøy",
        "[Latter]",
        "[uhørbart 00:12:03]",
        "[snakker i munnen på hverandre]",
        "[00:12]",
        "Vi møttes 10:30",
        "«Kari»: sitat",
        "- Kari: tankestrek",
    ],
)
def test_it_does_not_take_sentences_times_and_labels_for_speakers(line):
    assert not is_speaker_line(line)
    assert summary(f"I: Hei.\n{line}") == [("I", f"Hei.\n{line}", None)]


def test_it_rejects_names_that_are_too_long():
    assert not is_speaker_name("Kari " * 8 + "Nordmann")
    assert not is_speaker_name("A" * 41)
    assert is_speaker_name("A" * 40)


def test_it_raises_when_there_are_only_speaker_names():
    with pytest.raises(ImporterError, match="^navn.txt har ingen tekst å importere, bare talernavn.$"):
        turns_from_lines(["Kari:", "Ola 00:12"], name="navn.txt")


def test_it_raises_when_there_are_no_lines_with_text():
    with pytest.raises(ImporterError, match="^navn.txt er tom.$"):
        turns_from_lines(["", "  ", "\u00a0"], name="navn.txt")
