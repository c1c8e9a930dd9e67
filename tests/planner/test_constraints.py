"""The database itself refuses rows that break the study's rules."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from coding.models import Theme
from planner.models import County, Document, Membership, Plan

# One study and its users for the whole module (tests/conftest.py `module_study`); each test's changes
# are rolled back after it.
pytestmark = pytest.mark.usefixtures("module_study")


def test_it_refuses_a_duplicate_membership(project, analyst):
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(project=project, user=analyst, role=Membership.Role.VIEWER)


def test_it_refuses_a_theme_name_used_twice_in_a_study(project):
    with pytest.raises(IntegrityError), transaction.atomic():
        Theme.objects.create(project=project, name="Intern organisering", colour="#123456")


def test_it_allows_the_same_theme_name_in_another_study(project, lead):
    from planner.services import project_create

    other = project_create(name="Annen studie", lead=lead)
    Theme.objects.create(project=other, name="Intern organisering", colour="#123456")
    assert Theme.objects.filter(name="Intern organisering").count() == 2


def test_it_refuses_a_plan_without_a_county(project):
    with pytest.raises(IntegrityError), transaction.atomic():
        Plan.objects.create(county_id=None, plan_type="strategy", title="Uten fylke", year=2024)


def test_it_refuses_a_year_out_of_range(project):
    county = project.counties.get(name="Agder")
    with pytest.raises(IntegrityError), transaction.atomic():
        Plan.objects.create(county=county, plan_type="strategy", title="Feil år", year=3024)


def test_it_refuses_an_unknown_role(project, outsider):
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(project=project, user=outsider, role="owner")


def test_it_refuses_a_colour_that_is_not_hex(project):
    with pytest.raises(IntegrityError), transaction.atomic():
        Theme.objects.create(project=project, name="Ny", colour="red")


def test_it_refuses_two_themes_with_one_shortcut_key(project):
    with pytest.raises(IntegrityError), transaction.atomic():
        Theme.objects.create(project=project, name="Ny", colour="#123456", shortcut_key="1")


def test_it_allows_many_themes_without_a_shortcut_key(project):
    Theme.objects.create(project=project, name="Ny 1", colour="#123456")
    Theme.objects.create(project=project, name="Ny 2", colour="#123456")
    assert list(project.themes.filter(name__startswith="Ny ").values_list("shortcut_key", flat=True)) == ["", ""]
    # Only the empty key is free: a key that is set stays unique, also next to keyless themes.
    Theme.objects.create(project=project, name="Ny 3", colour="#123456", shortcut_key="x")
    with pytest.raises(IntegrityError), transaction.atomic():
        Theme.objects.create(project=project, name="Ny 4", colour="#123456", shortcut_key="x")


def test_it_refuses_more_district_municipalities_than_municipalities(project):
    with pytest.raises(IntegrityError), transaction.atomic():
        County.objects.create(project=project, name="Nytt fylke", municipalities=3, district_municipalities=4)


def test_it_refuses_a_plan_document_without_a_plan(project):
    with pytest.raises(IntegrityError), transaction.atomic():
        Document.objects.create(project=project, kind="plan", title="Løs plan", text="Tekst")


def test_it_normalises_document_text_once_and_keeps_it_immutable(project):
    doc = Document.objects.create(project=project, kind="transcript", title="Intervju", text="Cafe\u0301\r\nNy linje")
    assert doc.text == "Café\nNy linje"
    doc.refresh_from_db()
    doc.title = "Nytt navn"
    doc.save()
    doc.text = "Endret"
    with pytest.raises(ValidationError):
        doc.save()
    doc.refresh_from_db()
    assert doc.text == "Café\nNy linje"
