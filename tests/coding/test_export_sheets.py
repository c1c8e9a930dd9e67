"""Spreadsheet exports of quotes: one row per excerpt and theme, every column, text never a formula."""

import copy
import csv
import datetime
import io

import openpyxl
import pytest

from coding.exports.build import produce
from coding.exports.options import ExportOptions
from tests.coding.test_export_quotes import HOSTILE, export_study

FORMULA = '=HYPERLINK("http://x","y")'


# One study for the whole module, built once (tests/conftest.py `module_study`); each test's changes are
# rolled back after it, and each test gets its own copy of the objects in memory.
pytestmark = pytest.mark.usefixtures("module_study")


@pytest.fixture(scope="module", autouse=True)
def shared(module_study):
    project, analyst, lead = module_study.project, module_study.analyst, module_study.lead
    return export_study(project, analyst, lead)


@pytest.fixture
def study(shared, db):
    return copy.deepcopy(shared)


def xlsx_rows(project, **options):
    produced = produce(project, ExportOptions(**options), "xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(produced.data)).active
    return produced, sheet, [[cell.value for cell in row] for row in sheet.iter_rows()]


def csv_rows(project, **options):
    produced = produce(project, ExportOptions(**options), "csv")
    assert produced.data.startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 only with the byte order mark
    return produced, list(csv.reader(io.StringIO(produced.data.decode("utf-8-sig")), delimiter=";"))


def by_column(rows):
    header, *data = rows
    return [dict(zip(header, row, strict=True)) for row in data]


def test_the_xlsx_has_a_row_per_excerpt_and_theme_with_every_column(project, study):
    produced, _sheet, rows = xlsx_rows(project)
    assert rows[0] == ["Studie", "Tema", "Dokument", "Type", "Fylke", "Deltaker", "Rolle", "Fagfelt", "Tidskode/side",
                       "Start", "Slutt", "Tekst", "Notat", "Koder", "Nøkkelsitat", "Opprettet", "Kildehenvisning",
                       "Utdrag-ID"]
    records = by_column(rows)
    assert len(records) == 9 and produced.quotes == 7
    ola = [r for r in records if r["Utdrag-ID"] == study.made["ola"].pk]
    assert [r["Tema"] for r in ola] == [study.themes[0].name, study.themes[1].name]
    excerpt = study.made["ola"]
    assert ola[0] | {"Opprettet": None} == {
        "Studie": project.name, "Tema": study.themes[0].name, "Dokument": "Gruppeintervju Agder",
        "Type": "Transkripsjon", "Fylke": "Agder", "Deltaker": "Agder Ola", "Rolle": "Leder", "Fagfelt": "Næring",
        "Tidskode/side": "00:14:32", "Start": excerpt.start, "Slutt": excerpt.end,
        "Tekst": "trenger arbeidsinnvandrere",
        "Notat": None, "Koder": "leder", "Nøkkelsitat": "nei", "Opprettet": None,
        "Kildehenvisning": "Leder, næring – Agder – Gruppeintervju 12.02.2025 – 00:14:32", "Utdrag-ID": excerpt.pk,
    }
    assert isinstance(ola[0]["Opprettet"], datetime.datetime)
    plan = next(r for r in records if r["Utdrag-ID"] == study.made["plan"].pk)
    assert (plan["Type"], plan["Tidskode/side"], plan["Fylke"], plan["Deltaker"]) == ("Plandokument", "s. 2",
                                                                                       "Troms", None)
    kari = next(r for r in records if r["Utdrag-ID"] == study.made["kari"].pk)
    assert (kari["Nøkkelsitat"], kari["Notat"]) == ("ja", "Viktig for kap. 4")
    assert produced.content_type == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert produced.file_name.endswith(".xlsx")


def test_a_memo_that_looks_like_a_formula_stays_text_in_the_xlsx(project, study):
    _produced, sheet, rows = xlsx_rows(project)
    memo_column = rows[0].index("Notat") + 1
    cells = [row[memo_column - 1] for row in sheet.iter_rows() if row[memo_column - 1].value == FORMULA]
    assert len(cells) == 1
    assert cells[0].data_type == "s" and cells[0].quotePrefix


def test_a_memo_that_looks_like_a_formula_stays_text_in_the_csv(project, study):
    _produced, rows = csv_rows(project)
    records = by_column(rows)
    loose = next(r for r in records if r["Utdrag-ID"] == str(study.made["loose"].pk))
    assert loose["Notat"] == "'" + FORMULA


def test_the_csv_has_the_same_rows_as_the_xlsx(project, study):
    _produced, _sheet, sheet_rows = xlsx_rows(project)
    produced, rows = csv_rows(project)
    assert produced.content_type.startswith("text/csv") and produced.file_name.endswith(".csv")
    assert rows[0] == sheet_rows[0]
    assert [row[-1] for row in rows[1:]] == [str(row[-1]) for row in sheet_rows[1:]]
    hostile = next(r for r in by_column(rows) if r["Utdrag-ID"] == str(study.made["hostile"].pk))
    assert hostile["Tekst"] == HOSTILE and hostile["Tidskode/side"] == "s. 12"
    # Excel cannot hold XML's forbidden characters: the xlsx drops them, the markup stays.
    xlsx_hostile = next(r for r in by_column(sheet_rows) if r["Utdrag-ID"] == study.made["hostile"].pk)
    assert xlsx_hostile["Tekst"] == HOSTILE.replace("\x0b", "").replace("\x01", "")


def test_a_publication_spreadsheet_leaves_out_what_names_an_informant(project, study):
    _produced, _sheet, rows = xlsx_rows(project, attribution="publication")
    records = by_column(rows)
    for record in records:
        if record["Type"] == "Transkripsjon":
            assert (record["Fylke"], record["Dokument"], record["Deltaker"], record["Tidskode/side"]) == (
                None, None, None, None)
            assert record["Kildehenvisning"].endswith("fylkeskommune)") or record["Kildehenvisning"] == "(Intervjuer)"
        else:
            assert record["Fylke"] in ("Troms", "Vestland")
    kari = next(r for r in records if r["Utdrag-ID"] == study.made["kari"].pk)
    assert (kari["Rolle"], kari["Fagfelt"], kari["Kildehenvisning"]) == (
        "Rådgiver", "Integrering", "(Rådgiver, integrering, fylkeskommune)")
    # Memos are the team's notes, never checked for names: none in a publication spreadsheet.
    assert kari["Notat"] is None and not any(record["Notat"] for record in records)


def test_english_spreadsheets_have_english_headers_and_labels(project, study):
    _produced, rows = csv_rows(project, language="en", key_only=True)
    assert rows[0][:5] == ["Study", "Theme", "Document", "Kind", "County"]
    (record,) = by_column(rows)
    assert (record["Kind"], record["Role"], record["Key quote"]) == ("Transcript", "Adviser", "yes")
    assert record["Attribution"] == "Adviser, integration – Agder – Group interview 12/02/2025 – 00:01:05"


def test_filters_apply_to_spreadsheets(project, study):
    _produced, rows = csv_rows(project, sources="plans")
    assert {r["Type"] for r in by_column(rows)} == {"Plandokument"}
    _produced, rows = csv_rows(project, coder="nobody")
    assert len(rows) == 1  # the header alone
