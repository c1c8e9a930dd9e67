"""planner.bulk.insert_rows stores what bulk_create stores, on both databases."""

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from interviews.models import Participant, Turn
from planner import bulk
from planner.models import Document, IndexWord, Posting

pytestmark = pytest.mark.usefixtures("module_study")


def _document(project, title):
    return Document.objects.create(project=project, kind=Document.Kind.TRANSCRIPT, title=title, text="x" * 5000)


def _turns(document):
    return list(Turn.objects.filter(document=document).order_by("position").values_list(
        "participant_id", "position", "start", "speech_start", "end", "start_seconds"))


def test_turns_read_back_as_bulk_create_stores_them_with_new_uuids(project, monkeypatch):
    monkeypatch.setattr(bulk, "ROWS_PER_INSERT", 7)  # several statements, the last one short
    speaker = Participant.objects.create(project=project, label="Informant 1", role="advisor")
    rows = [(speaker.pk, n, 10 * n, 10 * n + 3, 10 * n + 9, None if n % 4 else n * 1.5) for n in range(30)]
    by_bulk_create, by_insert_rows = _document(project, "a"), _document(project, "b")
    Turn.objects.bulk_create(Turn(document=by_bulk_create, participant_id=p, position=n, start=s, speech_start=ss,
                                  end=e, start_seconds=t) for p, n, s, ss, e, t in rows)

    count = bulk.insert_rows(Turn, ("document", "participant", "position", "start", "speech_start", "end",
                                    "start_seconds"), ([by_insert_rows.pk, *row] for row in rows))

    assert count == 30
    assert _turns(by_insert_rows) == _turns(by_bulk_create) == [tuple(row) for row in rows]
    uuids = list(Turn.objects.filter(document=by_insert_rows).values_list("uuid", flat=True))
    assert all(isinstance(value, uuid.UUID) for value in uuids) and len(set(uuids)) == 30
    # Found by its UUID as the ORM writes one (32 hex digits on SQLite, the uuid type on PostgreSQL).
    assert Turn.objects.get(uuid=uuids[3]).position == 3


def test_binary_values_read_back_as_they_were_written(project):
    document = _document(project, "c")
    word = IndexWord.objects.create(word="innvandrere")
    positions = bytes(range(256)) * 3

    bulk.insert_rows(Posting, ("document", "word", "count", "positions"), [(document.pk, word.pk, 2, positions)])

    posting = Posting.objects.get(document=document, word=word)
    assert (posting.word_id, posting.count, bytes(posting.positions)) == (word.pk, 2, positions)


def test_a_field_without_value_or_default_is_refused_by_name(project):
    with pytest.raises(ValueError, match="Turn: no value and no default for .*speech_start"):
        bulk.insert_rows(Turn, ("document", "participant", "position", "start", "end"), [])


def test_a_statement_holds_no_more_values_than_the_database_takes(project, monkeypatch):
    speaker = Participant.objects.create(project=project, label="Informant 2", role="advisor")
    document = _document(project, "d")
    monkeypatch.setattr(connection.features, "max_query_params", 20)  # 8 columns with the UUID: 2 rows each
    rows = [(document.pk, speaker.pk, n, n, n, n + 1, None) for n in range(5)]

    with CaptureQueriesContext(connection) as queries:
        bulk.insert_rows(Turn, ("document", "participant", "position", "start", "speech_start", "end",
                                "start_seconds"), rows)

    assert len([query for query in queries if query["sql"].startswith("INSERT")]) == 3
    assert _turns(document) == [row[1:] for row in rows]
