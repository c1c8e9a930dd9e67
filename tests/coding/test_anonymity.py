"""The anonymity check: watched names and participant labels found in quotes, and keep/mask/drop applied."""

import dataclasses
import datetime
import random
import time

import pytest

from coding.exports.anonymity import MASKS, apply, findings, watched
from coding.models import WatchName
from coding.quotes import Quote
from coding.watchlist import municipalities_load, watch_name_add
from interviews.models import NameWord, Participant, ParticipantRole

# One study and its users for the whole module (tests/conftest.py `module_study`); each test's changes
# are rolled back after it.
pytestmark = pytest.mark.usefixtures("module_study")


def quote(excerpt_id, text, **fields):
    values = {
        "excerpt_id": excerpt_id, "text": text, "theme_ids": [1], "county_id": None, "county": "", "document_id": 1,
        "document_title": "Gruppeintervju", "kind": "transcript", "participant_label": "Informant 1",
        "role": "advisor", "field": "integration", "interview_format": "group_interview", "interview_date": None,
        "time_code": "", "plan_title": "", "plan_type": "", "page": None, "memo": "", "coder": "", "is_key": False,
        "start": 0, "end": len(text), "created_at": datetime.datetime(2025, 2, 12, tzinfo=datetime.UTC),
    }
    values.update(fields)
    return Quote(**values)


def found(project, text):
    """(name, kind, the text matched) for each match in one quote."""
    result = findings(project, [quote(1, text)])
    return [(m.name, m.kind, text[m.start:m.end]) for m in result[0].matches] if result else []


@pytest.fixture
def municipalities(project):
    municipalities_load(project=project)
    return project


def test_it_finds_a_county_and_a_municipality_planted_in_quotes(municipalities):
    quotes = [quote(1, "Flyktninger bosettes helst i de store kommunene."),
              quote(2, "Vi i Agder samarbeider tett med Nav om kvalifisering."),
              quote(3, "Kommunene rundt Kristiansand trenger mer veiledning."),
              quote(4, "Det er ingen navn her.")]
    result = findings(municipalities, quotes)
    assert [f.quote.excerpt_id for f in result] == [2, 3]
    assert [(m.name, m.kind, m.start, m.end) for m in result[0].matches] == [("Agder", "county", 5, 10)]
    assert [(m.name, m.kind) for m in result[1].matches] == [("Kristiansand", "municipality")]
    assert result[1].quote is quotes[2]


def test_it_matches_whole_words_with_a_genitive_s_and_in_any_case(municipalities):
    assert found(municipalities, "Agders plan og AGDER og agder.") == [
        ("Agder", "county", "Agders"), ("Agder", "county", "AGDER"), ("Agder", "county", "agder")]
    assert found(municipalities, "Agderfylket og Moldeklubben og Trondheimsregionen.") == []
    assert found(municipalities, "Møre og Romsdal's og Moss' planer.") == [
        ("Møre og Romsdal", "county", "Møre og Romsdal's"), ("Moss", "municipality", "Moss")]


def test_a_municipality_must_begin_with_a_capital_since_many_are_also_words(municipalities):
    # «time», «sola», «stranda», «loppa» and «fjord» are municipalities as well as words.
    assert found(municipalities, "Det tok en time i sola på stranda ved fjord.") == []
    assert found(municipalities, "Vi møtte Time, SOLA og Stranda.") == [
        ("Time", "municipality", "Time"), ("Sola", "municipality", "SOLA"), ("Stranda", "municipality", "Stranda")]


def test_a_name_inside_a_refused_lower_case_municipality_is_still_found(municipalities):
    """«nore og uvdal» in lower case is not the municipality, but «Nore» the person is there."""
    WatchName.objects.create(project=municipalities, name="Nore", kind="person")
    assert found(municipalities, "Vi snakket med nore og uvdal i går.") == [("Nore", "person", "nore")]
    assert found(municipalities, "Vi var i Nore og Uvdal i går.") == [
        ("Nore og Uvdal", "municipality", "Nore og Uvdal")]


