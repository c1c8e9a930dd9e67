"""Corrections of a document's text: the diff, excerpts carried to their words, turns, chunks, undo."""

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coding.models import Change, Excerpt, Theme
from coding.revisions import document_revise, editable_span, text_correct, text_correction_undo
from coding.search import search
from coding.services import ConflictError, excerpt_create, excerpt_update
from interviews.importers import ParsedTranscript, Turn
from interviews.models import Participant
from interviews.models import Turn as TurnRow
from interviews.services import transcript_import
from planner.models import Chunk, County, Document, DocumentVersion
from planner.services import TextEdit, project_create, text_changes
from planner.textindex import CHUNK_SIZE, OVERLAP, decode, postings_of
from tests.long_transcript import long_transcript

TURNS = [
    ("Intervjuer", "Velkommen, hva jobber dere med?"),
    ("Informant 1", "Vi jobber med bosetting av flyktninger i distriktene."),
    ("Informant 2", "Kommunene trenger veiledning og mer ressurser."),
    ("Informant 1", "Tilskuddene er for små for de minste kommunene."),
]


@pytest.fixture
def study(lead):
    project = project_create(name="Rettinger", lead=lead)
    theme = Theme.objects.create(project=project, name="Bosetting", colour="#0067A5", position=1)
    return project, theme


def interview(project, user, turns=TURNS):
    people = {label: Participant.objects.get_or_create(project=project, label=label)[0] for label, _ in turns}
    parsed = ParsedTranscript(format="txt", turns=[Turn(speaker=label, text=speech, start=float(i * 30))
                                                   for i, (label, speech) in enumerate(turns)])
    return transcript_import(project=project, user=user, parsed=parsed, mapping=people, title="Intervju",
                             interview_format="group_interview")


def code(document, phrase, user, theme):
    text = Document.objects.get(pk=document.pk).text
    start = text.index(phrase)
    return excerpt_create(document=document, start=start, end=start + len(phrase), coder=user, themes=[theme])


def passage(excerpt):
    excerpt = Excerpt.objects.get(uuid=excerpt.uuid)
    return excerpt.document.text[excerpt.start:excerpt.end]


def hits(project, query):
    return sum(result.count for result in search(project=project, query=query))


def correct(document, turn_number, old, new, user):
    """Replace `old` by `new` in the speech of one turn, through the service the page uses."""
    document = Document.objects.get(pk=document.pk)
    turn = TurnRow.objects.get(document=document, position=turn_number)
    speech = document.text[turn.speech_start:turn.end]
    assert old in speech
    return text_correct(document=document, start=turn.speech_start, end=turn.end,
                        text=speech.replace(old, new, 1), checksum=document.checksum, user=user)


def test_text_changes_are_word_spans():
    assert text_changes("Vi har tre kommuner.", "Vi har fire kommuner.") == [(7, 10, "fire")]
    assert text_changes("abc def", "abc def ghi") == [(7, 7, " ghi")]
    assert text_changes("same", "same") == []
    old, new = "En to tre.\nFire fem.\nSeks sju.", "Seks sju.\nEn to tre.\nFire fem."
    spans = text_changes(old, new)
    rebuilt, last = "", 0
    for start, end, text in spans:
        rebuilt += old[last:start] + text
        last = end
    assert rebuilt + old[last:] == new


def test_text_edit_sides_keep_inserted_words_outside_a_passage():
    edit = TextEdit(((10, 10, 4),))  # four characters inserted at 10
    assert edit.position(10) == 14 and edit.position(10, side="left") == 10
    assert edit.position(9) == 9 and edit.position(11, side="left") == 15


