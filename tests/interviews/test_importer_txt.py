"""The plain-text importer: encodings, line ends, speaker forms and bad files, from real files in files/."""

from pathlib import Path

import pytest

from interviews.importers import txt
from interviews.importers.base import ImporterError

pytestmark = pytest.mark.no_database

FILES = Path(__file__).parent / "files"


def parse_file(filename):
    return txt.parse((FILES / filename).read_bytes(), name=filename)


def summary(parsed):
    return [(turn.speaker, turn.text, turn.start) for turn in parsed.turns]


def test_it_reads_utf8_with_lf():
    parsed = parse_file("utf8_lf.txt")
    assert parsed.format == "txt"
    assert summary(parsed) == [
        ("I", "Hei, og velkommen.", None),
        ("Informant 2", "Takk. Jeg bor på Ørsta, nær fjæra.", None),
        ("I", "Fortell mer.", None),
    ]
    assert parsed.speakers() == {"I": 2, "Informant 2": 1}


def test_it_reads_utf8_with_bom_and_crlf():
    parsed = parse_file("utf8_bom_crlf.txt")
    assert summary(parsed) == [("I", "Første spørsmål?", None), ("IO", "Svar med æøå.", None)]


def test_it_reads_utf16_le_with_bom():
    parsed = parse_file("utf16le_bom.txt")
    assert summary(parsed) == [
        ("Intervjuer", "Hvordan går det?", None),
        ("Kari", "Bra – takk! Blåbær og søt saft.", None),
    ]


def test_it_reads_windows_1252_with_ellipsis_byte_and_norwegian_letters():
    data = (FILES / "cp1252_crlf.txt").read_bytes()
    assert b"\x85" in data and b"\xe5" in data  # the file really is Windows-1252
    parsed = txt.parse(data, name="cp1252_crlf.txt")
    assert summary(parsed) == [
        ("Intervjuer", "Og så…?", None),
        ("Kari", "Hmm… jeg vet ikke. Kanskje på Røros.", None),
    ]


def test_it_reads_old_mac_cr_line_ends():
    parsed = parse_file("utf8_cr.txt")
    assert summary(parsed) == [("I", "Linje en\nfortsetter her", None), ("IO", "Linje to", None)]


def test_it_keeps_each_line_of_plain_whisper_text_as_an_unlabelled_turn():
    parsed = parse_file("whisper_plain.txt")
    assert summary(parsed) == [
        ("Ukjent", "Hei og velkommen til podkasten.", None),
        ("Ukjent", "I dag skal vi snakke om skole.", None),
        ("Ukjent", "Det blir spennende.", None),
    ]
    assert not any(turn.labelled for turn in parsed.turns)


def test_it_reads_diarised_whisper_text_and_merges_a_repeated_speaker():
    parsed = parse_file("whisper_diarised.txt")
    assert summary(parsed) == [
        ("SPEAKER_00", "Hei og velkommen.", None),
        ("SPEAKER_01", "Takk for det. Det er fint å være her.", None),
        ("SPEAKER_00", "Vi begynner.", None),
    ]


def test_it_reads_name_and_timestamp_exports_with_speech_in_following_paragraphs():
    parsed = parse_file("otter_export.txt")
    assert summary(parsed) == [
        ("Kari Nordmann", "Hei alle sammen.", 3.0),
        ("Ola Hansen", "Hei.\nJeg har to avsnitt.", 72.0),
        ("Kari Nordmann", "Flott.", 3723.0),
    ]


def test_it_gives_text_before_the_first_speaker_to_ukjent_and_reads_names_alone_on_a_line():
    parsed = parse_file("preamble.txt")
    assert summary(parsed) == [
        ("Ukjent", "Intervju med lærer, mars 2024\nTranskribert etter lydopptak.", None),
        ("I", "Hvor lenge har du jobbet her?", None),
        ("Lærer", "I tolv år.\nDet føles kortere.", None),
    ]


def test_it_keeps_emoji_and_composes_combining_characters():
    parsed = parse_file("emoji_combining.txt")
    assert summary(parsed) == [
        ("Kari", "Jeg ble glad 😀 da læreren 👩🏽‍🏫 kom.", None),
        ("Ola", "Café og idé.", None),
    ]


def test_it_accepts_text_without_any_recognisable_speaker():
    parsed = txt.parse(b"bare litt tekst", name="notat.txt")
    assert summary(parsed) == [("Ukjent", "bare litt tekst", None)]


@pytest.mark.parametrize("filename", ["empty.txt", "whitespace.txt"])
def test_it_refuses_an_empty_file(filename):
    with pytest.raises(ImporterError) as error:
        parse_file(filename)
    assert str(error.value) == f"{filename} er tom."


def test_it_refuses_binary_bytes_with_a_txt_name():
    with pytest.raises(ImporterError) as error:
        parse_file("binary.txt")
    assert str(error.value) == "binary.txt ser ut som en binærfil, ikke tekst."


def test_it_refuses_a_file_with_speaker_names_but_no_speech():
    with pytest.raises(ImporterError) as error:
        txt.parse(b"Kari:\r\nOla:\r\n", name="tomme talere.txt")
    assert str(error.value) == "tomme talere.txt har ingen tekst å importere, bare talernavn."


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_it_reads_utf16_without_a_bom(encoding):
    text = "I: Hei, og velkommen.\r\nInformant 2: Takk. Jeg bor på Ørsta, nær fjæra – «ved sjøen».\r\n"
    data = text.encode(encoding)
    assert not data.startswith((b"\xff\xfe", b"\xfe\xff"))
    parsed = txt.parse(data, name="intervju.txt")
    assert summary(parsed) == [
        ("I", "Hei, og velkommen.", None),
        ("Informant 2", "Takk. Jeg bor på Ørsta, nær fjæra – «ved sjøen».", None),
    ]


def test_it_still_refuses_binary_bytes_with_nuls_in_every_other_position():
    with pytest.raises(ImporterError) as error:
        txt.parse(b"\x01\x00\x02\x00" * 300, name="binary.txt")
    assert str(error.value) == "binary.txt ser ut som en binærfil, ikke tekst."
