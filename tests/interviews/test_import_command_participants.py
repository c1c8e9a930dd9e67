"""import_transcripts: --speaker maps a speaker to an existing participant; --role and --field for new ones."""

import pytest
from django.core.management import CommandError, call_command

from interviews.models import Participant
from planner.models import Document

# One study and its users for the whole module (tests/conftest.py `module_study`); each test's changes
# are rolled back after it.
pytestmark = pytest.mark.usefixtures("module_study")

WORKSHOP = (
    "WEBVTT\n\n"
    "00:00:01.000 --> 00:00:04.000\n<v Intervjuer Hansen>Velkommen til arbeidsmøtet.</v>\n\n"
    "00:00:05.000 --> 00:00:09.000\n<v Kari Nordmann>Vi har en rådgiver på integrering.</v>\n\n"
    "00:00:10.000 --> 00:00:14.000\n<v Per Olsen>Og vi jobber med næringsutvikling.</v>\n\n"
    "00:00:15.000 --> 00:00:19.000\n<v Lise Berg>Kompetanse er viktig for oss.</v>\n"
)


@pytest.fixture
def workshop(tmp_path):
    path = tmp_path / "arbeidsmote.vtt"
    path.write_text(WORKSHOP, encoding="utf-8")
    return path


def labels(document):
    return list(document.turns.order_by("position").values_list("participant__label", flat=True))


def test_it_maps_speakers_to_existing_participants_and_numbers_only_the_others(project, workshop, capsys):
    kari = Participant.objects.create(project=project, label="Informant 3", role="leader", field="integration")
    Participant.objects.create(project=project, label="Informant 7", role="advisor", field="business")
    call_command("import_transcripts", "--study", project.slug, "--format", "arbeidsmøte", "--interviewer",
                 "Intervjuer Hansen", "--speaker", "Kari Nordmann=Informant 3", "--speaker", "Per Olsen = Informant 7",
                 str(workshop))
    document = Document.objects.get(source_name="arbeidsmote.vtt")
    assert labels(document) == ["Intervjuer", "Informant 3", "Informant 7", "Informant 8"]
    assert kari.turns.count() == 1
    kari.refresh_from_db()
    assert (kari.role, kari.field) == ("leader", "integration")  # an existing participant is not changed
    assert "Kari" not in document.text and "Per" not in document.text
    assert capsys.readouterr().err == ""


def test_it_names_a_label_the_study_does_not_have_and_imports_nothing(project, workshop):
    with pytest.raises(CommandError, match="no participant «Informant 3»"):
        call_command("import_transcripts", "--study", project.slug, "--speaker", "Kari Nordmann=Informant 3",
                     str(workshop))
    with pytest.raises(CommandError, match='write it as "Name=Informant 3"'):
        call_command("import_transcripts", "--study", project.slug, "--speaker", "Kari Nordmann", str(workshop))
    assert not Document.objects.exists() and not Participant.objects.exists()


def test_it_says_which_given_speakers_no_file_has(project, workshop, capsys):
    Participant.objects.create(project=project, label="Informant 3")
    call_command("import_transcripts", "--study", project.slug, "--speaker", "Kari Normann=Informant 3",
                 str(workshop))
    assert "no file has a speaker called 'Kari Normann'" in capsys.readouterr().err


def test_new_speakers_get_the_role_and_field_given(project, workshop):
    call_command("import_transcripts", "--study", project.slug, "--interviewer", "Intervjuer Hansen",
                 "--role", "leder", "--field", "Regional utvikling og plan", str(workshop))
    new = Participant.objects.filter(project=project, label__startswith="Informant")
    assert sorted(new.values_list("label", "role", "field")) == [
        ("Informant 1", "leader", "planning"), ("Informant 2", "leader", "planning"),
        ("Informant 3", "leader", "planning")]
    interviewer = Participant.objects.get(project=project, label="Intervjuer")
    assert (interviewer.role, interviewer.field) == ("interviewer", "other")


def test_without_options_new_speakers_are_advisers_of_another_field(project, workshop):
    call_command("import_transcripts", "--study", project.slug, str(workshop))
    assert set(Participant.objects.filter(label__startswith="Informant").values_list("role", "field")) == {
        ("advisor", "other")}


@pytest.mark.parametrize(("option", "value", "message"), [
    ("--role", "sjef", "Unknown role 'sjef'"),
    ("--field", "integreing", "Unknown field 'integreing'"),
])
def test_it_refuses_an_unknown_role_or_field(project, workshop, option, value, message):
    with pytest.raises(CommandError, match=message):
        call_command("import_transcripts", "--study", project.slug, option, value, str(workshop))
    assert not Document.objects.exists()
