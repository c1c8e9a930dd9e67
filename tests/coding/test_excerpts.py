"""Excerpt services: offset rules, themes, conflicts, history and undo; theme merge."""

import pytest
from django.core.exceptions import ValidationError

from coding.models import Change, Coding, Excerpt
from coding.services import (
    ConflictError,
    change_undo,
    excerpt_create,
    excerpt_delete,
    excerpt_update,
    last_undoable,
    theme_create,
    theme_merge,
    theme_move,
    theme_update,
)
from planner.models import Document

TEXT = "Informant 1: Vi 😀 har en plan.\n  Ola: Kvalifisering er viktig.  \n"


@pytest.fixture
def document(project):
    return Document.objects.create(project=project, kind="transcript", title="Intervju", text=TEXT)


@pytest.fixture
def themes(project):
    return list(project.themes.order_by("position")[:3])


def test_it_trims_white_space_at_both_ends(document, analyst, themes):
    start = TEXT.index("plan.") - 1
    end = TEXT.index("Ola") - 0
    excerpt = excerpt_create(document=document, start=start, end=end, coder=analyst, themes=themes[:1])
    assert document.text[excerpt.start:excerpt.end] == "plan."


def test_it_counts_code_points_not_utf16_units(document, analyst, themes):
    start = TEXT.index("har")
    excerpt = excerpt_create(document=document, start=start, end=start + 3, coder=analyst, themes=themes[:1])
    assert excerpt.text() == "har"
    assert start == 18  # «😀» is one code point


@pytest.mark.parametrize(("start", "end"), [(5, 5), (6, 5), (-1, 3), (0, len(TEXT) + 1), (TEXT.index("\n"),
                                                                                         TEXT.index("Ola"))])
def test_it_refuses_empty_out_of_range_and_blank_spans(document, analyst, themes, start, end):
    with pytest.raises(ValidationError):
        excerpt_create(document=document, start=start, end=end, coder=analyst, themes=themes[:1])
    assert not Excerpt.objects.exists() and not Change.objects.exists()


def test_it_refuses_no_theme_an_archived_theme_and_a_theme_of_another_study(document, analyst, themes, lead):
    from planner.services import project_create

    with pytest.raises(ValidationError):
        excerpt_create(document=document, start=0, end=5, coder=analyst, themes=[])
    theme_update(theme=themes[0], user=lead, archived=True)
    themes[0].refresh_from_db()
    with pytest.raises(ValidationError):
        excerpt_create(document=document, start=0, end=5, coder=analyst, themes=[themes[0]])
    other = project_create(name="Annen", lead=lead, template="integrering").themes.first()
    with pytest.raises(ValidationError):
        excerpt_create(document=document, start=0, end=5, coder=analyst, themes=[other])
    assert not Excerpt.objects.exists()


def test_it_refuses_a_change_based_on_an_old_version(document, analyst, lead, themes):
    excerpt = excerpt_create(document=document, start=0, end=5, coder=analyst, themes=themes[:1])
    excerpt_update(excerpt_id=excerpt.pk, user=lead, version=1, memo="Lederens")
    with pytest.raises(ConflictError, match="endret"):
        excerpt_update(excerpt_id=excerpt.pk, user=analyst, version=1, memo="Analytikerens")
    excerpt_delete(excerpt_id=excerpt.pk, user=lead, version=2)
    with pytest.raises(ConflictError, match="slettet"):
        excerpt_update(excerpt_id=excerpt.pk, user=analyst, version=2, memo="Analytikerens")


def test_it_records_history_and_undoes_step_by_step(document, analyst, themes):
    excerpt = excerpt_create(document=document, start=0, end=5, coder=analyst, themes=themes[:1])
    excerpt_update(excerpt_id=excerpt.pk, user=analyst, version=1, memo="Notat", themes=themes[:2])
    excerpt_delete(excerpt_id=excerpt.pk, user=analyst, version=2)
    assert list(Change.objects.order_by("id").values_list("action", flat=True)) == [
        "excerpt_created", "excerpt_changed", "excerpt_deleted"]
    change_undo(change=last_undoable(document=document, user=analyst), user=analyst)  # the delete
    restored = Excerpt.objects.get()
    assert (restored.uuid, restored.memo, set(restored.themes.all())) == (excerpt.uuid, "Notat", set(themes[:2]))
    change_undo(change=last_undoable(document=document, user=analyst), user=analyst)  # the memo and themes
    restored.refresh_from_db()
    assert (restored.memo, list(restored.themes.all())) == ("", themes[:1])
    change_undo(change=last_undoable(document=document, user=analyst), user=analyst)  # the creation
    assert not Excerpt.objects.exists()
    assert last_undoable(document=document, user=analyst) is None


def test_every_coding_carries_its_excerpts_document(project, document, analyst, lead, themes):
    """The matrix groups codings by Coding.document: each way of making a coding must set it."""
    other = Document.objects.create(project=project, kind="transcript", title="Annet", text=TEXT)
    first = excerpt_create(document=document, start=0, end=5, coder=analyst, themes=themes[:2])
    second = excerpt_create(document=other, start=0, end=5, coder=analyst, themes=themes[:1])
    excerpt_update(excerpt_id=second.pk, user=analyst, version=1, themes=themes)
    excerpt_delete(excerpt_id=first.pk, user=analyst, version=1)
    change_undo(change=last_undoable(document=document, user=analyst), user=analyst)
    theme_merge(source=themes[0], target=themes[2], user=lead)
    pairs = set(Coding.objects.values_list("document_id", "excerpt__document_id"))
    assert pairs == {(document.pk, document.pk), (other.pk, other.pk)}
    assert Coding.objects.count() == 4
    # One by one (the admin's inline, a shell), a coding takes its excerpt's document itself.
    single = Coding(excerpt=second, theme=themes[0])
    single.save()
    assert single.document_id == other.pk


