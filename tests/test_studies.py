"""The copied template study holds what a fresh build holds (tests/studies.py, the `project` fixture)."""

import pytest
from django.contrib.auth import get_user_model

from coding.models import Theme
from planner.models import County, Membership, Plan, Project
from planner.services import project_create
from planner.signals import template_applied
from tests.studies import _rows, record, restore, study_from_template


def test_it_copies_every_row_of_a_fresh_build_with_new_keys_and_uuids(lead):
    built = project_create(name="Bygd", lead=lead)
    snapshot = record(project=built, lead=lead, key="integrering")
    copy = project_create(name="Kopi", lead=lead)
    new_keys = restore(snapshot, project=copy, lead=lead)
    assert {model for model, _ in snapshot.tables} >= {County, Plan, Theme}
    for model, rows in snapshot.tables:
        old_key = {new: old for old, new in new_keys[model].items()}
        assert len(old_key) == len(rows), model
        copied = [row for pk, row in sorted(_rows(model).items()) if pk in old_key]
        assert len(copied) == len(rows), model
        for before, after in zip(rows, copied, strict=True):
            for field in model._meta.concrete_fields:
                name, was, now = field.attname, before[field.attname], after[field.attname]
                if field.primary_key:
                    assert old_key[now] == was
                elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                    assert now >= was
                elif field.unique:
                    assert now != was, (model, name)  # a UUID of its own, as a new build makes
                elif field.is_relation and now is not None:
                    back = {new: old for old, new in new_keys.get(field.related_model, {}).items()}
                    assert back.get(now, now) == was, (model, name)
                    if field.related_model is Project:
                        assert now == copy.pk
                else:
                    assert now == was, (model, name)


def test_the_project_fixture_is_the_template_study_with_one_member_per_role(project, lead):
    for study in (project, study_from_template(name="Neste", lead=lead, key="integrering")):
        # The first may be the recorded build, the second is surely a copy.
        assert study.counties.count() == 15
        assert Plan.objects.filter(county__project=study).count() == 43
        assert list(study.themes.order_by("position").values_list("shortcut_key", flat=True)[:3]) == ["1", "2", "3"]
        assert study.watch_names.filter(kind="county").exists()
    roles = dict(Membership.objects.filter(project=project).values_list("user__username", "role"))
    assert roles == {"leder": "lead", "analytiker": "analyst", "leser": "viewer"}
    assert get_user_model().objects.count() == 3


def test_rows_a_new_receiver_adds_are_copied_too_with_sub_themes_under_their_copied_parent(lead):
    def sub_theme(sender, *, project, **kwargs):
        parent = Theme.objects.get(project=project, name="Intern organisering")
        child = Theme.objects.create(project=project, name="Organisering i team", colour="#123456", parent=parent)
        Theme.objects.create(project=project, name="Team i distriktene", colour="#123456", parent=child)

    template_applied.connect(sub_theme, dispatch_uid="tests.sub_theme")
    try:
        snapshot = record(project=project_create(name="Bygd", lead=lead), lead=lead, key="integrering")
    finally:
        template_applied.disconnect(dispatch_uid="tests.sub_theme")
    copy = project_create(name="Kopi", lead=lead)
    restore(snapshot, project=copy, lead=lead)
    grandchild = copy.themes.get(name="Team i distriktene")
    assert grandchild.parent.name == "Organisering i team" and grandchild.parent.project == copy
    assert grandchild.parent.parent == copy.themes.get(name="Intern organisering")
    assert copy.themes.count() == 19


def test_it_refuses_to_record_a_template_that_changes_rows_it_cannot_match_in_a_copy(lead):
    study = project_create(name="Bygd", lead=lead)

    def rename(sender, *, project, **kwargs):
        Project.objects.filter(pk=project.pk).update(description="Endret av malen")

    template_applied.connect(rename, dispatch_uid="tests.rename")
    try:
        with pytest.raises(RuntimeError, match="changed rows of Project, which has no project"):
            record(project=study, lead=lead, key="integrering")
    finally:
        template_applied.disconnect(dispatch_uid="tests.rename")


def test_rows_of_the_study_a_receiver_changes_are_changed_alike_in_the_copy(lead, analyst):
    """Counties on the watch list from project_create take the source «county of the study» when the
    template saves the study's counties: the copy has the same sources as a fresh build."""
    from coding.models import WatchName

    fresh = project_create(name="Fersk", lead=lead, template="integrering")
    copy = study_from_template(name="Kopi", lead=analyst, key="integrering")
    copy = study_from_template(name="Kopi 2", lead=analyst, key="integrering")

    def sources(project):
        return sorted(WatchName.objects.filter(project=project).values_list("name", "kind", "source"))
    assert sources(copy) == sources(fresh)
    assert ("Agder", "county", "county of the study") in sources(copy)
