"""Memos, theme summaries, county notes and plan notes are capped at KODEVERK_MAX_NOTE_CHARS characters,
by one validator that the services and the forms share, with a message in Norwegian."""

import os
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.urls import reverse

from coding.models import Excerpt, ThemeSummary
from coding.services import excerpt_create, excerpt_update, summary_save
from planner.models import Document, Plan
from planner.plan_io import HEADERS, PlanImportError, plan_rows, plans_import, read_plan_file, write_csv
from planner.services import plan_create, plan_update

TEXT = "Informant 1: Vi har en plan for integrering.\n"
LIMIT = 12
FITS, TOO_LONG = "x" * LIMIT, "x" * (LIMIT + 1)
MESSAGE = "Teksten er 13 tegn lang; høyst 12 er tillatt."


@pytest.fixture(autouse=True)
def _small_limit(settings):
    settings.KODEVERK_MAX_NOTE_CHARS = LIMIT


@pytest.fixture
def document(project):
    return Document.objects.create(project=project, kind="transcript", title="Intervju", text=TEXT)


@pytest.fixture
def theme(project):
    return project.themes.order_by("position").first()


def test_the_default_is_twenty_thousand_and_a_bad_value_stops_the_app():
    assert "KODEVERK_MAX_NOTE_CHARS" not in os.environ and django_settings.KODEVERK_MAX_NOTE_CHARS == LIMIT
    env = {**os.environ, "DEBUG": "1"}
    read = "from django.conf import settings; print(settings.KODEVERK_MAX_NOTE_CHARS)"
    out = subprocess.run([sys.executable, "-c", f"import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', "
                          f"'planner.settings'); django.setup(); {read}"], env=env, capture_output=True, text=True)
    assert out.stdout.strip() == "20000", out.stderr
    bad = subprocess.run([sys.executable, "-c", "import planner.settings"], capture_output=True, text=True,
                         env={**env, "KODEVERK_MAX_NOTE_CHARS": "mange"})
    assert bad.returncode != 0 and "KODEVERK_MAX_NOTE_CHARS must be an integer" in bad.stderr


def test_the_excerpt_services_refuse_a_memo_over_the_limit_and_keep_nothing(document, analyst, theme):
    with pytest.raises(ValidationError) as error:
        excerpt_create(document=document, start=0, end=10, coder=analyst, themes=[theme], memo=TOO_LONG)
    assert MESSAGE in error.value.messages[0] and not Excerpt.objects.exists()
    excerpt = excerpt_create(document=document, start=0, end=10, coder=analyst, themes=[theme], memo=FITS)
    with pytest.raises(ValidationError):
        excerpt_update(excerpt_id=excerpt.pk, user=analyst, version=1, memo=TOO_LONG)
    excerpt.refresh_from_db()
    assert (excerpt.memo, excerpt.version) == (FITS, 1)


def test_summaries_and_county_notes_are_capped(project, analyst, theme):
    agder = project.counties.get(name="Agder")
    for county in (None, agder):
        with pytest.raises(ValidationError):
            summary_save(theme=theme, county=county, user=analyst, text=TOO_LONG, version=0)
        summary_save(theme=theme, county=county, user=analyst, text=FITS, version=0)
    assert list(ThemeSummary.objects.values_list("text", flat=True)) == [FITS, FITS]


def test_plan_notes_are_capped_by_hand_and_in_an_import(project):
    agder = project.counties.get(name="Agder")
    fields = {"county": agder, "plan_type": "integration", "title": "Ny plan", "year": 2024}
    with pytest.raises(ValidationError):
        plan_create(**fields, notes=TOO_LONG)
    plan = plan_create(**fields, notes=FITS)
    with pytest.raises(ValidationError):
        plan_update(plan=plan, **fields, status="adopted", url="", notes=TOO_LONG)
    plan.refresh_from_db()
    assert plan.notes == FITS
    rows = list(plan_rows(Plan.objects.filter(pk=plan.pk).select_related("county")))
    rows[0][HEADERS.index("Merknad")] = TOO_LONG
    with pytest.raises(PlanImportError) as error:
        plans_import(project=project, rows=read_plan_file("plans.csv", write_csv(rows)))
    assert [(p.column, MESSAGE in p.message) for p in error.value.problems] == [("Merknad", True)]
    assert Plan.objects.get(pk=plan.pk).notes == FITS


def test_the_pages_show_the_message_next_to_the_field(client, project, analyst, document, theme):
    client.force_login(analyst)
    excerpt = excerpt_create(document=document, start=0, end=10, coder=analyst, themes=[theme])
    response = client.post(reverse("coding:excerpt_update", args=[project.slug, excerpt.pk]),
                           {"version": 1, "themes": [theme.pk], "memo": TOO_LONG}, HTTP_HX_REQUEST="true")
    assert MESSAGE in response.content.decode()
    assert Excerpt.objects.get().memo == ""
    response = client.post(reverse("coding:excerpt_create", args=[project.slug, document.pk]),
                           {"start": 0, "end": 10, "themes": [theme.pk], "memo": TOO_LONG}, HTTP_HX_REQUEST="true")
    assert MESSAGE in response.content.decode() and Excerpt.objects.count() == 1
    response = client.post(reverse("coding:theme_summary_edit", args=[project.slug, theme.pk]),
                           {"text": TOO_LONG, "version": 0})
    assert response.status_code == 200 and MESSAGE in response.content.decode()
    assert not ThemeSummary.objects.exists()
