"""Files without any speaker information keep their own units: a turn per segment or paragraph, «Ukjent», unlabelled.

The files are built here in the shapes Whisper's writers (whisper/utils.py: WriteTXT, WriteVTT,
WriteSRT, WriteTSV, WriteJSON), WhisperX and Word produce, with the quirks files pick up on the way
(UTF-8 BOM, CRLF, Windows-1252, GUID cue identifiers).
"""

import io
import json

import docx as python_docx
import pytest

from interviews.importers import parse_file
from interviews.models import Turn as TurnRow
from interviews.services import suggest_mapping, transcript_import

SEGMENTS = [
    (0.0, 3.2, " Hei og velkommen til dette intervjuet."),
    (3.2, 7.84, " Vi skal snakke om integrering i fylkeskommunen."),
    (7.84, 10.0, " Takk, det er fint å være her."),
    (12.5, 75.12, " Jeg har jobbet med bosetting i mange år, og det har endret seg mye."),
]
EXPECTED = [(start, end, text.strip()) for start, end, text in SEGMENTS]


def _clock(seconds, marker=",", hours=True):
    milliseconds = round(seconds * 1000)
    hh, rest = divmod(milliseconds, 3_600_000)
    mm, rest = divmod(rest, 60_000)
    ss, ms = divmod(rest, 1000)
    clock = f"{mm:02d}:{ss:02d}{marker}{ms:03d}"
    return f"{hh:02d}:{clock}" if hours or hh else clock


def whisper_srt(segments=SEGMENTS):
    """Whisper's WriteSRT: numbered cues, hours always, a comma before the milliseconds."""
    return "".join(
        f"{number}\n{_clock(start)} --> {_clock(end)}\n{text.strip()}\n\n"
        for number, (start, end, text) in enumerate(segments, start=1)
    )


def whisper_vtt(segments=SEGMENTS, ids=None):
    """Whisper's WriteVTT: no cue identifiers, hours left out while zero; `ids` adds identifiers."""
    cues = []
    for index, (start, end, text) in enumerate(segments):
        identifier = f"{ids[index]}\n" if ids else ""
        cues.append(f"{identifier}{_clock(start, '.', False)} --> {_clock(end, '.', False)}\n{text.strip()}\n")
    return "WEBVTT\n\n" + "\n".join(cues)


def whisper_tsv(segments=SEGMENTS):
    """Whisper's WriteTSV: start and end in whole milliseconds."""
    rows = [f"{round(start * 1000)}\t{round(end * 1000)}\t{text.strip()}" for start, end, text in segments]
    return "start\tend\ttext\n" + "\n".join(rows) + "\n"


def whisper_json(segments=SEGMENTS):
    """openai-whisper's WriteJSON: the whole result, segments with tokens and decoding figures."""
    return json.dumps({
        "text": "".join(text for _, _, text in segments),
        "segments": [
            {"id": index, "seek": 0, "start": start, "end": end, "text": text, "tokens": [50364, 14690, 50524],
             "temperature": 0.0, "avg_logprob": -0.21, "compression_ratio": 1.12, "no_speech_prob": 0.01}
            for index, (start, end, text) in enumerate(segments)
        ],
        "language": "no",
    }, ensure_ascii=False)


def whisperx_json(segments=SEGMENTS):
    """WhisperX after alignment, not diarised: words with scores, no «speaker» anywhere."""
    return json.dumps({
        "segments": [
            {"start": start, "end": end, "text": text,
             "words": [{"word": word, "start": start, "end": end, "score": 0.9} for word in text.split()]}
            for start, end, text in segments
        ],
        "word_segments": [],
        "language": "no",
    }, ensure_ascii=False)


def summary(parsed):
    return [(turn.start, turn.end, turn.text) for turn in parsed.turns]


def assert_unlabelled_ukjent(parsed):
    assert {turn.speaker for turn in parsed.turns} == {"Ukjent"}
    assert not any(turn.labelled for turn in parsed.turns)


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("opptak.srt", whisper_srt().encode()),
        ("opptak.vtt", whisper_vtt().encode()),
        ("opptak.tsv", whisper_tsv().encode()),
        ("opptak.json", whisper_json().encode()),
        ("whisperx.json", whisperx_json().encode()),
        # Saved again on Windows: BOM and CRLF.
        ("windows.srt", b"\xef\xbb\xbf" + whisper_srt().replace("\n", "\r\n").encode()),
        ("windows.vtt", b"\xef\xbb\xbf" + whisper_vtt().replace("\n", "\r\n").encode()),
        ("windows.tsv", b"\xef\xbb\xbf" + whisper_tsv().replace("\n", "\r\n").encode()),
        ("windows.json", b"\xef\xbb\xbf" + whisper_json().encode()),
    ],
)
def test_it_keeps_one_turn_per_whisper_segment_with_its_times(name, data):
    parsed = parse_file(name, data)
    assert summary(parsed) == EXPECTED
    assert_unlabelled_ukjent(parsed)
    assert parsed.speakers() == {"Ukjent": 4}


