"""A draft is imported exactly once, and two imports at once never meet on a new participant's label.

The thread tests need PostgreSQL's row locks (each thread has its own connection and closes it);
SQLite serialises writers (IMMEDIATE transactions), so there the plain tests of each rule run.
"""

import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.urls import reverse

from interviews.importers import ParsedTranscript, Turn
from interviews.models import ImportDraft, Participant
from interviews.services import DraftGoneError, NewParticipant, draft_confirm, draft_create
from planner.models import Document
from tests.races import postgres_only


def _draft(project, user, name="a.txt", speaker="Kari"):
    parsed = ParsedTranscript(format="txt", turns=[Turn(speaker=speaker, text="Hei."),
                                                   Turn(speaker="Intervjuer", text="Velkommen.")])
    return draft_create(project=project, user=user, file_name=name, parsed=parsed)


def _confirm(draft, user, label="Informant 62"):
    return draft_confirm(draft=draft, user=user, title=draft.file_name, interview_format="group_interview",
                         mapping={"Kari": NewParticipant(label=label), "Intervjuer": NewParticipant(
                             label="Intervjuer", role="interviewer")})


def _speaker_labels(document):
    return list(document.turns.order_by("position").values_list("participant__label", flat=True))


def _run(target, results, key):
    try:
        results[key] = target()
    except (DraftGoneError, ValidationError) as error:
        results[key] = error
    except Exception as error:  # noqa: BLE001 (reported to the test thread)
        results[key] = ("unexpected", error)
    finally:
        connection.close()


# --- Both databases -------------------------------------------------------------------------------------------


def test_a_second_confirm_of_one_draft_is_told_and_imports_nothing(client, project, analyst):
    client.force_login(analyst)
    client.post(reverse("interviews:import_start", args=[project.slug]),
                       {"files": [SimpleUploadedFile("a.txt", b"Kari: Hei.")]})
    draft = ImportDraft.objects.get()
    data = {f"d{draft.pk}-title": "A", f"d{draft.pk}-format": "group_interview",
            f"d{draft.pk}-s0-participant": "new", f"d{draft.pk}-s0-label": "Informant 1"}
    url = reverse("interviews:import_confirm", args=[project.slug, draft.pk])
    assert client.post(url, data).status_code == 302
    # The first answer never reached the browser (a crash after the commit): the user clicks again.
    again = client.post(url, data, follow=True)
    assert "Denne filen venter ikke lenger" in again.content.decode()
    assert (Document.objects.count(), ImportDraft.objects.count()) == (1, 0)


def test_the_draft_goes_in_the_imports_transaction(project, analyst):
    draft = _draft(project, analyst)
    document = _confirm(draft, analyst)
    assert not ImportDraft.objects.exists()
    with pytest.raises(DraftGoneError):
        _confirm(draft, analyst)
    assert list(Document.objects.all()) == [document]


def test_a_suggested_label_taken_meanwhile_becomes_the_next_free_one(project, analyst, lead):
    draft = _draft(project, analyst)
    Participant.objects.create(project=project, label="Informant 62")  # another import, committed meanwhile
    document = _confirm(draft, analyst)
    assert _speaker_labels(document) == ["Informant 63", "Intervjuer"]
    assert Participant.objects.filter(label="Informant 62").get().turns.count() == 0


def test_a_typed_label_taken_meanwhile_is_refused_with_a_message(project, analyst):
    draft = _draft(project, analyst)
    Participant.objects.create(project=project, label="Rektor")
    with pytest.raises(ValidationError, match="noen andre nettopp"):
        _confirm(draft, analyst, label="Rektor")
    assert (Document.objects.count(), ImportDraft.objects.count()) == (0, 1)


# --- PostgreSQL, real threads ---------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_confirms_of_one_draft_at_once_import_it_once(project, analyst):
    postgres_only()
    draft = _draft(project, analyst)
    barrier, results = threading.Barrier(2), {}

    def confirm():
        # Each reads the draft before they meet, as two open pages did: a read after the barrier could come
        # after the other's commit and never reach the confirm (DoesNotExist instead of the service's refusal).
        mine = ImportDraft.objects.get(pk=draft.pk)
        barrier.wait(5)
        return _confirm(mine, analyst)

    threads = [threading.Thread(target=_run, args=(confirm, results, n)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    kinds = sorted(type(value).__name__ for value in results.values())
    assert kinds == ["Document", "DraftGoneError"], results
    assert (Document.objects.count(), ImportDraft.objects.count()) == (1, 0)


@pytest.mark.django_db(transaction=True)
def test_an_import_waits_for_one_allocating_the_same_label_and_takes_the_next(project, analyst, lead):
    """The first import holds «Informant 62» uncommitted; the second must not 500 on the unique label."""
    postgres_only()
    first, second = _draft(project, analyst, "a.txt"), _draft(project, lead, "b.txt", speaker="Kari")
    allocated, results = threading.Event(), {}

    def hold():
        with transaction.atomic():
            document = _confirm(first, analyst)
            allocated.set()
            time.sleep(0.7)  # the second import starts now and meets the first's label
        return document

    def other():
        allocated.wait(5)
        return _confirm(second, lead)

    threads = [threading.Thread(target=_run, args=(hold, results, "first")),
               threading.Thread(target=_run, args=(other, results, "second"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert all(isinstance(value, Document) for value in results.values()), results
    assert _speaker_labels(results["first"]) == ["Informant 62", "Intervjuer"]
    assert _speaker_labels(results["second"]) == ["Informant 63", "Intervjuer"]
    assert Participant.objects.filter(label="Intervjuer").count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_imports_at_once_with_one_suggested_label_both_succeed_with_distinct_labels(project, analyst, lead):
    postgres_only()
    drafts = [_draft(project, analyst, "a.txt"), _draft(project, lead, "b.txt")]
    barrier, results = threading.Barrier(2), {}

    def confirm(draft, user):
        barrier.wait(5)
        return _confirm(draft, user)

    threads = [threading.Thread(target=_run, args=(lambda d=d, u=u: confirm(d, u), results, n))
               for n, (d, u) in enumerate(zip(drafts, (analyst, lead), strict=True))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert all(isinstance(value, Document) for value in results.values()), results
    labels = sorted(_speaker_labels(document)[0] for document in results.values())
    assert labels == ["Informant 62", "Informant 63"]
