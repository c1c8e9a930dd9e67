"""The watch list: the municipality file, counties put on it, the lead's page, and real names recorded at import."""

import csv
import importlib
import re

import pytest
from django.apps import apps as django_apps
from django.urls import reverse

from coding.models import WatchName
from coding.watchlist import (
    COUNTIES_CSV,
    COUNTY_LIST_SOURCE,
    COUNTY_SOURCE,
    FORMER_MUNICIPALITY_SOURCE,
    MUNICIPALITIES_CSV,
    MUNICIPALITY_SOURCE,
    counties_load,
    county_names,
    former_municipality_names,
    municipalities_load,
    name_forms,
)
from interviews.importers import parse_file
from interviews.models import ImportDraft, Participant
from interviews.services import draft_create
from planner.models import County, Document
from planner.services import project_create
from tests.conftest import make_user

# One study and its users for the whole module (tests/conftest.py `module_study`); each test's changes
# are rolled back after it.
pytestmark = pytest.mark.usefixtures("module_study")


@pytest.fixture(autouse=True)
def _english(client):
    """The messages checked below are the English ones, whatever the Norwegian translation says."""
    client.cookies["django_language"] = "en"


COUNTIES = ["Agder", "Akershus", "Buskerud", "Finnmark", "Innlandet", "Møre og Romsdal", "Nordland", "Oslo",
            "Rogaland", "Telemark", "Troms", "Trøndelag", "Vestfold", "Vestland", "Østfold"]
# With the counties of the study, every county since 2017 (Viken, Hordaland …) in each form of its name.
ALL_COUNTIES = sorted(set(COUNTIES) | set(county_names()))


def names(project, kind=None):
    rows = WatchName.objects.filter(project=project)
    return sorted((rows.filter(kind=kind) if kind else rows).values_list("name", flat=True))


def url(project, name="coding:watch_list", *args):
    return reverse(name, args=[project.slug, *args])


# --- Norway's municipalities ---------------------------------------------------------------------------------


def test_the_municipality_file_has_the_357_of_the_2024_division():
    with MUNICIPALITIES_CSV.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    numbers = [row["number"] for row in rows]
    assert len(rows) == 357 and len(set(numbers)) == 357
    assert all(len(number) == 4 and number.isdigit() for number in numbers)
    official = {row["number"]: row["name"] for row in rows}
    assert official["0301"].startswith("Oslo")
    assert official["4601"] == "Bergen"
    assert official["5612"] == "Guovdageaidnu - Kautokeino"
    assert official["3436"] == "Nord-Fron"
    # 2024 county numbers: Troms 55, Finnmark 56, Akershus 32, Buskerud 33, Østfold 31, Vestfold 39, Telemark 40.
    assert {number[:2] for number in numbers} == {"03", "11", "15", "18", "31", "32", "33", "34", "39", "40", "42",
                                                  "46", "50", "55", "56"}


def test_an_official_name_gives_each_form_a_reader_would_recognise():
    assert name_forms("Guovdageaidnu - Kautokeino") == ["Guovdageaidnu", "Kautokeino"]
    assert name_forms("Storfjord - Omasvuotna - Omasvuono") == ["Storfjord", "Omasvuotna", "Omasvuono"]
    assert name_forms("Trøndelag – Trööndelage") == ["Trøndelag", "Trööndelage"]
    assert name_forms("Herøy (Nordland)") == ["Herøy"]
    assert name_forms("Nord-Fron") == ["Nord-Fron"]
    assert name_forms("  Møre   og Romsdal ") == ["Møre og Romsdal"]


def test_it_loads_the_municipalities_once(project):
    added = municipalities_load(project=project)
    loaded = names(project, "municipality")
    assert added == len(loaded) > 357  # the Sámi and Kven names come on top
    assert {"Bergen", "Kautokeino", "Guovdageaidnu", "Nord-Fron", "Herøy", "Oslove"} <= set(loaded)
    assert "Oslo" not in loaded and "Oslo" in names(project, "county")  # already there as a county
    assert set(WatchName.objects.filter(kind="municipality").values_list("source", flat=True)) == {
        MUNICIPALITY_SOURCE, FORMER_MUNICIPALITY_SOURCE}
    assert municipalities_load(project=project) == 0
    assert names(project, "municipality") == loaded


