"""Assigning participants to the turns of a transcript without speakers, on the transcript page."""

import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.urls import reverse
from django.utils import translation

from coding.exports.options import ExportOptions
from coding.exports.quotes import collect
from coding.quotes import internal_attribution
from coding.services import excerpt_create
from interviews.importers import UNKNOWN_SPEAKER, ParsedTranscript, Turn
from interviews.models import Participant, SpeakerChange
from interviews.services import NewParticipant, suggest_mapping, transcript_import, turns_assign
from planner.services import project_create

# Segments as Whisper writes them without diarisation: no speaker, a start and an end each.
SEGMENTS = [
    (0.0, 4.2, "Velkommen, og takk for at dere stiller opp."),
    (4.2, 9.8, "Kan dere si litt om hvordan dere jobber med integrering?"),
    (9.8, 15.1, "Vi har en rådgiver på integrering i regionalavdelingen."),
    (15.1, 21.0, "Og vi samarbeider tett med kommunene om bosetting."),
    (21.0, 26.5, "Hvordan når dere de minste kommunene?"),
    (26.5, 33.0, "Gjennom nettverket for distriktskommuner, to ganger i året."),
]


def speakerless(project, user, title="Agder uten talere"):
    parsed = ParsedTranscript(format="whisper-json", turns=[
        Turn(speaker=UNKNOWN_SPEAKER, text=text, start=start, end=end, labelled=False)
        for start, end, text in SEGMENTS])
    return transcript_import(project=project, user=user, parsed=parsed, title=title,
                             mapping=suggest_mapping(project=project, speakers=parsed.speakers()),
                             county=project.counties.get(name="Agder"), interview_format="group_interview")


def speakers(document):
    return list(document.turns.order_by("position").values_list("participant__label", flat=True))


def assign_url(project, document):
    return reverse("interviews:turn_assign", args=[project.slug, document.pk])


@pytest.fixture
def informant(project):
    return Participant.objects.create(project=project, label="Informant 3", role="advisor", field="integration")


def test_it_assigns_a_run_of_turns_from_first_to_last_and_keeps_text_and_times(client, project, analyst, informant):
    document = speakerless(project, analyst)
    text, times = document.text, list(document.turns.values_list("start", "speech_start", "end", "start_seconds"))
    client.force_login(analyst)
    response = client.post(assign_url(project, document), {"first": 3, "last": 4, "participant": informant.pk})
    url = reverse("interviews:transcript_detail", args=[project.slug, document.pk])
    assert response.status_code == 302 and response["Location"] == f"{url}?first=5#turn-4"
    assert speakers(document) == ["Ukjent", "Ukjent", "Informant 3", "Informant 3", "Ukjent", "Ukjent"]
    document.refresh_from_db()
    assert document.text == text
    assert list(document.turns.values_list("start", "speech_start", "end", "start_seconds")) == times


def test_it_assigns_the_following_n_turns_from_a_turn(client, project, lead, informant):
    document = speakerless(project, lead)
    client.force_login(lead)
    client.post(assign_url(project, document), {"first": 2, "count": 3, "participant": informant.pk})
    assert speakers(document) == ["Ukjent", "Informant 3", "Informant 3", "Informant 3", "Ukjent", "Ukjent"]


def test_it_assigns_one_turn_when_only_the_first_is_given(client, project, analyst, informant):
    document = speakerless(project, analyst)
    client.force_login(analyst)
    client.post(assign_url(project, document), {"first": 6, "participant": informant.pk})
    assert speakers(document)[-2:] == ["Ukjent", "Informant 3"]


def test_it_creates_a_new_participant_with_label_role_and_field(client, project, analyst):
    document = speakerless(project, analyst)
    client.force_login(analyst)
    client.post(assign_url(project, document), {"first": 1, "last": 2, "participant": "new", "label": " Intervjuer ",
                                                "role": "interviewer", "field": "other"})
    client.post(assign_url(project, document), {"first": 3, "participant": "new", "label": "Informant 7",
                                                "role": "leader", "field": "other", "field_other": "Samferdsel"})
    assert speakers(document)[:3] == ["Intervjuer", "Intervjuer", "Informant 7"]
    new = Participant.objects.get(project=project, label="Informant 7")
    assert (new.role, new.field, new.field_other, new.county.name) == ("leader", "other", "Samferdsel", "Agder")


