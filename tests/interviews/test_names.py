"""The forms of a speaker's name and how speech is cleaned of them (interviews/names.py)."""

import pytest

from interviews.importers import Turn
from interviews.models import NameWord
from interviews.names import NameMasker, name_forms, name_words, occurrences, shipped_name_words
from interviews.services import compose_text, compose_title


@pytest.mark.parametrize(("speaker", "forms"), [
    ("Kari H. Nordmann", ["Kari H. Nordmann", "Kari Nordmann", "Kari", "Nordmann"]),
    ("Hansen, Kari (Agder fylkeskommune)", ["Kari Hansen", "Kari", "Hansen"]),
    ("Anne-Lise Berg", ["Anne-Lise Berg", "Anne-Lise", "Anne", "Lise", "Berg"]),
    ("Dr. Ola Nordmann", ["Dr. Ola Nordmann", "Ola Nordmann", "Ola", "Nordmann"]),
    ("Jan van der Berg", ["Jan van der Berg", "Jan Berg", "Jan", "Berg"]),
    ("Intervjuer Hansen", ["Intervjuer Hansen", "Hansen"]),
    ("SPEAKER_00", []), ("Intervjuer", []), ("Informant 3", []), ("Ukjent", []),
])
def test_it_knows_every_form_a_speaker_is_called_by(speaker, forms):
    assert name_forms(speaker) == forms


def test_it_replaces_each_part_in_any_case_and_keeps_a_genitive():
    masker = NameMasker({"Kari H. Nordmann": "Informant 3"})
    assert masker.mask("Hva tenker du, kari? KARI NORDMANN, Karis og Nordmanns plan, Kari's og Kari’s idé.") == (
        "Hva tenker du, [Informant 3]? [Informant 3], [Informant 3]s og [Informant 3]s plan, [Informant 3]'s og "
        "[Informant 3]’s idé.")
    assert masker.mask("Karin, Karianne og Nordmannsbyen er andre ord.") == (
        "Karin, Karianne og Nordmannsbyen er andre ord.")
    assert masker.mask("kari h. nordmann og Kari  Nordmann") == "[Informant 3] og [Informant 3]"


def test_a_part_two_speakers_share_becomes_a_name_in_any_case():
    masker = NameMasker({"Kari Nordmann": "Informant 1", "Kari Hansen": "Informant 2"})
    assert masker.mask("kari, Hansen og NORDMANN") == "[navn], [Informant 2] og [Informant 1]"


def test_an_ordinary_word_is_replaced_when_capitalised_and_reviewed_in_lower_case():
    words = shipped_name_words()
    assert {"per", "liv", "hans", "are", "bo", "eli", "tor", "mai", "siv"} <= words and "ola" not in words
    turns = [Turn(speaker="Per Liv", text="Og Per sa at livet er langt."),
             Turn(speaker="Ola", text="Ti kroner per år, per. Hele liv og Livs plan, pers.")]
    found = occurrences(turns, {"Per Liv": 1, "Ola": 1}, words)
    assert [(o.turn, o.found, o.key) for o in found] == [(1, "per", "1:10"), (1, "per", "1:18"), (1, "liv", "1:28"),
                                                         (1, "pers", "1:46")]
    labels = {"Per Liv": "Informant 1", "Ola": "Informant 2"}
    text, _spans = compose_text(turns, labels, words=words)
    assert text.split("\n")[1] == ("Informant 2: Ti kroner [Informant 1] år, [Informant 1]. Hele [Informant 1] og "
                                   "[Informant 1]s plan, [Informant 1]s.")
    text, _spans = compose_text(turns, labels, words=words, keep={"1:10", "1:28", "0:3", "1:35"})
    assert text.split("\n") == [
        "Informant 1: Og [Informant 1] sa at livet er langt.",  # «0:3» is capitalised: no choice to keep it
        "Informant 2: Ti kroner per år, [Informant 1]. Hele liv og [Informant 1]s plan, [Informant 1]s.",
    ]


def test_a_capital_that_opens_a_sentence_says_nothing_so_the_word_is_reviewed():
    masker = NameMasker({"Vi Nguyen": "Informant 5"}, shipped_name_words())
    speech = "Vi har en plan. Vi Nguyen sa det. «Vi er klare», sa Vi. Nei: vi venter. Spør Vi!"
    assert [(o.found, o.start) for o in masker.occurrences(speech, 0)] == [
        ("Vi", 0), ("Vi", 35), ("vi", 61)]
    assert masker.mask(speech, keep={0, 35, 61}) == (
        "Vi har en plan. [Informant 5] sa det. «Vi er klare», sa [Informant 5]. Nei: vi venter. Spør [Informant 5]!")


def test_the_title_is_cleaned_the_same_way():
    labels = {"Kari Nordmann": "Informant 1", "Per Hansen": "Informant 2"}
    words = shipped_name_words()
    assert compose_title("Møte med  Kari Nordmann og per", labels, words=words) == (
        "Møte med [Informant 1] og [Informant 2]")
    assert compose_title("Møte med Kari Nordmann og per", labels, words=words, keep={"title:26"}) == (
        "Møte med [Informant 1] og per")


def test_the_study_adds_its_own_words(project):
    assert "sjø" not in name_words(project)
    NameWord.objects.create(project=project, word="Sjø")
    assert "sjø" in name_words(project)
    found = occurrences([Turn(speaker="Kari Sjø", text="Ved sjø og Sjø.")], {"Kari Sjø": 1}, name_words(project))
    assert [o.found for o in found] == ["sjø"]
