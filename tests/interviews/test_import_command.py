"""import_transcripts: a batch from the command line."""

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from interviews.models import Participant
from planner.models import Document

FILES = Path(__file__).resolve().parent / "files"


def test_it_imports_a_batch_and_lists_the_bad_files(project, tmp_path, capsys):
    good = tmp_path / "agder.txt"
    good.write_text("Intervjuer Hansen: Velkommen.\nKari Nordmann: Hei.\nOla Li: Hallo.", encoding="utf-8")
    bad = tmp_path / "tom.txt"
    bad.write_bytes(b"")
    with pytest.raises(CommandError, match="1 of 3 files were not imported"):
        call_command("import_transcripts", "--study", project.slug, "--county", "agder", "--format", "gruppeintervju",
                     "--interviewer", "Intervjuer Hansen", str(good), str(bad), str(FILES / "whisper.srt"))
    out, err = capsys.readouterr()
    assert "Imported agder.txt: 3 turns (Informant 1, Informant 2, Intervjuer)" in out
    assert "tom.txt er tom" in err
    document = Document.objects.get(source_name="agder.txt")
    assert document.text == "Intervjuer: Velkommen.\nInformant 1: Hei.\nInformant 2: Hallo."
    assert document.county.name == "Agder"
    assert document.interview.format == "group_interview"
    assert Document.objects.count() == 2
    assert Participant.objects.filter(project=project, label__startswith="Informant").count() >= 2


def test_it_refuses_an_unknown_county_before_importing(project, tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("Kari: Hei.", encoding="utf-8")
    with pytest.raises(CommandError, match="no county called 'Viken'"):
        call_command("import_transcripts", "--study", project.slug, "--county", "Viken", str(path))
    assert Document.objects.count() == 0


def test_it_refuses_an_unknown_study(db, tmp_path):
    with pytest.raises(CommandError, match="No study"):
        call_command("import_transcripts", "--study", "ingen", str(tmp_path / "a.txt"))