@pytest.mark.parametrize(("data", "error"), [
    ({"first": 4, "last": 2}, "The last turn must come after the first."),
    ({"first": 5, "last": 9}, "The transcript has turns 1 to 6."),
    ({"first": 5, "count": 3}, "The transcript has turns 1 to 6."),
    ({"first": 1, "last": 2, "count": 2}, "Give the last turn or the number of turns, not both."),
    ({"first": 1, "participant": "new", "label": "Informant 3"}, "«Informant 3» is already a participant"),
    ({"first": 1, "participant": "new", "label": ""}, "Give the new participant a label"),
])
def test_it_shows_a_refused_assignment_with_its_reason_and_changes_nothing(client, project, analyst, informant,
                                                                           data, error):
    document = speakerless(project, analyst)
    client.cookies["django_language"] = "en"
    client.force_login(analyst)
    response = client.post(assign_url(project, document), {"participant": informant.pk, **data})
    assert response.status_code == 200
    assert error in response.content.decode()
    assert set(speakers(document)) == {"Ukjent"}
    assert not SpeakerChange.objects.exists()


def test_a_viewer_may_not_assign_and_an_outsider_does_not_see_the_transcript(client, project, analyst, viewer,
                                                                             outsider, informant):
    document = speakerless(project, analyst)
    for user, status in [(viewer, 403), (outsider, 404)]:
        client.force_login(user)
        assert client.post(assign_url(project, document), {"first": 1, "participant": informant.pk}).status_code \
            == status
        assert client.get(assign_url(project, document)).status_code == status
    assert set(speakers(document)) == {"Ukjent"}


def test_a_participant_of_another_study_is_refused(project, analyst, lead):
    other = project_create(name="Annen studie", lead=lead, template="integrering")
    stranger = Participant.objects.create(project=other, label="Informant 1")
    document = speakerless(project, analyst)
    with translation.override("en"), pytest.raises(ValidationError, match="another study"):
        turns_assign(document=document, first=0, last=1, participant=stranger, user=analyst)


def test_it_records_the_former_speakers_of_each_turn_in_the_history(client, project, analyst, lead, informant):
    document = speakerless(project, analyst)
    other = Participant.objects.create(project=project, label="Informant 4", role="leader", field="business")
    turns_assign(document=document, first=1, last=1, participant=other, user=analyst)
    turns_assign(document=document, first=0, last=3, participant=informant, user=lead)
    change = SpeakerChange.objects.filter(document=document).first()
    unknown = Participant.objects.get(project=project, label="Ukjent").pk
    assert (change.action, change.user, change.project) == ("turns_assigned", lead, project)
    assert change.before == {"turns": [
        {"first": 0, "last": 0, "participant": unknown, "label": "Ukjent"},
        {"first": 1, "last": 1, "participant": other.pk, "label": "Informant 4"},
        {"first": 2, "last": 3, "participant": unknown, "label": "Ukjent"},
    ]}
    assert change.after == {"participant": informant.pk, "label": "Informant 3", "turns": [
        {"first": 0, "last": 3, "participant": informant.pk, "label": "Informant 3"}]}
    # Assigning turns to whom they already belong changes nothing and records nothing.
    assert turns_assign(document=document, first=0, last=3, participant=informant, user=lead) == 0
    assert SpeakerChange.objects.filter(document=document).count() == 2
    client.force_login(analyst)
    page = client.get(reverse("coding:document_history", args=[project.slug, document.pk])).content.decode()
    history = page[page.index('id="speaker-history"'):]
    assert "1: Ukjent · 2: Informant 4 · 3–4: Ukjent" in history and "1–4: Informant 3" in history


def test_the_transcript_page_offers_the_form_and_a_control_per_turn_to_writers_only(client, project, analyst, viewer):
    document = speakerless(project, analyst)
    url = reverse("interviews:transcript_detail", args=[project.slug, document.pk])
    client.force_login(analyst)
    page = client.get(url, {"first": 4}).content.decode()
    assert 'id="turn-assign"' in page and 'class="assign-panel" id="assign-panel" open' in page
    assert 'name="first" value="4"' in page
    assert page.count('class="assign-from"') == 6
    assert f'href="{assign_url(project, document)}?first=6"' in page
    client.force_login(viewer)
    page = client.get(url).content.decode()
    assert 'id="turn-assign"' not in page and 'class="assign-from"' not in page
    assert '<span class="turn-no">6</span>' in page


def test_the_transcript_page_writes_the_participant_options_without_a_template_each(client, project, analyst):
    """A study of 220 interviews has some 1,300 participants: through Select's option template they were most
    of the page's time (issue 15); LongSelect writes them (tests/planner/test_long_select.py)."""
    document = speakerless(project, analyst)
    Participant.objects.bulk_create(Participant(project=project, label=f"Informant {n}") for n in range(100, 160))
    client.force_login(analyst)
    response = client.get(reverse("interviews:transcript_detail", args=[project.slug, document.pk]))
    page = response.content.decode()
    assert page.count("<option value=") >= 60 and '>Informant 159</option>' in page
    options = [t.name for t in response.templates].count("django/forms/widgets/select_option.html")
    assert options < 20, f"{options} option templates: the role and field selects have 11 options together"