# --- Counties ------------------------------------------------------------------------------------------------


def test_a_new_study_has_its_counties_on_the_list(project):
    assert names(project, "county") == ALL_COUNTIES
    own = WatchName.objects.filter(project=project, source=COUNTY_SOURCE).values_list("name", flat=True)
    assert sorted(own) == sorted(COUNTIES)


def test_a_new_study_watches_the_former_and_merged_counties(lead):
    study = project_create(name="Uten fylker", lead=lead)
    listed = WatchName.objects.filter(project=study)
    assert set(listed.values_list("kind", flat=True)) == {"county"}
    assert set(listed.values_list("source", flat=True)) == {COUNTY_LIST_SOURCE}
    assert {"Viken", "Hedmark", "Oppland", "Hordaland", "Sogn og Fjordane", "Troms og Finnmark", "Vestfold og Telemark",
            "Aust-Agder", "Vest-Agder", "Nord-Trøndelag", "Sør-Trøndelag", "Akershus", "Troms", "Finnmark",
            "Romsa", "Finnmárku"} <= set(names(study))
    assert counties_load(project=study) == 0


def test_the_county_file_has_the_counties_of_each_division():
    with COUNTIES_CSV.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    current = {name_forms(row["name"])[0] for row in rows if not row["valid_to"]}
    assert current == set(COUNTIES)  # the 15 of 2024
    in_2020 = {name_forms(row["name"])[0] for row in rows
               if row["valid_from"] <= "2020-01-01" and (not row["valid_to"] or row["valid_to"] >= "2020-01-01")}
    assert len(in_2020) == 11 and "Viken" in in_2020 and "Hordaland" not in in_2020


def test_former_municipalities_come_with_the_current_ones(project):
    municipalities_load(project=project)
    former = WatchName.objects.filter(project=project, source=FORMER_MUNICIPALITY_SOURCE)
    assert {"Røyken", "Hurum", "Skedsmo", "Sørum", "Oppegård", "Svelvik", "Nedre Eiker", "Søgne"} <= set(
        former.values_list("name", flat=True))
    assert set(former.values_list("kind", flat=True)) == {"municipality"}
    assert not former.filter(name="Haram").exists()  # its own municipality again since 2024


def test_the_migration_puts_former_names_on_existing_lists(project, lead):
    loaded = project_create(name="Med kommuner", lead=lead)
    municipalities_load(project=loaded)
    WatchName.objects.filter(source__in=[COUNTY_LIST_SOURCE, FORMER_MUNICIPALITY_SOURCE]).delete()
    migration = importlib.import_module("coding.migrations.0008_watchlist_former_names")
    migration.watch_former_names(django_apps, None)
    assert names(project, "county") == ALL_COUNTIES
    assert not WatchName.objects.filter(project=project, kind="municipality").exists()
    assert "Røyken" in names(loaded, "municipality")
    before = WatchName.objects.count()
    migration.watch_former_names(django_apps, None)  # again: nothing doubled
    assert WatchName.objects.count() == before
    assert migration.COUNTY_NAMES == county_names()
    assert migration.FORMER_MUNICIPALITY_NAMES == former_municipality_names()


def test_a_county_saved_later_comes_on_the_list_in_each_of_its_forms(project):
    WatchName.objects.create(project=project, name="Nordlánnda", kind="other")  # already there: no failure
    County.objects.create(project=project, name="Nordland – Nordlánnda – Nordlanti")
    County.objects.create(project=project, name="Sápmi – Saepmie")
    assert {"Nordlanti", "Sápmi", "Saepmie"} <= set(names(project, "county"))
    assert WatchName.objects.get(project=project, name="Nordlánnda").kind == "other"
    county = project.counties.get(name="Agder")
    county.municipalities = 26
    county.save()  # saved again: still one «Agder»
    assert names(project).count("Agder") == 1