def test_names_of_several_words_match_across_white_space_and_hyphens(municipalities):
    assert found(municipalities, "Fra Møre  og\nRomsdal, Nord-Fron, Nord - Fron, NORD-FRON og Nord Fron.") == [
        ("Møre og Romsdal", "county", "Møre  og\nRomsdal"), ("Nord-Fron", "municipality", "Nord-Fron"),
        ("Nord-Fron", "municipality", "Nord - Fron"), ("Nord-Fron", "municipality", "NORD-FRON"),
        ("Nord-Fron", "municipality", "Nord Fron")]
    # A hyphen ends a word: the county is found in compounds written with one.
    assert found(municipalities, "Øst-Agder og Agder-modellen.") == [
        ("Agder", "county", "Agder"), ("Agder", "county", "Agder")]
    assert found(municipalities, "Vest-Agder") == [("Vest-Agder", "county", "Vest-Agder")]  # a former county


def test_the_longest_name_wins_where_names_overlap(municipalities):
    watch_name_add(project=municipalities, name="Follo", kind="other")
    assert found(municipalities, "Nordre Follo og resten av Follo.") == [
        ("Nordre Follo", "municipality", "Nordre Follo"), ("Follo", "other", "Follo")]


def test_it_knows_the_sami_and_kven_names_and_letters(municipalities):
    assert found(municipalities, "Guovdageaidnu, Kautokeino, Porsáŋgu, Porsanki, Stïentje og Kárášjohkas skole.") == [
        ("Guovdageaidnu", "municipality", "Guovdageaidnu"), ("Kautokeino", "municipality", "Kautokeino"),
        ("Porsáŋgu", "municipality", "Porsáŋgu"), ("Porsanki", "municipality", "Porsanki"),
        ("Stïentje", "municipality", "Stïentje"), ("Kárášjohka", "municipality", "Kárášjohkas")]
    # Letters outside a-z are word letters: «Ås» is not found inside «Åsane», nor «Bø» in «Bøker».
    assert found(municipalities, "Åsane og Bøker.") == []


def test_it_finds_participant_labels_but_not_the_interviewer(project):
    Participant.objects.create(project=project, label="Informant 3")
    Participant.objects.create(project=project, label="Intervjuer", role=ParticipantRole.INTERVIEWER)
    assert found(project, "Som Informant 3 sa til Intervjuer: nei.") == [("Informant 3", "label", "Informant 3")]
    assert found(project, "Informant 31 og Informant 30.") == []


def test_watched_reads_the_list_and_the_labels_in_two_queries(project, django_assert_num_queries):
    Participant.objects.create(project=project, label="Informant 3")
    with django_assert_num_queries(2):
        watched(project)
    watch_name_add(project=project, name="Kari Nordmann", kind="person")
    with django_assert_num_queries(3):  # with a person on the list: the study's names that are also words
        entries = watched(project)
    assert ("Agder", "county") in entries and ("Kari Nordmann", "person") in entries
    assert ("Informant 3", "label") in entries


def test_plan_excerpts_are_not_checked_since_plans_are_public(project):
    quotes = [quote(1, "Regional planstrategi for Agder.", kind="plan"), quote(2, "Her i Agder.")]
    assert [f.quote.excerpt_id for f in findings(project, quotes)] == [2]


def test_apply_keeps_masks_and_drops_as_decided(municipalities):
    quotes = [quote(1, "Vi i Agder samarbeider."), quote(2, "Kommunene rundt Kristiansand og i Agders nord."),
              quote(3, "Rundt Kristiansand."), quote(4, "Uten noe valg i Agder."), quote(5, "Ingen navn.")]
    result = apply(municipalities, quotes, {1: "keep", 2: "mask", 3: "drop"})
    assert [q.excerpt_id for q in result] == [1, 2, 4, 5]
    assert result[0] is quotes[0] and result[2] is quotes[3] and result[3] is quotes[4]
    assert result[1].text == "Kommunene rundt [kommune] og i [fylke] nord."
    assert quotes[1].text == "Kommunene rundt Kristiansand og i Agders nord."  # a copy, not the caller's quote
    assert dataclasses.replace(result[1], text=quotes[1].text) == quotes[1]  # only the text changed