def test_the_assign_page_is_filled_from_the_turn_it_was_opened_from(client, project, analyst):
    document = speakerless(project, analyst)
    client.force_login(analyst)
    page = client.get(assign_url(project, document), {"first": 5}).content.decode()
    assert 'name="first" value="5"' in page


def test_quote_collections_and_exports_sign_quotes_with_the_assigned_participant(client, project, analyst, viewer,
                                                                                informant):
    document = speakerless(project, analyst)
    theme = project.themes.first()
    start = document.text.index("Vi har en rådgiver")
    excerpt = excerpt_create(document=document, start=start, end=start + 40, coder=analyst, themes=[theme])
    options = ExportOptions(themes=(theme.pk,))
    assert collect(project, options)[0].participant_label == "Ukjent"
    turns_assign(document=document, first=2, last=3, participant=informant, user=analyst)
    quote = collect(project, options)[0]
    assert (quote.excerpt_id, quote.participant_label, quote.role, quote.field, quote.time_code) == (
        excerpt.pk, "Informant 3", "advisor", "integration", "00:00:09")
    client.force_login(viewer)
    response = client.get(reverse("coding:theme_collection", args=[project.slug, theme.pk]))
    shown = next(e for g in response.context["groups"] for e in g["excerpts"] if e.pk == excerpt.pk)
    assert shown.quote.participant_label == "Informant 3"
    assert internal_attribution(quote) in response.content.decode()  # «Rådgiver, integrering – …», as the export


def test_the_service_takes_a_new_participant(project, analyst):
    document = speakerless(project, analyst)
    changed = turns_assign(document=document, first=0, last=5, user=analyst,
                           participant=NewParticipant(label="Informant 9", role="leader", field="planning"))
    assert changed == 6 and set(speakers(document)) == {"Informant 9"}


def test_a_labelled_turn_keeps_its_text_and_is_shown_and_signed_with_its_new_participant(client, project, analyst,
                                                                                         viewer, informant):
    parsed = ParsedTranscript(format="txt", turns=[Turn(speaker="SPEAKER_00", text="Vi jobber med bosetting.")])
    document = transcript_import(project=project, user=analyst, parsed=parsed, title="Med talere",
                                 mapping=suggest_mapping(project=project, speakers=parsed.speakers()),
                                 interview_format="group_interview")
    assert document.text == "Informant 4: Vi jobber med bosetting."
    turns_assign(document=document, first=0, last=0, participant=informant, user=analyst)
    document.refresh_from_db()
    assert document.text == "Informant 4: Vi jobber med bosetting."  # the text never changes
    client.force_login(viewer)
    page = client.get(reverse("interviews:transcript_detail", args=[project.slug, document.pk])).content.decode()
    assert '<span class="speaker">Informant 3</span>' in page
    theme = project.themes.first()
    excerpt_create(document=document, start=0, end=len(document.text), coder=analyst, themes=[theme])
    quote = collect(project, ExportOptions(themes=(theme.pk,)))[0]
    assert (quote.participant_label, quote.text) == ("Informant 3", "Vi jobber med bosetting.")


@pytest.mark.django_db(transaction=True)
def test_an_assignment_waits_for_one_running_on_the_same_turns_and_records_what_it_left(project, analyst, lead):
    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite writes one transaction at a time")
    document = speakerless(project, analyst)
    first = Participant.objects.create(project=project, label="Informant 1")
    second = Participant.objects.create(project=project, label="Informant 2")
    assigned, release, errors = threading.Event(), threading.Event(), []

    def hold(user, participant, start, end, *, wait=None):
        try:
            with transaction.atomic():
                turns_assign(document=document, first=start, last=end, participant=participant, user=user)
                if wait:
                    assigned.set()
                    wait.wait(5)
        except Exception as error:  # noqa: BLE001 (reported to the test thread)
            errors.append(error)
        finally:
            connection.close()

    one = threading.Thread(target=hold, args=(analyst, first, 0, 3), kwargs={"wait": release})
    one.start()
    assigned.wait(5)
    other = threading.Thread(target=hold, args=(lead, second, 2, 5))
    other.start()
    time.sleep(0.5)
    assert other.is_alive(), "the second assignment must wait for the turns the first holds"
    release.set()
    one.join(5)
    other.join(5)
    assert errors == []
    assert speakers(document) == ["Informant 1", "Informant 1"] + ["Informant 2"] * 4
    latest = SpeakerChange.objects.filter(document=document, user=lead).get()
    assert [(run["first"], run["last"], run["label"]) for run in latest.before["turns"]] == [
        (2, 3, "Informant 1"), (4, 5, "Ukjent")]
