"""Races on excerpts under PostgreSQL row locks: undo against a colleague's save, two undos at once.

Each thread has its own database connection (Django's are per thread) and closes it at its end.
SQLite writes one transaction at a time (IMMEDIATE), so the thread tests run on PostgreSQL only;
the plain tests of the same rules in tests/coding/test_excerpts.py run on both.
"""

import threading
import time

import pytest
from django.db import transaction

from coding.models import Change, Excerpt
from coding.services import ConflictError, change_undo, excerpt_create, excerpt_delete, excerpt_update, last_undoable
from planner.models import Document
from tests.races import postgres_only, record

TEXT = "Informant 1: Vi har en plan.\nOla: Kvalifisering er viktig.\n"




def _run(target, results, key):
    record(target, results, key, (ConflictError,))


@pytest.mark.django_db(transaction=True)
def test_undo_waits_for_a_colleagues_save_and_never_overwrites_it(project, analyst, lead):
    """The colleague's save holds the row; the undo that started meanwhile must see it and refuse."""
    postgres_only()
    document = Document.objects.create(project=project, kind="transcript", title="Intervju", text=TEXT)
    themes = list(project.themes.order_by("position")[:2])
    excerpt = excerpt_create(document=document, start=0, end=11, coder=analyst, themes=themes[:1])
    excerpt_update(excerpt_id=excerpt.pk, user=analyst, version=1, memo="Analytikerens")
    change = last_undoable(document=document, user=analyst)
    saved, results = threading.Event(), {}

    def colleague_saves():
        with transaction.atomic():
            excerpt_update(excerpt_id=excerpt.pk, user=lead, version=2, memo="Lederens")
            saved.set()
            time.sleep(0.7)  # the undo starts now and meets the lock held until this commit

    def analyst_undoes():
        saved.wait(5)
        change_undo(change=Change.objects.get(pk=change.pk), user=analyst)

    threads = [threading.Thread(target=_run, args=(colleague_saves, results, "save")),
               threading.Thread(target=_run, args=(analyst_undoes, results, "undo"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert results["save"] == "ok"
    assert isinstance(results["undo"], str) and results["undo"] != "ok", results
    current = Excerpt.objects.get()
    assert (current.memo, current.version) == ("Lederens", 3)
    assert not Change.objects.filter(undone_at__isnull=False).exists()


@pytest.mark.django_db(transaction=True)
def test_two_undos_of_one_delete_at_once_give_one_success_and_one_message(project, analyst):
    postgres_only()
    document = Document.objects.create(project=project, kind="transcript", title="Intervju", text=TEXT)
    themes = list(project.themes.order_by("position")[:1])
    excerpt = excerpt_create(document=document, start=0, end=11, coder=analyst, themes=themes)
    excerpt_delete(excerpt_id=excerpt.pk, user=analyst, version=1)
    change = last_undoable(document=document, user=analyst)
    barrier, results = threading.Barrier(2), {}

    def undo():
        barrier.wait(5)
        change_undo(change=Change.objects.get(pk=change.pk), user=analyst)

    threads = [threading.Thread(target=_run, args=(undo, results, n)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    outcomes = sorted(map(str, results.values()))
    assert outcomes.count("ok") == 1, results
    assert all(isinstance(value, str) for value in results.values()), results
    assert Excerpt.objects.filter(uuid=excerpt.uuid).count() == 1