def test_it_moves_untouched_excerpts_marks_changed_ones_and_reports_orphans(study, lead, analyst):
    project, theme = study
    document = interview(project, lead)
    before = code(document, "bosetting av flyktninger", analyst, theme)  # turn 1, before the edit
    inside = code(document, "trenger veiledning", analyst, theme)  # turn 2, its words changed
    gone = code(document, "mer ressurser", analyst, theme)  # turn 2, deleted whole
    after = code(document, "Tilskuddene er for små", analyst, theme)  # turn 3, after the edit
    revision = correct(document, 2, "trenger veiledning og mer ressurser", "trenger god veiledning", lead)

    assert passage(before) == "bosetting av flyktninger"
    assert passage(after) == "Tilskuddene er for små"
    assert passage(inside) == "trenger god veiledning"
    # History snapshots point at the same words (the ones after the change are moved inside the JSON).
    text = Document.objects.get(pk=document.pk).text
    for excerpt, words in ((before, "bosetting av flyktninger"), (after, "Tilskuddene er for små")):
        snapshot = Change.objects.get(object_uuid=excerpt.uuid, action=Change.Action.EXCERPT_CREATED).after
        assert text[snapshot["start"]:snapshot["end"]] == words
    assert Excerpt.objects.get(pk=inside.pk).text_changed
    assert not Excerpt.objects.get(pk=after.pk).text_changed
    assert not Excerpt.objects.filter(pk=gone.pk).exists()
    orphan = Change.objects.get(action=Change.Action.EXCERPT_ORPHANED, object_uuid=gone.uuid)
    assert orphan.before["passage"] == "mer ressurser" and orphan.user == lead
    assert [s["passage"] for s in revision.orphaned] == ["mer ressurser"]
    assert revision.version.number == 1 and revision.version.created_by == lead
    # Turns, search chunks and attribution follow the new text.
    document.refresh_from_db()
    speeches = [t.speech(document.text) for t in TurnRow.objects.filter(document=document)]
    assert speeches == ["Velkommen, hva jobber dere med?", "Vi jobber med bosetting av flyktninger i distriktene.",
                        "Kommunene trenger god veiledning.", "Tilskuddene er for små for de minste kommunene."]
    assert hits(project, "god") == 1
    assert hits(project, "ressurser") == 0
    assert document.length == len(document.text)

    text_correction_undo(document=document, user=lead, is_lead=True)
    document.refresh_from_db()
    assert document.text.count("trenger veiledning og mer ressurser") == 1
    assert [passage(e) for e in (before, inside, gone, after)] == [
        "bosetting av flyktninger", "trenger veiledning", "mer ressurser", "Tilskuddene er for små"]
    assert not Excerpt.objects.get(pk=inside.pk).text_changed
    assert Excerpt.objects.get(uuid=gone.uuid).themes.get() == theme
    assert DocumentVersion.objects.get(document=document).undone_at is not None
    assert hits(project, "ressurser") == 1


@pytest.mark.parametrize("old, new, expected", [
    ("Vi jobber", "Nå jobber vi", "bosetting av flyktninger"),  # before the excerpt
    ("bosetting av", "bosetting og integrering av", "bosetting og integrering av flyktninger"),  # inside
    ("i distriktene", "i byene", "bosetting av flyktninger"),  # after
    ("Vi jobber med ", "", "bosetting av flyktninger"),  # deleted up to its first word
    ("flyktninger i", "innvandrere i", "bosetting av innvandrere"),  # its last word changed
])
def test_insertions_and_deletions_before_inside_and_after_an_excerpt(study, lead, old, new, expected):
    project, theme = study
    document = interview(project, lead)
    excerpt = code(document, "bosetting av flyktninger", lead, theme)
    correct(document, 1, old, new, lead)
    assert passage(excerpt) == expected


def test_words_typed_right_after_an_excerpt_stay_outside_it(study, lead):
    project, theme = study
    document = interview(project, lead)
    excerpt = code(document, "bosetting av flyktninger", lead, theme)
    correct(document, 1, "flyktninger i", "flyktninger, særlig i", lead)
    assert passage(excerpt) == "bosetting av flyktninger"
    assert not Excerpt.objects.get(pk=excerpt.pk).text_changed


