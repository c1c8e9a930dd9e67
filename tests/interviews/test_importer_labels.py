"""Speaker labels of research tools: QualCoder's «[id1] text», noScribe's time codes and overlap marks.

The files are built here as the tools write them: QualCoder's Examples/transcript.txt, and
noScribe's .txt and .vtt writers (html_to_text, html_to_webvtt: «S01: [00:00:12] text»,
overlapping speech as «//S02: …//» in a paragraph and «<v //S02>» in a cue).
"""

import pytest

from interviews.importers import parse_file
from interviews.models import Participant
from interviews.models import Turn as TurnRow
from interviews.services import suggest_mapping, transcript_import

QUALCODER = (
    "[id1] hello, I like the course. It really helped me with understanding world history.\n"
    "\n"
    "[id2] I am struggling with the lecture slides. I found that they were too busy.\n"
    "\n"
    "[id3] No. I think the slides are OK but I dont like all the assignments.\n"
    "\n"
    "[id1] I am learning a lot and it is presented easily for me.\n"
    "\n"
    "[id3] yes, I am learning a lot as well.\n"
    "\n"
    "[id2] Hmm, I will ask the tutor for more help.\n"
)


def summary(parsed):
    return [(turn.speaker, turn.text, turn.start) for turn in parsed.turns]


def txt(text, name="intervju.txt"):
    return parse_file(name, text.encode())


def test_it_reads_bracketed_labels_that_several_lines_share():
    parsed = txt(QUALCODER)
    assert [turn.speaker for turn in parsed.turns] == ["id1", "id2", "id3", "id1", "id3", "id2"]
    assert parsed.turns[0].text == "hello, I like the course. It really helped me with understanding world history."
    assert parsed.turns[-1].text == "Hmm, I will ask the tutor for more help."
    assert all(turn.labelled for turn in parsed.turns)
    assert parsed.speakers() == {"id1": 2, "id2": 2, "id3": 2}


def test_it_reads_shared_bracketed_labels_with_a_colon_and_without_blank_lines():
    parsed = txt("[i]: Hvordan jobber dere?\n[r]: Vi har et nettverk.\nDet møtes to ganger i året.\n"
                 "[i]: Og kommunene?\n")
    assert summary(parsed) == [
        ("i", "Hvordan jobber dere?", None),
        ("r", "Vi har et nettverk.\nDet møtes to ganger i året.", None),
        ("i", "Og kommunene?", None),
    ]


@pytest.mark.parametrize(
    "text",
    [
        # One bracketed word at the start of one line is a note, not a speaker.
        "Vi snakket lenge om det.\n\n[smiler] ja, det var gøy.\n\nSå gikk vi videre.\n",
        # Brackets that differ on every line are notes too.
        "[nikker] ja\n[smiler] nei\n[peker] der\n[ser ned] kanskje\n",
        # Shared by a few lines, but most paragraphs open without one: annotations in running text.
        "Første avsnitt.\n\n[nikker] ja.\n\nAndre avsnitt.\n\n[smiler] nei.\n\nTredje.\n\n[nikker] ok.\n\n"
        "Fjerde.\n\n[smiler] vel.\n\nFemte.\n\nSjette.\n\nSjuende.\n",
    ],
)
def test_it_does_not_take_bracketed_notes_for_speakers(text):
    parsed = txt(text)
    assert {turn.speaker for turn in parsed.turns} == {"Ukjent"}
    assert not any(turn.labelled for turn in parsed.turns)
    assert any(turn.text.startswith("[") for turn in parsed.turns)


@pytest.mark.parametrize(
    ("text", "speakers"),
    [
        # A bracketed name the file also writes with a colon.
        ("Kari: Hei.\nOla: Hallo.\n[Kari] Igjen.", ["Kari", "Ola", "Kari"]),
        # A lone bracketed word in a file of other speakers: a note, kept in the speech.
        ("Kari: Hei.\n[Ja] sa hun.\nOla: Hallo.", ["Kari", "Ola"]),
        # With a colon a bracketed name needs no support.
        ("Hei.\n[Kari]: Hallo.", ["Ukjent", "Kari"]),
    ],
)
def test_it_takes_a_lone_bracketed_name_only_with_support(text, speakers):
    assert [turn.speaker for turn in txt(text).turns] == speakers


def test_it_keeps_a_bracketed_note_inside_a_speakers_turn():
    parsed = txt("I: Hvordan var det?\n[ler] ja, det var gøy\nIO: Veldig.\n")
    assert summary(parsed) == [("I", "Hvordan var det?\n[ler] ja, det var gøy", None), ("IO", "Veldig.", None)]


NOSCRIBE_TXT = (
    "\r\n"
    "intervju_agder\r\n"
    "\r\n"
    "Transcribed with noScribe vers. 0.6.2\r\n"
    "Audio source: C:/Users/forsker/Opptak/intervju_agder.mp3\r\n"
    "(Language: Norwegian | Speaker detection: auto | Overlapping speech: True | Timestamps: True)\r\n"
    "\r\n"
    "\r\n"
    "S00: [00:00:00] Velkommen. Kan du fortelle om jobben din?\r\n"
    "\r\n"
    "S01: [00:00:07] Ja, jeg jobber med integrering //S00: Mm.// i fylkeskommunen. [00:01:09] Og det har "
    "jeg gjort lenge.//S00: Ja.//\r\n"
    "\r\n"
    "S00: [00:01:15] Takk.\r\n"
)


