"""WebVTT importer: Teams and Zoom files, every cue and tag quirk, and bad files."""

import time
import uuid
from pathlib import Path

import pytest

from interviews.importers import vtt
from interviews.importers.base import ImporterError

pytestmark = pytest.mark.no_database

FILES = Path(__file__).parent / "files"


def parse_file(filename):
    return vtt.parse((FILES / filename).read_bytes(), name=filename)


def parse_text(text, name="opptak.vtt"):
    return vtt.parse(text.encode("utf-8"), name=name)


def refusal(text_or_bytes, name="opptak.vtt"):
    data = text_or_bytes.encode("utf-8") if isinstance(text_or_bytes, str) else text_or_bytes
    with pytest.raises(ImporterError) as caught:
        vtt.parse(data, name=name)
    assert name in str(caught.value)
    return caught.value


# Teams


def test_it_reads_the_title_from_the_webvtt_line():
    transcript = parse_file("teams.vtt")
    assert transcript.format == "vtt"
    assert transcript.title == "Møte i Agder"


def test_it_reads_teams_voice_tags_with_commas_dots_and_parentheses_in_names():
    transcript = parse_file("teams.vtt")
    assert len(transcript.turns) == 5
    assert [turn.speaker for turn in transcript.turns] == [
        "Hansen, Kari (Agder fylkeskommune)",
        "Dr. Ola Nordmann",
        "Åse Ødegård Ærø",
        "Dr. Ola Nordmann",
        "Åse Ødegård Ærø",
    ]
    assert transcript.speakers() == {
        "Hansen, Kari (Agder fylkeskommune)": 1,
        "Dr. Ola Nordmann": 2,
        "Åse Ødegård Ærø": 2,
    }


def test_it_merges_consecutive_teams_cues_of_one_speaker_keeping_the_first_start():
    first = parse_file("teams.vtt").turns[0]
    # The voice span of the first cue runs over two payload lines.
    assert first.text == "Velkommen til møtet. Vi tar opp budsjettet først. Ola, vil du begynne?"
    assert first.start == 3.12
    assert first.end == 9.0


def test_it_reads_a_voice_class_and_strips_other_tags_and_entities():
    second = parse_file("teams.vtt").turns[1]
    assert second.speaker == "Dr. Ola Nordmann"
    assert second.text == "Ja, takk. Budsjettet for 2025 er <stramt> & uforutsigbart."
    assert (second.start, second.end) == (9.5, 14.25)


def test_it_keeps_overlapping_cues_in_file_order():
    turns = parse_file("teams.vtt").turns
    # Åse starts at 14.0, before Ola's cue ends at 14.25.
    assert (turns[1].end, turns[2].start) == (14.25, 14.0)
    assert turns[2].text == "Kan jeg skyte inn et spørsmål 😀"


def test_it_ends_an_unclosed_voice_tag_at_the_end_of_the_cue():
    turns = parse_file("teams.vtt").turns
    assert turns[2].speaker == "Åse Ødegård Ærø"
    assert turns[2].end == 16.0


def test_it_splits_several_voices_in_one_cue_into_turns():
    turns = parse_file("teams.vtt").turns
    assert (turns[3].speaker, turns[3].text, turns[3].start, turns[3].end) == (
        "Dr. Ola Nordmann", "Selvsagt.", 16.0, 20.5,
    )
    assert turns[4].speaker == "Åse Ødegård Ærø"
    assert turns[4].start == 16.0


def test_it_joins_a_speakerless_cue_to_the_previous_turn_and_cleans_it():
    last = parse_file("teams.vtt").turns[-1]
    # The last cue has only <c>, <b>, <lang> and timestamp tags, &nbsp; and &lrm;, and e + U+0301.
    assert last.text == "Takk. Hva med lærerne 👩🏽\u200d🏫? og kaféen også"
    assert "\u0301" not in last.text
    assert "\u200e" not in last.text
    assert last.end == 22.0


def test_it_skips_note_style_and_region_blocks():
    text = " ".join(turn.text for turn in parse_file("teams.vtt").turns)
    for skipped in ("Generated", "note", "::cue", "width:40%"):
        assert skipped not in text


# Zoom


def test_it_reads_zoom_name_prefixes_in_a_crlf_file():
    transcript = parse_file("zoom.vtt")
    assert transcript.title == ""
    assert [turn.speaker for turn in transcript.turns] == ["Intervjuer", "Kari Nordmann", "Intervjuer"]
    first = transcript.turns[0]
    assert first.text == "Hei, og takk for at du stiller opp. Kan du fortelle litt om deg selv?"
    assert (first.start, first.end) == (1.5, 6.2)
    assert (transcript.turns[2].start, transcript.turns[2].end) == (3615.0, 3618.5)