def test_an_edit_that_joins_two_turns(study, lead):
    project, theme = study
    document = interview(project, lead)
    first = code(document, "trenger veiledning", lead, theme)
    second = code(document, "Tilskuddene er for små", lead, theme)
    text = document.text
    join = text.index("\nInformant 1: Tilskuddene")
    document_revise(document=document, text=text[:join] + " " + text[join + len("\nInformant 1: "):], user=lead)
    turns = list(TurnRow.objects.filter(document=document).order_by("position"))
    document.refresh_from_db()
    assert len(turns) == 3
    assert turns[2].speech(document.text) == ("Kommunene trenger veiledning og mer ressurser. Tilskuddene er for små "
                                              "for de minste kommunene.")
    assert [passage(first), passage(second)] == ["trenger veiledning", "Tilskuddene er for små"]
    text_correction_undo(document=document, user=lead, is_lead=True)
    turns = list(TurnRow.objects.filter(document=document).order_by("position"))
    document.refresh_from_db()
    assert [t.speech(document.text) for t in turns] == [speech for _label, speech in TURNS]
    assert [t.participant.label for t in turns] == [label for label, _speech in TURNS]
    assert turns[3].start_seconds == 90.0


def test_a_replacement_text_that_reorders_paragraphs_reports_what_it_cannot_follow(study, lead):
    project, theme = study
    document = interview(project, lead)
    kept = code(document, "trenger veiledning", lead, theme)
    moved = code(document, "Velkommen", lead, theme)
    paragraphs = document.text.split("\n")
    revision = document_revise(document=document, text="\n".join(paragraphs[1:] + paragraphs[:1]), user=lead)
    assert passage(kept) == "trenger veiledning"
    # The moved paragraph was deleted here and inserted there: its excerpt is reported, not lost.
    assert [s["passage"] for s in revision.orphaned] == ["Velkommen"]
    assert not Excerpt.objects.filter(pk=moved.pk).exists()


def test_a_stale_or_wide_correction_is_refused(study, lead):
    project, theme = study
    document = interview(project, lead)
    turn = TurnRow.objects.get(document=document, position=1)
    with pytest.raises(ConflictError):
        text_correct(document=document, start=turn.speech_start, end=turn.end, text="x", checksum="0" * 64,
                     user=lead)
    with pytest.raises(ValidationError):
        text_correct(document=document, start=turn.start, end=turn.end, text="x", checksum=document.checksum,
                     user=lead)
    with pytest.raises(ValidationError):
        text_correct(document=document, start=turn.speech_start, end=turn.end, text="a\nb",
                     checksum=document.checksum, user=lead)
    assert editable_span(document, turn.speech_start + 3) == (turn.speech_start, turn.end)
    assert not DocumentVersion.objects.exists()


def test_only_the_author_or_the_lead_undoes_a_correction_and_saving_clears_the_mark(study, lead, analyst):
    project, theme = study
    project.memberships.create(user=analyst, role="analyst")
    document = interview(project, lead)
    excerpt = code(document, "trenger veiledning", analyst, theme)
    correct(document, 2, "trenger veiledning", "trenger råd", lead)
    with pytest.raises(ConflictError):
        text_correction_undo(document=document, user=analyst, is_lead=False)
    excerpt = Excerpt.objects.get(pk=excerpt.pk)
    excerpt_update(excerpt_id=excerpt.pk, user=analyst, version=excerpt.version, memo="sjekket")
    assert not Excerpt.objects.get(pk=excerpt.pk).text_changed


WORDS = st.sampled_from(["og", "kommunene", "vi", "bosetting", "", "ja", "flyktninger", "."])


@pytest.fixture
def coded_interview(study, lead):
    """The interview with four excerpts, and each excerpt's turns (by pk) before any edit."""
    project, theme = study
    document = interview(project, lead)
    for phrase in ("jobber dere", "bosetting av flyktninger i", "veiledning og mer", "for de minste"):
        code(document, phrase, lead, theme)
    turn_of = {}
    for excerpt in Excerpt.objects.filter(document=document):
        turn_of[excerpt.pk] = set(TurnRow.objects.filter(document=document, start__lte=excerpt.end,
                                                         end__gte=excerpt.start).values_list("pk", flat=True))
    return document, turn_of


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=st.lists(st.tuples(st.integers(0, 3), st.integers(0, 400), st.integers(0, 30),
                                st.lists(WORDS, max_size=4)), min_size=1, max_size=4))