def test_undo_never_undoes_a_colleagues_later_change(document, analyst, lead, themes):
    excerpt = excerpt_create(document=document, start=0, end=5, coder=analyst, themes=themes[:1])
    excerpt_update(excerpt_id=excerpt.pk, user=lead, version=1, memo="Lederen")
    with pytest.raises(ConflictError):
        change_undo(change=last_undoable(document=document, user=analyst), user=analyst)
    assert Excerpt.objects.get().memo == "Lederen"


def test_undo_carries_the_version_it_undoes_and_refuses_an_excerpt_that_moved_on(document, analyst, themes):
    excerpt = excerpt_create(document=document, start=0, end=5, coder=analyst, themes=themes[:1])
    excerpt_update(excerpt_id=excerpt.pk, user=analyst, version=1, memo="Notat")
    # A write that left no history (an admin's, a script's) still moves the version on.
    Excerpt.objects.filter(pk=excerpt.pk).update(version=5, memo="Skriptets")
    with pytest.raises(ConflictError, match="endret"):
        change_undo(change=last_undoable(document=document, user=analyst), user=analyst)
    assert (Excerpt.objects.get().memo, last_undoable(document=document, user=analyst).undone_at) == ("Skriptets", None)


def test_an_undone_change_is_not_undone_twice(document, analyst, themes):
    excerpt = excerpt_create(document=document, start=0, end=5, coder=analyst, themes=themes[:1])
    excerpt_delete(excerpt_id=excerpt.pk, user=analyst, version=1)
    change = last_undoable(document=document, user=analyst)
    change_undo(change=change, user=analyst)
    with pytest.raises(ConflictError):
        change_undo(change=change, user=analyst)  # the caller's copy is stale: the row says undone
    assert Excerpt.objects.filter(uuid=excerpt.uuid).count() == 1


def test_a_delete_needs_the_version_the_user_saw(document, analyst, themes):
    excerpt = excerpt_create(document=document, start=0, end=5, coder=analyst, themes=themes[:1])
    with pytest.raises(ConflictError):
        excerpt_delete(excerpt_id=excerpt.pk, user=analyst, version=None)
    assert Excerpt.objects.exists()


def test_merge_moves_excerpts_and_never_codes_one_twice(document, analyst, lead, themes):
    a, b, c = themes
    both = excerpt_create(document=document, start=0, end=5, coder=analyst, themes=[a, b])
    only_a = excerpt_create(document=document, start=6, end=10, coder=analyst, themes=[a, c])
    theme_merge(source=a, target=b, user=lead)
    assert list(both.themes.all()) == [b]
    assert set(only_a.themes.all()) == {b, c}
    assert Coding.objects.filter(theme=a).count() == 0
    a.refresh_from_db()
    assert a.archived
    assert Change.objects.filter(action="excerpt_changed").count() == 2
    assert Change.objects.filter(action="theme_merged").count() == 1
    with pytest.raises(ValidationError):
        theme_merge(source=b, target=b, user=lead)


def test_merge_refuses_a_theme_into_its_own_sub_theme_at_any_depth(document, analyst, lead, themes):
    parent = theme_create(project=themes[0].project, user=lead, name="Hovedtema", colour="#123456")
    child = theme_create(project=parent.project, user=lead, name="Undertema", colour="#123456", parent=parent)
    grandchild = theme_create(project=parent.project, user=lead, name="Under under", colour="#123456", parent=child)
    coded = excerpt_create(document=document, start=0, end=5, coder=analyst, themes=[parent])
    for target in (child, grandchild):
        with pytest.raises(ValidationError, match=f"«{target.name}» er et undertema av «Hovedtema»"):
            theme_merge(source=parent, target=target, user=lead)
    assert list(coded.themes.all()) == [parent]
    assert not Change.objects.filter(action="theme_merged").exists()
    parent.refresh_from_db()
    assert not parent.archived
    # The other way round is a plain merge: the sub-theme's own sub-theme moves up under the parent.
    theme_merge(source=child, target=parent, user=lead)
    grandchild.refresh_from_db()
    assert grandchild.parent == parent


def test_themes_are_added_nested_reordered_and_refuse_cycles(project, lead):
    parent = theme_create(project=project, user=lead, name="Ny hovedkategori", colour="#123456")
    child = theme_create(project=project, user=lead, name="Underkategori", colour="#654321", parent=parent)
    assert child.position == parent.position + 1
    with pytest.raises(ValidationError):
        theme_update(theme=parent, user=lead, parent=child)
    theme_move(theme=child, user=lead, step=-1)
    ordered = list(project.themes.order_by("position").values_list("name", flat=True))
    assert ordered[-2:] == ["Underkategori", "Ny hovedkategori"]
    assert ordered[:2] == ["Planer og strategier", "Kunnskapsgrunnlag og statistikk"]
