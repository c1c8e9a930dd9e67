"""The conservative speaker-prefix rules shared by the VTT and SRT importers."""

import pytest

from interviews.importers.prefix import split_speaker

pytestmark = pytest.mark.no_database


@pytest.mark.parametrize(
    ("text", "speaker", "rest"),
    [
        ("Kari: Hei.", "Kari", "Hei."),
        ("Kari Nordmann: Hei.", "Kari Nordmann", "Hei."),
        ("Dr. Ola Nordmann: Ja.", "Dr. Ola Nordmann", "Ja."),
        ("Hansen, Kari (Agder fylkeskommune): Ja.", "Hansen, Kari (Agder fylkeskommune)", "Ja."),
        ("Anne-Marit Sæther: Ja.", "Anne-Marit Sæther", "Ja."),
        ("Ludwig van Beethoven: Ja.", "Ludwig van Beethoven", "Ja."),
        ("Informant 3: Ja.", "Informant 3", "Ja."),
        ("Øystein  Ås:   Ja.", "Øystein Ås", "Ja."),
        ("[Kari]: Hei.", "Kari", "Hei."),
        ("[SPEAKER_00]: Hei.", "SPEAKER_00", "Hei."),
        ("[SPEAKER_12] Hei.", "SPEAKER_12", "Hei."),
        ("SPEAKER_01: Hei.", "SPEAKER_01", "Hei."),
    ],
)
def test_it_splits_a_speaker_prefix(text, speaker, rest):
    assert split_speaker(text) == (speaker, rest)


@pytest.mark.parametrize(
    "text",
    [
        "Hei på deg.",
        "Klokka var 10:30.",
        "10: Vi starter.",
        "14.30: Vi starter.",
        "Kl 10: Vi starter.",
        "Hva sa du: ja?",
        "Jeg tror det: absolutt.",
        "Det jeg sa til Kari Nordmann var: nei.",
        "Ola Per Pål Espen Askeladd: Ja.",
        "Kari:Hei uten mellomrom.",
        "Kari:",
        "[Musikk] Hei.",
        "«Kari»: Hei.",
        "Merk: dette er et notat.",
        "Altså: nei.",
        "https://example.org: lenke",
        "En veldig lang tittel som ikke er noe navn i det hele tatt: nei.",
    ],
)
def test_it_leaves_text_without_a_speaker_prefix(text):
    assert split_speaker(text) == (None, text)