def test_it_keeps_one_turn_per_cue_of_a_vtt_with_guid_identifiers():
    ids = ["6d3b1c2e-3d4a-4f4b-9a7e-0c1f2e3d4a5b/12-0", "6d3b1c2e-3d4a-4f4b-9a7e-0c1f2e3d4a5b/15-0",
           "a41f0e7c-88d2-4c0a-b3f5-2d9e6c1b7a30/3-0", "a41f0e7c-88d2-4c0a-b3f5-2d9e6c1b7a30/9-1"]
    parsed = parse_file("stream.vtt", whisper_vtt(ids=ids).encode())
    assert summary(parsed) == EXPECTED
    assert_unlabelled_ukjent(parsed)


def test_it_keeps_all_322_segments_of_a_15_minute_whisper_file():
    segments = [(index * 2.8, index * 2.8 + 2.5, f" Setning nummer {index}.") for index in range(322)]
    for name, data in [("lang.json", whisper_json(segments)), ("lang.srt", whisper_srt(segments))]:
        parsed = parse_file(name, data.encode())
        assert len(parsed.turns) == 322
        assert parsed.turns[0].start == 0.0
        assert parsed.turns[-1].start == pytest.approx(321 * 2.8, abs=0.001)
        assert parsed.turns[-1].text == "Setning nummer 321."
        assert_unlabelled_ukjent(parsed)


def test_it_keeps_whisper_text_lines_as_turns():
    """WriteTXT: one segment per line, no times, no blank lines."""
    data = "".join(f"{text.strip()}\n" for _, _, text in SEGMENTS).encode()
    parsed = parse_file("opptak.txt", data)
    assert [turn.text for turn in parsed.turns] == [text for _, _, text in EXPECTED]
    assert [turn.start for turn in parsed.turns] == [None] * 4
    assert_unlabelled_ukjent(parsed)


def test_it_keeps_whisper_console_lines_as_turns_with_their_times():
    data = b"[00:00.000 --> 00:03.200]  Hei og velkommen.\n[00:03.200 --> 00:07.840]  I dag: skole.\n"
    parsed = parse_file("konsoll.txt", data)
    assert summary(parsed) == [(0.0, 3.2, "Hei og velkommen."), (3.2, 7.84, "I dag: skole.")]
    assert_unlabelled_ukjent(parsed)


def test_it_keeps_the_paragraphs_of_a_windows_1252_text_without_speakers():
    text = (
        "Intervju med rådgiver, Agder fylkeskommune\r\n"
        "\r\n"
        "Vi startet med å snakke om bosetting – og om hvordan «små kommuner» får hjelp.\r\n"
        "Det var en lang samtale.\r\n"
        "\r\n"
        "\r\n"
        "Etterpå gikk vi gjennom planstrategien … side for side.\r\n"
    )
    data = text.encode("cp1252")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    parsed = parse_file("notat.txt", data)
    assert [turn.text for turn in parsed.turns] == [
        "Intervju med rådgiver, Agder fylkeskommune",
        "Vi startet med å snakke om bosetting – og om hvordan «små kommuner» får hjelp.\nDet var en lang samtale.",
        "Etterpå gikk vi gjennom planstrategien … side for side.",
    ]
    assert [turn.start for turn in parsed.turns] == [None, None, None]
    assert_unlabelled_ukjent(parsed)


def test_it_takes_a_bracketed_time_opening_a_paragraph_as_its_start():
    """noScribe without speaker detection: the time stamps open its paragraphs."""
    data = b"[00:00:00] Hei og velkommen.\n\n[00:01:05] Vi snakker om skole.\n"
    parsed = parse_file("noscribe.txt", data)
    assert summary(parsed) == [(0.0, None, "Hei og velkommen."), (65.0, None, "Vi snakker om skole.")]
    assert_unlabelled_ukjent(parsed)


def _docx(paragraphs):
    document = python_docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_it_keeps_one_turn_per_paragraph_of_a_word_file_without_speakers():
    data = _docx(["Første avsnitt om integrering.", "", "Andre avsnitt: om næring.", "Tredje avsnitt."])
    parsed = parse_file("notat.docx", data)
    assert [turn.text for turn in parsed.turns] == [
        "Første avsnitt om integrering.", "Andre avsnitt: om næring.", "Tredje avsnitt.",
    ]
    assert_unlabelled_ukjent(parsed)