def test_it_does_not_take_a_clock_time_or_a_sentence_for_a_speaker():
    kari = parse_file("zoom.vtt").turns[1]
    assert kari.text == (
        "Ja. Jeg jobber som sykepleier i Kristiansand. Klokka var 10:30 da vi begynte. "
        "Det jeg mener er dette: vi trenger flere folk."
    )
    assert (kari.start, kari.end) == (6.9, 18.0)


@pytest.mark.parametrize(
    "payload",
    [
        "Hva sier du: er det riktig?",
        "14.30: Vi tar pause.",
        "Kl. 10: Møtet starter.",
        "se https://example.org/side",
        "Dette er en veldig lang innledning: og så videre.",
        "Jeg tror det: absolutt.",
    ],
)
def test_it_keeps_text_that_only_resembles_a_name_prefix(payload):
    transcript = parse_text(f"WEBVTT\n\n00:01.000 --> 00:02.000\n{payload}\n")
    assert [(turn.speaker, turn.text) for turn in transcript.turns] == [("Ukjent", payload)]


def test_it_reads_whisperx_speaker_labels():
    transcript = parse_text(
        "WEBVTT\n\n00:00.000 --> 00:01.500\n[SPEAKER_00]: Hei.\n\n"
        "00:01.500 --> 00:03.000\n[SPEAKER_01]: Hallo.\n"
    )
    assert [(turn.speaker, turn.text) for turn in transcript.turns] == [
        ("SPEAKER_00", "Hei."),
        ("SPEAKER_01", "Hallo."),
    ]


# Cue structure


def test_it_reads_timestamps_without_hours_and_identifiers_of_any_shape():
    transcript = parse_text(
        "WEBVTT\n\n"
        "intro\n00:01.000 --> 00:02.500\n<v Kari>Hei.</v>\n\n"
        "12\n00:02.500 --> 00:04.000\n<v Ola>Hallo.</v>\n\n"
        "6d3b1c2e-4f5a-4b6c-8d7e-9f0a1b2c3d4e/3-1\n01:02:03.456 --> 01:02:05.000\n<v Kari>Ha det.</v>\n"
    )
    assert [(turn.speaker, turn.start, turn.end) for turn in transcript.turns] == [
        ("Kari", 1.0, 2.5),
        ("Ola", 2.5, 4.0),
        ("Kari", 3723.456, 3725.0),
    ]


def test_it_opens_an_unknown_turn_for_a_speakerless_first_cue():
    transcript = parse_text(
        "WEBVTT\n\n00:01.000 --> 00:02.000\nbakgrunnsprat\n\n00:02.000 --> 00:03.000\n<v Kari>Hei.</v>\n"
    )
    assert [(turn.speaker, turn.text, turn.start) for turn in transcript.turns] == [
        ("Ukjent", "bakgrunnsprat", 1.0),
        ("Kari", "Hei.", 2.0),
    ]


def test_it_reads_text_before_and_after_voice_spans_in_one_cue():
    transcript = parse_text("WEBVTT\n\n00:01.000 --> 00:02.000\nja <v Kari>Hei</v> du\n")
    assert [(turn.speaker, turn.text) for turn in transcript.turns] == [("Ukjent", "ja"), ("Kari", "Hei du")]


def test_it_reads_header_lines_and_a_cue_directly_after_the_header():
    transcript = parse_text("WEBVTT\nKind: captions\n00:01.000 --> 00:02.000\n<v Kari>Hei.</v>\n")
    assert [(turn.speaker, turn.text) for turn in transcript.turns] == [("Kari", "Hei.")]


def test_it_reads_cues_whose_blank_line_is_missing():
    transcript = parse_text(
        "WEBVTT\n\n1\n00:01.000 --> 00:02.000\n<v Kari>Hei.</v>\n2\n00:02.000 --> 00:03.000\n<v Ola>Hallo.</v>\n"
    )
    assert [(turn.speaker, turn.text, turn.start) for turn in transcript.turns] == [
        ("Kari", "Hei.", 1.0),
        ("Ola", "Hallo.", 2.0),
    ]


def test_it_keeps_speech_after_a_stray_blank_line_in_the_cue():
    transcript = parse_text("WEBVTT\n\n00:01.000 --> 00:02.000\n<v Kari>Hei,\n\nog velkommen.</v>\n")
    assert [(turn.speaker, turn.text) for turn in transcript.turns] == [("Kari", "Hei, og velkommen.")]


def test_it_keeps_a_lone_less_than_sign_and_decodes_named_entities():
    transcript = parse_text("WEBVTT\n\n00:01.000 --> 00:02.000\n<v Kari &amp; Ola>3 < 5 &gt; 2</v>\n")
    assert [(turn.speaker, turn.text) for turn in transcript.turns] == [("Kari & Ola", "3 < 5 > 2")]