def test_apply_masks_people_and_labels_as_names(project):
    Participant.objects.create(project=project, label="Informant 3")
    watch_name_add(project=project, name="Kari Nordmann", kind="person")
    result = apply(project, [quote(7, "Kari Nordmann og Informant 3 i Finnmark.")], {"7": "mask"})
    assert result[0].text == f"{MASKS['person']} og {MASKS['label']} i {MASKS['county']}."
    assert result[0].text == "[navn] og [navn] i [fylke]."


def test_apply_refuses_an_unknown_choice(project):
    with pytest.raises(ValueError, match="burn"):
        apply(project, [quote(1, "I Agder.")], {1: "burn"})


def test_it_is_fast_enough_for_5000_quotes(municipalities):
    names = WatchName.objects.filter(project=municipalities).count()
    assert names > 360
    words = ("vi har jobbet mye med kvalifisering og fylkeskommunen har en rolle i dette arbeidet sammen med "
             "kommunene og Nav i regionen der det tar en time eller to").split()
    rng = random.Random(7)
    quotes = []
    for number in range(5000):
        chosen = [rng.choice(words) for _ in range(60)]
        if number % 50 == 0:
            chosen.insert(20, "Agders")
        quotes.append(quote(number, " ".join(chosen) + "."))
    began = time.perf_counter()
    result = findings(municipalities, quotes)
    seconds = time.perf_counter() - began
    print(f"\nanonymity check: {len(quotes)} quotes, {sum(len(q.text) for q in quotes)} characters, "
          f"{names} watched names: {seconds:.3f} s")
    assert [f.quote.excerpt_id for f in result] == list(range(0, 5000, 50))


# --- Parts of watched people's names (issue 11) --------------------------------------------------------------


def test_a_watched_person_is_found_by_each_part_in_any_case(project):
    watch_name_add(project=project, name="Kari H. Nordmann", kind="person")
    assert found(project, "Hva tenker du, kari? Og NORDMANNS plan, som Kari Nordmann sa.") == [
        ("Kari", "person", "kari"), ("Nordmann", "person", "NORDMANNS"), ("Kari Nordmann", "person", "Kari Nordmann")]
    assert found(project, "Karin og Nordmannsbyen er andre ord.") == []
    watch_name_add(project=project, name="ola li", kind="person")  # typed in lower case
    assert found(project, "Vi møtte OLA i går.") == [("Ola", "person", "OLA")]


def test_a_part_that_is_also_a_word_is_found_only_with_a_capital(project):
    watch_name_add(project=project, name="Per Liv Hansen", kind="person")
    watch_name_add(project=project, name="Dag", kind="person")
    assert found(project, "Det koster 100 kroner per år hele livet, hver dag.") == []
    assert found(project, "Per sa det, og Livs svar kom en Dag etter til hansen.") == [
        ("Per", "person", "Per"), ("Liv", "person", "Livs"), ("Dag", "person", "Dag"),
        ("Hansen", "person", "hansen")]


def test_a_word_the_lead_added_is_found_only_with_a_capital(project):
    watch_name_add(project=project, name="Kari Sjø", kind="person")
    assert found(project, "Ved sjø og Sjø.") == [("Sjø", "person", "sjø"), ("Sjø", "person", "Sjø")]
    NameWord.objects.create(project=project, word="sjø")
    assert found(project, "Ved sjø og Sjø.") == [("Sjø", "person", "Sjø")]


def test_a_dissolved_county_is_found(project):
    assert found(project, "Det ble annerledes etter at Viken ble oppløst.") == [("Viken", "county", "Viken")]
    assert found(project, "Vi samarbeidet med Sogn og Fjordane og hordaland.") == [
        ("Sogn og Fjordane", "county", "Sogn og Fjordane"), ("Hordaland", "county", "hordaland")]
