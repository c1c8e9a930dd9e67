"""Races around deleting a participant's data, under PostgreSQL row locks, with real threads.

Each thread has its own database connection and closes it at its end. SQLite serialises writers, so
these run on PostgreSQL only; tests/coding/test_participant_data.py checks the same rules on both.
"""

import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from coding.models import Excerpt
from coding.participant_data import erasure_counts, participant_erase
from coding.services import ConflictError, excerpt_update
from interviews.services import ERASED_SPEECH
from planner.models import Document
from tests.coding.test_participant_data import OTHER, SECRET, code, make_interview
from tests.races import postgres_only, run_together


def _both(first, second, results):
    results.update(run_together({"first": first, "second": second}, (ConflictError, ValidationError)))


@pytest.mark.django_db(transaction=True)
def test_an_edit_from_a_page_read_before_the_erasure_waits_and_is_refused(project, analyst, lead):
    postgres_only()
    document = make_interview(project, analyst)
    themes = list(project.themes.order_by("position")[:1])
    later = code(document, f"{OTHER} gir oss tilflytting", analyst, themes)
    informant = document.turns.filter(participant__label="Informant 1").first().participant
    erased, results = threading.Event(), {}

    def lead_erases():
        with transaction.atomic():
            participant_erase(participant=informant, user=lead)
            erased.set()
            time.sleep(0.7)  # the analyst's save starts now and meets the locks held until this commit

    def analyst_saves():
        erased.wait(5)
        # Offsets and version as the analyst's page showed them before the erasure.
        excerpt_update(excerpt_id=later.pk, user=analyst, version=later.version, start=later.start,
                       end=later.end + 1, memo="Fra gammel side")

    _both(lead_erases, analyst_saves, results)
    assert results["first"] == "ok"
    assert isinstance(results["second"], str) and results["second"] != "ok", results
    excerpt = Excerpt.objects.get(pk=later.pk)
    assert excerpt.text() == f"{OTHER} gir oss tilflytting" and excerpt.memo == ""


@pytest.mark.django_db(transaction=True)
def test_two_erasures_at_once_delete_once_and_tell_the_second_lead(project, analyst, lead):
    postgres_only()
    document = make_interview(project, analyst)
    code(document, SECRET, analyst, list(project.themes.order_by("position")[:1]))
    informant = document.turns.filter(participant__label="Informant 1").first().participant
    expected, barrier, results = erasure_counts(informant), threading.Barrier(2), {}

    def erase():
        barrier.wait(5)
        participant_erase(participant=informant, user=lead, expected=expected)

    _both(erase, erase, results)
    assert sorted(str(r) == "ok" for r in results.values()) == [False, True], results
    text = Document.objects.get(pk=document.pk).text
    assert SECRET not in text and text.count(ERASED_SPEECH) == expected["turns"]
    for turn in document.turns.select_related("participant"):
        assert text[turn.start:turn.speech_start] == f"{turn.participant.label}: "