def test_generated_edits_keep_every_excerpt_inside_its_document_and_its_turns(coded_interview, lead, edits):
    # Each example starts from the interview as imported and coded: its edits are rolled back after it (a
    # savepoint in the test's transaction), instead of importing and coding it again (a third of the time).
    with transaction.atomic():
        _edits_keep_excerpts_inside(*coded_interview, lead, edits)
        transaction.set_rollback(True)


def _edits_keep_excerpts_inside(document, turn_of, lead, edits):
    assert Document.objects.get(pk=document.pk).text == document.text  # the last example's edits are gone
    for turn_number, at, length, words in edits:
        document = Document.objects.get(pk=document.pk)
        turn = TurnRow.objects.get(document=document, position=turn_number)
        speech = document.text[turn.speech_start:turn.end]
        at = min(at, len(speech))
        new = speech[:at] + " ".join(words) + speech[at + length:]
        text_correct(document=document, start=turn.speech_start, end=turn.end, text=new,
                     checksum=document.checksum, user=lead)
    document = Document.objects.get(pk=document.pk)
    for excerpt in Excerpt.objects.filter(document=document):
        assert 0 <= excerpt.start < excerpt.end <= document.length
        assert document.text[excerpt.start:excerpt.end].strip() == document.text[excerpt.start:excerpt.end]
        holders = set(TurnRow.objects.filter(document=document, speech_start__lte=excerpt.start,
                                             end__gte=excerpt.end).values_list("pk", flat=True))
        assert holders and holders <= turn_of[excerpt.pk]
    chunks_are_whole(document)


def chunks_are_whole(document):
    """The chunks cover the text end to end, in order, each with its own text and the overlap; the word
    index holds the words of the text as it is now."""
    document = Document.objects.get(pk=document.pk)
    rows = list(Chunk.objects.filter(document=document).order_by("position").values_list(
        "position", "start", "end", "text"))
    assert [row[0] for row in rows] == list(range(len(rows)))
    assert rows[0][1] == 0 and rows[-1][2] == document.length
    for (_p, _s, end, _t), (_q, start, _e, _u) in zip(rows, rows[1:], strict=False):
        assert end == start
    for _p, start, end, text in rows:
        assert end - start <= CHUNK_SIZE and text == document.text[start:end + OVERLAP]
    stored = {word: list(decode(positions)) for word, positions in document.postings.values_list("word__word",
                                                                                                 "positions")}
    assert stored == {word: list(positions) for word, positions in postings_of(document.text).items()}


def test_a_correction_rebuilds_only_the_chunks_it_touches(study, lead):
    project, theme = study
    County.objects.create(project=project, name="Agder")
    document = long_transcript(project, lead, cues=300)
    before = dict(Chunk.objects.filter(document=document).values_list("position", "pk"))
    assert len(before) > 5
    turn = TurnRow.objects.filter(document=document).order_by("position")[len(before) // 2 * 10]
    speech = Document.objects.get(pk=document.pk).text[turn.speech_start:turn.end]
    text_correct(document=document, start=turn.speech_start, end=turn.end, text="Et fjordkatedralsvar. " * 400 + speech,
                 checksum=Document.objects.get(pk=document.pk).checksum, user=lead)
    chunks_are_whole(document)
    after = dict(Chunk.objects.filter(document=document).values_list("position", "pk"))
    assert before[0] == after[0]  # the chunks before the correction stay as they were
    assert len(after) > len(before)
    assert hits(project, "fjordkatedralsvar") == 400
    text_correction_undo(document=document, user=lead, is_lead=True)
    chunks_are_whole(document)
    assert hits(project, "fjordkatedralsvar") == 0


def test_erasing_a_participant_deletes_the_text_versions_that_hold_their_words(study, lead):
    from coding.participant_data import participant_erase

    project, theme = study
    document = interview(project, lead)
    correct(document, 1, "bosetting av flyktninger", "bosetting av Fjordkatedralen", lead)
    assert "flyktninger" in str(DocumentVersion.objects.get(document=document).reverse)
    participant_erase(participant=Participant.objects.get(project=project, label="Informant 1"), user=lead)
    assert not DocumentVersion.objects.filter(document=document).exists()
    assert "Fjordkatedralen" not in Document.objects.get(pk=document.pk).text