def test_it_takes_noscribes_time_codes_out_of_the_speech():
    parsed = txt(NOSCRIBE_TXT, name="intervju_agder.txt")
    assert summary(parsed)[1:] == [
        ("S00", "Velkommen. Kan du fortelle om jobben din?", 0.0),
        ("S01", "Ja, jeg jobber med integrering //S00: Mm.// i fylkeskommunen. [00:01:09] Og det har jeg gjort "
                "lenge.//S00: Ja.//", 7.0),
        ("S00", "Takk.", 75.0),
    ]
    # The header noScribe writes above the transcript stays text before the first speaker.
    assert parsed.turns[0].speaker == "Ukjent"
    assert parsed.turns[0].text.startswith("intervju_agder\nTranscribed with noScribe")


def test_it_never_makes_noscribes_overlap_mark_a_participant():
    parsed = txt(NOSCRIBE_TXT, name="intervju_agder.txt")
    assert set(parsed.speakers()) == {"Ukjent", "S00", "S01"}
    # An overlap that opens a line (the first words of a paragraph) is speech, too.
    parsed = txt("S01: [00:00:07] Ja, vi har\n//S00: Mm.// jobbet med det.\n")
    assert summary(parsed) == [("S01", "Ja, vi har\n//S00: Mm.// jobbet med det.", 7.0)]


def test_it_takes_the_time_code_after_a_speakers_name():
    parsed = txt("Kari Nordmann: [00:00:12] Hei.\nOla: [01:02:03] Hallo.\nKari Nordmann: [00:12] Ja.\n")
    assert summary(parsed) == [
        ("Kari Nordmann", "Hei.", 12.0), ("Ola", "Hallo.", 3723.0), ("Kari Nordmann", "Ja.", 12.0),
    ]


def test_it_keeps_a_time_code_that_does_not_open_the_speech():
    parsed = txt("Kari: Vi møttes [00:00:12] i går.\nOla: (00:01:00) Hallo.\n")
    assert summary(parsed) == [("Kari", "Vi møttes [00:00:12] i går.", None), ("Ola", "(00:01:00) Hallo.", None)]


NOSCRIBE_VTT = (
    "WEBVTT intervju_agder\n"
    "\n"
    "NOTE\n"
    "Transcribed with noScribe vers. 0.6.2\n"
    "Audio source: C:/Users/forsker/Opptak/intervju_agder.mp3\n"
    "(Language: Norwegian | Speaker detection: auto)\n"
    "\n"
    "NOTE media: C:/Users/forsker/Opptak/intervju_agder.mp3\n"
    "\n"
    "1\n00:00:00.000 --> 00:00:06.500\n<v S00>Velkommen. Kan du fortelle om jobben din?\n\n"
    "2\n00:00:07.000 --> 00:00:09.000\n<v S01>Ja, jeg jobber med integrering\n\n"
    "3\n00:00:08.200 --> 00:00:08.600\n<v //S00>Mm.\n\n"
    "4\n00:00:09.000 --> 00:00:11.000\n<v S01>i fylkeskommunen.\n\n"
    "5\n00:01:15.000 --> 00:01:16.000\n<v S00>Takk.\n\n"
)


def test_it_keeps_noscribes_overlapping_voice_as_speech_of_the_current_turn():
    parsed = parse_file("intervju_agder.vtt", NOSCRIBE_VTT.encode())
    assert summary(parsed) == [
        ("S00", "Velkommen. Kan du fortelle om jobben din?", 0.0),
        ("S01", "Ja, jeg jobber med integrering //S00: Mm.// i fylkeskommunen.", 7.0),
        ("S00", "Takk.", 75.0),
    ]
    assert set(parsed.speakers()) == {"S00", "S01"}
    assert parsed.title == "intervju_agder"


def test_it_reads_noscribe_vtt_with_named_speakers_and_no_speaker_detection():
    named = NOSCRIBE_VTT.replace("<v S00>", "<v Intervjuer>").replace("<v //S00>", "<v //Intervjuer>")
    parsed = parse_file("intervju_agder.vtt", named.encode())
    assert [turn.speaker for turn in parsed.turns] == ["Intervjuer", "S01", "Intervjuer"]
    assert parsed.turns[1].text == "Ja, jeg jobber med integrering //Intervjuer: Mm.// i fylkeskommunen."
    # Without speaker detection noScribe writes an empty voice, «<v >»: the cues are the units.
    plain = NOSCRIBE_VTT.replace("<v S00>", "<v >").replace("<v S01>", "<v >").replace("<v //S00>", "<v >")
    parsed = parse_file("intervju_agder.vtt", plain.encode())
    assert [(turn.speaker, turn.start, turn.labelled) for turn in parsed.turns] == [
        ("Ukjent", 0.0, False), ("Ukjent", 7.0, False), ("Ukjent", 8.2, False), ("Ukjent", 9.0, False),
        ("Ukjent", 75.0, False),
    ]


def test_it_stores_noscribes_overlap_without_a_participant_for_it(project, analyst):
    parsed = parse_file("intervju_agder.vtt", NOSCRIBE_VTT.encode())
    mapping = suggest_mapping(project=project, speakers=parsed.speakers())
    document = transcript_import(project=project, user=analyst, parsed=parsed, mapping=mapping, title="Agder",
                                 interview_format="group_interview", source_name="intervju_agder.vtt")
    rows = list(TurnRow.objects.filter(document=document).order_by("position"))
    assert [row.start_seconds for row in rows] == [0.0, 7.0, 75.0]
    assert Participant.objects.filter(project=project).count() == 2
    assert "//" not in "".join(Participant.objects.values_list("label", flat=True))
    assert "Mm.//" in rows[1].speech(document.text)