def test_it_reads_norwegian_names_emoji_and_combining_characters():
    transcript = parse_text(
        "WEBVTT\n\n00:01.000 --> 00:02.000\n<v Bjørn Ståle Kje\u0301ll>Det gikk bra 😀 i cafe\u0301en</v>\n"
    )
    turn = transcript.turns[0]
    assert turn.speaker == "Bjørn Ståle Kjéll"
    assert turn.text == "Det gikk bra 😀 i caféen"


def test_it_reads_a_utf16_file_with_a_bom():
    data = "WEBVTT\r\n\r\n00:01.000 --> 00:02.000\r\n<v Åse>Hei.</v>\r\n".encode("utf-16")
    transcript = vtt.parse(data, name="opptak.vtt")
    assert [(turn.speaker, turn.text) for turn in transcript.turns] == [("Åse", "Hei.")]


# Bad files


def test_it_reports_a_malformed_timestamp_with_its_line_number():
    error = refusal((FILES / "malformed_timestamp.vtt").read_bytes(), name="malformed_timestamp.vtt")
    assert error.message == "malformed_timestamp.vtt: ugyldig tidskode «00:01:xx.000»"
    assert error.line == 8
    assert str(error) == "malformed_timestamp.vtt: ugyldig tidskode «00:01:xx.000» (linje 8)"


@pytest.mark.parametrize(
    ("timing", "shown"),
    [
        ("00:61.000 --> 00:62.000", "00:61.000"),
        ("00:01.000 --> 00:1x.000", "00:1x.000"),
        ("00:01.000 -->", "00:01.000 -->"),
        ("--> 00:02.000", "--> 00:02.000"),
        ("00:01.000 --> 00:02.0000", "00:02.0000"),
    ],
)
def test_it_refuses_an_unreadable_timing_line(timing, shown):
    error = refusal(f"WEBVTT\n\n1\n00:00.000 --> 00:01.000\nHei.\n\n2\n{timing}\nHallo.\n")
    assert error.message == f"opptak.vtt: ugyldig tidskode «{shown}»"
    assert error.line == 8


def test_it_refuses_a_timing_line_with_a_mistyped_arrow():
    error = refusal("WEBVTT\n\n1\n00:00.000 --> 00:01.000\nHei.\n\n2\n00:01.000 -> 00:02.000\nHallo.\n")
    assert "ugyldig tidskode-linje «00:01.000 -> 00:02.000»" in error.message
    assert error.line == 8


def test_it_refuses_a_file_without_the_webvtt_header():
    error = refusal((FILES / "no_header.vtt").read_bytes(), name="no_header.vtt")
    assert error.message.startswith("no_header.vtt er ikke en WebVTT-fil: første linje må være «WEBVTT».")
    assert "SRT" in error.message


def test_it_refuses_a_header_without_cues():
    error = refusal((FILES / "header_only.vtt").read_bytes(), name="header_only.vtt")
    assert error.message == "header_only.vtt inneholder ingen replikker."


def test_it_refuses_cues_without_speech():
    error = refusal("WEBVTT\n\n00:01.000 --> 00:02.000\n<v Kari></v>\n")
    assert error.message == "opptak.vtt inneholder ingen replikker."


@pytest.mark.parametrize("data", [b"", b"\n\n  \n", b"\xef\xbb\xbf"])
def test_it_refuses_an_empty_file(data):
    assert refusal(data, name="empty.vtt").message == "empty.vtt er tom."


def test_it_refuses_the_empty_fixture_file():
    assert refusal((FILES / "empty.vtt").read_bytes(), name="empty.vtt").message == "empty.vtt er tom."


def test_it_refuses_a_binary_file():
    assert "binærfil" in refusal(b"WEBVTT\n\x00\x01\x02\x03", name="bilde.vtt").message


# Size


def _long_teams_file(cues):
    lines = ["WEBVTT", ""]
    names = ["Hansen, Kari (Agder fylkeskommune)", "Dr. Ola Nordmann", "Åse Ødegård"]
    guid = uuid.UUID(int=7)
    for number in range(cues):
        start = number * 2160
        lines += [
            f"{guid}/{number}-0",
            f"{_clock(start)} --> {_clock(start + 2100)}",
            f"<v {names[(number // 3) % 3]}>Dette er setning nummer {number} om budsjettet, skolen og æøå.</v>",
            "",
        ]
    return "\n".join(lines).encode("utf-8")


def _clock(milliseconds):
    hours, rest = divmod(milliseconds, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    return f"{hours:02d}:{minutes:02d}:{rest // 1000:02d}.{rest % 1000:03d}"


def test_it_parses_a_three_hour_teams_file_in_linear_time():
    data = _long_teams_file(5000)
    began = time.perf_counter()
    transcript = vtt.parse(data, name="lang.vtt")
    elapsed = time.perf_counter() - began
    assert len(transcript.turns) == 1667
    assert transcript.turns[-1].end == pytest.approx(4999 * 2.16 + 2.1)
    # Generous bound, far below what a quadratic pass over 5,000 cues would take.
    assert elapsed < 2.0