def test_it_still_merges_the_cues_of_a_file_that_names_speakers():
    srt = (
        "1\n00:00:00,000 --> 00:00:02,000\nInnledende støy.\n\n"
        "2\n00:00:02,000 --> 00:00:04,000\nMer støy.\n\n"
        "3\n00:00:04,000 --> 00:00:06,000\n[SPEAKER_00]: Hei.\n\n"
        "4\n00:00:06,000 --> 00:00:08,000\nog velkommen.\n\n"
        "5\n00:00:08,000 --> 00:00:10,000\n[SPEAKER_01]: Takk.\n\n"
    )
    parsed = parse_file("delvis.srt", srt.encode())
    assert [(t.speaker, t.text, t.start, t.labelled) for t in parsed.turns] == [
        ("Ukjent", "Innledende støy. Mer støy.", 0.0, True),
        ("SPEAKER_00", "Hei. og velkommen.", 4.0, True),
        ("SPEAKER_01", "Takk.", 8.0, True),
    ]


def test_it_reads_diarised_whisperx_json_as_before():
    segments = [
        {"start": 0.0, "end": 1.0, "text": " Eh."},
        {"start": 1.0, "end": 3.0, "text": " Hei og velkommen.", "speaker": "SPEAKER_00"},
        {"start": 3.0, "end": 4.0, "text": " Til intervjuet."},
        {"start": 4.0, "end": 6.0, "text": " Takk.", "speaker": "SPEAKER_01"},
    ]
    parsed = parse_file("whisperx.json", json.dumps({"segments": segments, "language": "no"}).encode())
    assert [(t.speaker, t.text, t.start, t.labelled) for t in parsed.turns] == [
        ("Ukjent", "Eh.", 0.0, True),
        ("SPEAKER_00", "Hei og velkommen. Til intervjuet.", 1.0, True),
        ("SPEAKER_01", "Takk.", 4.0, True),
    ]


def test_it_stores_a_speakerless_srt_as_one_turn_row_per_cue_without_labels(project, analyst):
    parsed = parse_file("opptak.srt", whisper_srt().encode())
    mapping = suggest_mapping(project=project, speakers=parsed.speakers())
    document = transcript_import(project=project, user=analyst, parsed=parsed, mapping=mapping, title="Opptak",
                                 interview_format="group_interview", source_name="opptak.srt")
    rows = list(TurnRow.objects.filter(document=document).order_by("position").select_related("participant"))
    assert [row.start_seconds for row in rows] == [0.0, 3.2, 7.84, 12.5]
    assert [row.speech(document.text) for row in rows] == [text for _, _, text in EXPECTED]
    assert {row.participant.label for row in rows} == {"Ukjent"}
    assert "Ukjent" not in document.text
    assert document.text == "\n".join(text for _, _, text in EXPECTED)


@pytest.mark.parametrize("opening", ["[00:01:05)", "(00:01:05]", "[Ja]"])
def test_it_keeps_an_opening_that_is_not_a_paired_bracketed_time(opening):
    parsed = parse_file("notat.txt", f"Hei.\n\n{opening} Vi snakker om skole.\n".encode())
    assert [(turn.text, turn.start) for turn in parsed.turns] == [
        ("Hei.", None), (f"{opening} Vi snakker om skole.", None),
    ]


def test_it_does_not_let_a_sentence_opener_with_a_colon_swallow_a_speakerless_file():
    lines = ["Hei og velkommen.", "Problemet: vi har ikke nok folk.", "Spørsmålet: hva gjør vi da?", "Takk."]
    parsed = parse_file("opptak.txt", "\n".join(lines).encode())
    assert [turn.text for turn in parsed.turns] == lines
    assert_unlabelled_ukjent(parsed)


def test_it_cuts_noscribes_single_paragraph_at_its_time_codes():
    """noScribe without speaker detection: one paragraph, a time code at its start and about once a minute."""
    text = (
        "intervju_agder\n\nTranscribed with noScribe vers. 0.6.2\nAudio source: C:/Opptak/intervju_agder.mp3\n\n\n"
        "[00:00:00] Hei og velkommen. Vi starter med rollene. [00:01:05] Jeg er rådgiver. (..) Og jobber med "
        "bosetting. [00:02:11] Takk. Vi ses [00:99:00] senere.\n"
    )
    parsed = parse_file("intervju_agder.txt", text.encode())
    assert [(turn.start, turn.text) for turn in parsed.turns][2:] == [
        (0.0, "Hei og velkommen. Vi starter med rollene."),
        (65.0, "Jeg er rådgiver. (..) Og jobber med bosetting."),
        (131.0, "Takk. Vi ses [00:99:00] senere."),
    ]
    assert_unlabelled_ukjent(parsed)