def test_the_migration_puts_the_counties_of_existing_studies_on_their_lists(project, lead):
    other = project_create(name="Uten mal", lead=lead)
    County.objects.create(project=other, name="Troms – Romsa – Tromssa")
    WatchName.objects.all().delete()
    migration = importlib.import_module("coding.migrations.0007_watchlist_counties")
    migration.watch_counties(django_apps, None)
    assert names(project, "county") == sorted(COUNTIES)
    assert names(other) == ["Romsa", "Troms", "Tromssa"]
    migration.watch_counties(django_apps, None)  # again: nothing doubled
    assert names(other) == ["Romsa", "Troms", "Tromssa"]


# --- The lead's page -----------------------------------------------------------------------------------------


def test_only_the_lead_sees_the_watch_list(client, project, role_users, django_assert_num_queries):
    WatchName.objects.create(project=project, name="Kari Nordmann", kind="person")
    expected = {"lead": 200, "analyst": 403, "viewer": 403, "outsider": 404}
    for role, status in expected.items():
        client.force_login(role_users[role])
        response = client.get(url(project))
        assert response.status_code == status, role
        assert ("Kari Nordmann" in response.content.decode()) == (role == "lead")
    municipalities_load(project=project)
    client.force_login(role_users["lead"])
    with django_assert_num_queries(4):  # session, user, membership, the names
        response = client.get(url(project))
    html = response.content.decode()
    assert "Kautokeino" in html and "Agder" in html
    # Norwegian order: Æ, Ø, Å after Z; Sámi «Á» with A.
    rows = re.findall(r'<th scope="row">([^<]+)</th>', html)
    assert rows.index("Vestland") < rows.index("Østfold")
    assert rows.index("Vågå") < rows.index("Øygarden") < rows.index("Ålesund")
    assert rows.index("Kárášjohka") < rows.index("Karasjok") < rows.index("Karlsøy")
    assert html.count('class="small danger"') == WatchName.objects.filter(project=project).count()


def test_the_study_page_links_the_lead_to_the_watch_list(client, project, lead, analyst):
    for user, shown in [(lead, True), (analyst, False)]:
        client.force_login(user)
        html = client.get(reverse("planner:project_detail", args=[project.slug])).content.decode()
        assert (url(project) in html) == shown


def test_the_lead_adds_a_name(client, project, lead):
    client.force_login(lead)
    response = client.post(url(project, "coding:watch_name_add"), {"kind": "person", "name": "  Kari   Nordmann "})
    assert response.status_code == 302
    assert WatchName.objects.get(project=project, name="Kari Nordmann").kind == "person"
    page = client.get(response["Location"]).content.decode()
    assert "«Kari Nordmann» is on the watch list." in page


