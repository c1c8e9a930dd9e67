"""planner.compiled: a read whose SQL the ORM compiles once answers as its queryset does, on either database."""

import threading

import pytest
from django.db import connections

from coding.models import Change, Excerpt, Theme
from coding.services import excerpt_create
from planner.compiled import CompiledRead
from planner.models import Document

pytestmark = pytest.mark.django_db(transaction=True)


def _excerpts(document_id, start, name):
    return (Excerpt.objects.filter(document_id=document_id, end__gt=start, codings__theme__name=name, is_key=False)
            .order_by("start", "-end").values_list("id", "start", "end", "is_key", "created_at", "uuid",
                                                   "codings__theme__name"))


READ = CompiledRead(_excerpts, document_id=int, start=int, name=str)


def test_it_answers_as_the_queryset_for_every_value_with_its_converters(project, analyst):
    document = Document.objects.create(project=project, kind="plan", title="Plan", text="Ord " * 400,
                                       plan=project.counties.first().plans.first())
    themes = list(Theme.objects.filter(project=project).order_by("position")[:3])
    for n in range(12):
        excerpt_create(document=document, start=n * 40, end=n * 40 + 30, coder=analyst, themes=[themes[n % 3]])
    for start in (0, 1, 170, 290, 10_000):
        for theme in themes + [Theme(name="ingen")]:
            expected = list(_excerpts(document.pk, start, theme.name))
            assert READ(document_id=document.pk, start=start, name=theme.name) == [tuple(r) for r in expected]
    rows = READ(document_id=document.pk, start=0, name=themes[0].name)
    assert rows and all(row[3] is False for row in rows)  # booleans, datetimes and UUIDs converted as the ORM does
    assert type(rows[0][4]).__name__ == "datetime" and type(rows[0][5]).__name__ == "UUID"


def test_it_refuses_a_build_that_computes_a_value_from_a_stand_in():
    read = CompiledRead(lambda document_id: Change.objects.filter(document_id=document_id + 1).values_list("id"),
                        document_id=int)
    with pytest.raises(ValueError, match="made from a stand-in"):
        read(document_id=1)
    with pytest.raises(TypeError):
        CompiledRead(lambda when: Change.objects.filter(created_at=when), when=object)


def test_it_compiles_once_and_every_thread_runs_it_on_its_own_connection(project, analyst):
    """runserver serves each request in a thread of its own and closes its connection: the compiled read
    keeps no connection (a thread's would never be freed), and the rows are converted with the caller's."""
    document = Document.objects.create(project=project, kind="plan", title="Plan", text="Ord " * 50,
                                       plan=project.counties.first().plans.first())
    theme = Theme.objects.filter(project=project).first()
    excerpt_create(document=document, start=0, end=20, coder=analyst, themes=[theme])
    mine = READ(document_id=document.pk, start=0, name=theme.name)
    compiled = dict(READ._compiled)
    answers = []

    def other():
        own = connections["default"]
        try:
            answers.append((own is not connections_of_main, READ(document_id=document.pk, start=0, name=theme.name)))
        finally:
            own.close()

    connections_of_main = connections["default"]
    thread = threading.Thread(target=other)
    thread.start()
    thread.join()
    assert answers == [(True, mine)]
    assert READ._compiled == compiled and len(compiled) == 1
    assert not any(connections_of_main is part or "DatabaseWrapper" in type(part).__name__
                   for entry in compiled.values() for part in entry)


@pytest.mark.skipif(connections["default"].vendor != "postgresql",
                    reason="prepared statements are PostgreSQL's; SQLite has no planner to skip")
def test_on_postgresql_a_read_run_often_is_prepared_and_no_longer_planned(project):
    with connections["default"].cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    for start in range(6):
        READ(document_id=1, start=start, name="x")
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert any("coding_excerpt" in statement for statement in prepared), prepared
