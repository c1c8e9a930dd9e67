"""import_plans and export_plans: the register to a file and back from the command line."""

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from planner.models import Plan


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_it_exports_and_imports_the_register_unchanged(project, tmp_path, capsys, fmt):
    path = tmp_path / f"planer.{fmt}"
    call_command("export_plans", "--study", project.slug, "-o", str(path))
    assert f"Wrote 43 plans to {path}." in capsys.readouterr().out
    with translation.override("en"):
        call_command("import_plans", "--study", project.slug, str(path))
    assert capsys.readouterr().out.strip() == f"planer.{fmt}: 0 created, 0 changed, 43 unchanged."


def test_it_lists_the_problems_and_exits_non_zero(project, tmp_path, capsys):
    path = tmp_path / "planer.csv"
    path.write_text("Fylke;Type;Tittel;År;Status;URL;Merknad\nAgder;Annen plan;Ny;2025;Vedtatt;;\n"
                    "Viken;Annen plan;Ny;2025;Vedtatt;;\n", encoding="utf-8")
    with translation.override("en"), pytest.raises(CommandError, match="Nothing was imported from planer.csv: 1 "):
        call_command("import_plans", "--study", project.slug, str(path))
    assert "Row 3, column Fylke: The study has no county called «Viken»." in capsys.readouterr().err
    assert not Plan.objects.filter(title="Ny").exists()


def test_it_refuses_an_unknown_study_or_format(project, tmp_path):
    with pytest.raises(CommandError, match="No study"):
        call_command("import_plans", "--study", "ingen", str(tmp_path / "a.csv"))
    with pytest.raises(CommandError, match="name it .xlsx or .csv"):
        call_command("export_plans", "--study", project.slug, "-o", str(tmp_path / "a.ods"))
    with pytest.raises(CommandError, match="a.csv"):
        call_command("import_plans", "--study", project.slug, str(tmp_path / "a.csv"))