def test_the_lead_adds_a_name_in_place_with_htmx(client, project, lead):
    client.force_login(lead)
    response = client.post(url(project, "coding:watch_name_add"), {"kind": "other", "name": "Follo"},
                           HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="watch-names">') and "<html" not in html
    assert "«Follo» is on the watch list." in html and ">Follo</th>" in html


@pytest.mark.parametrize("name, message", [
    ("", "Enter the name to watch for."),
    ("   ", "Enter the name to watch for."),
    ("x", "A name needs at least 2 characters."),
    ("agder", "«agder» is already on the watch list."),
    ("N" * 121, "A name can have at most 120 characters (it has 121)."),
])
def test_it_explains_a_name_it_cannot_add(client, project, lead, name, message):
    client.force_login(lead)
    before = WatchName.objects.count()
    for headers in [{}, {"HTTP_HX_REQUEST": "true"}]:
        response = client.post(url(project, "coding:watch_name_add"), {"kind": "other", "name": name}, **headers)
        assert response.status_code == 200
        assert message in response.content.decode()
    assert WatchName.objects.count() == before


def test_analysts_and_viewers_cannot_change_the_list(client, project, role_users):
    county = WatchName.objects.get(project=project, name="Agder")
    for role, status in [("analyst", 403), ("viewer", 403), ("outsider", 404)]:
        client.force_login(role_users[role])
        response = client.post(url(project, "coding:watch_name_add"), {"kind": "person", "name": "Ola"})
        assert response.status_code == status
        assert client.post(url(project, "coding:watch_name_remove", county.pk)).status_code == status
        assert client.post(url(project, "coding:watch_municipalities_load")).status_code == status
    assert names(project) == ALL_COUNTIES


def test_the_lead_removes_a_name_of_the_study_only(client, project, lead):
    other = project_create(name="Annen studie", lead=make_user("annen"))
    foreign = WatchName.objects.create(project=other, name="Hemmelig", kind="person")
    agder = WatchName.objects.get(project=project, name="Agder")
    client.force_login(lead)
    assert client.get(url(project, "coding:watch_name_remove", agder.pk)).status_code == 405
    assert client.post(url(project, "coding:watch_name_remove", foreign.pk)).status_code == 404
    response = client.post(url(project, "coding:watch_name_remove", agder.pk), HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "«Agder» was removed from the watch list." in response.content.decode()
    assert "Agder" not in names(project) and WatchName.objects.filter(pk=foreign.pk).exists()


def test_the_button_loads_the_municipalities_and_a_second_press_adds_none(client, project, lead):
    client.force_login(lead)
    page = client.post(url(project, "coding:watch_municipalities_load"), follow=True).content.decode()
    count = WatchName.objects.filter(project=project, kind="municipality").count()
    assert count > 357 and f"{count} municipality names were added." in page
    page = client.post(url(project, "coding:watch_municipalities_load"), follow=True).content.decode()
    assert "All municipalities were already on the watch list." in page
    assert WatchName.objects.filter(project=project, kind="municipality").count() == count


# --- Real names at import ------------------------------------------------------------------------------------

TRANSCRIPT = "Intervjuer: Velkommen.\nKari Nordmann: Hei, jeg er Kari.\nOla Hansen: Hallo.\n"


def confirm_data(draft, **extra):
    prefix = f"d{draft.pk}"
    data = {f"{prefix}-title": "Gruppeintervju Agder", f"{prefix}-format": "group_interview"}
    for index, (label, role) in enumerate([("Intervjuer", "interviewer"), ("Informant 1", "advisor"),
                                          ("Informant 2", "leader")]):
        data.update({f"{prefix}-s{index}-participant": "new", f"{prefix}-s{index}-label": label,
                     f"{prefix}-s{index}-role": role, f"{prefix}-s{index}-field": "integration"})
    return {**data, **{f"{prefix}-{key}": value for key, value in extra.items()}}


def import_as(client, project, user, **extra):
    draft = draft_create(project=project, user=user, file_name="agder.txt",
                         parsed=parse_file("agder.txt", TRANSCRIPT.encode()))
    client.force_login(user)
    page = client.get(reverse("interviews:import_start", args=[project.slug])).content.decode()
    response = client.post(reverse("interviews:import_confirm", args=[project.slug, draft.pk]),
                                  confirm_data(draft, **extra))
    assert response.status_code == 302
    assert not ImportDraft.objects.filter(pk=draft.pk).exists()
    return page


def test_the_lead_can_record_the_speakers_real_names_privately(client, project, lead):
    page = import_as(client, project, lead, record_names="on")
    assert "Record the speakers&#x27; real names privately on the watch list" in page
    people = WatchName.objects.filter(project=project, kind="person").select_related("participant")
    assert sorted((p.name, p.participant.label, p.source) for p in people) == [
        ("Kari Nordmann", "Informant 1", "import: agder.txt"), ("Ola Hansen", "Informant 2", "import: agder.txt")]
    document = Document.objects.get(title="Gruppeintervju Agder")
    assert "Kari" not in document.text and "Ola" not in document.text
    assert "Nordmann" not in "".join(Participant.objects.values_list("label", flat=True))
    html = client.get(url(project)).content.decode()
    assert "Kari Nordmann" in html and "Import of agder.txt" in html


def test_real_names_are_not_recorded_unless_the_lead_asks(client, project, lead):
    import_as(client, project, lead)
    assert not WatchName.objects.filter(kind="person").exists()
    assert Document.objects.filter(title="Gruppeintervju Agder").exists()


def test_an_analyst_never_sees_the_choice_and_a_forged_one_records_nothing(client, project, analyst):
    page = import_as(client, project, analyst, record_names="on")
    assert "real names privately" not in page
    assert Document.objects.filter(title="Gruppeintervju Agder").exists()
    assert not WatchName.objects.filter(kind="person").exists()
    assert names(project) == ALL_COUNTIES
