"""python manage.py export_quotes: formats, filters by name, the anonymity stop and --names, whole files only."""

import copy
import io

import docx
import openpyxl
import pytest
from django.core.management import CommandError, call_command

from coding.exports.build import produce
from coding.exports.options import ExportOptions
from coding.models import WatchName
from tests.coding.test_collections import code, interview
from tests.coding.test_export_quotes import export_study

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


def run(project, *args):
    out, err = io.StringIO(), io.StringIO()
    call_command("export_quotes", "--study", project.slug, *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def quote_texts(path, style="Sitat"):
    return [p.text for p in docx.Document(str(path)).paragraphs if p.style.name == style]


def test_it_writes_a_word_file(project, study, tmp_path):
    path = tmp_path / "sitater.docx"
    out, _err = run(project, "--format", "docx", "--attribution", "internal", "-o", str(path))
    assert out.strip() == f"Wrote 7 quotes to {path}."
    assert len(quote_texts(path)) == 9
    assert [f.name for f in tmp_path.iterdir()] == ["sitater.docx"]  # no temporary file left behind


def test_it_takes_the_filters_by_name(project, study, tmp_path):
    path = tmp_path / "agder.docx"
    second = study.themes[1]
    run(project, "--format", "docx", "--attribution", "publication", "--theme", second.name.upper(),
        "--county", "agder", "--sources", "interviews", "--coder", "leder", "--grouping", "county",
        "--no-summaries", "--language", "en", "-o", str(path))
    document = docx.Document(str(path))
    # A publication export groups by theme whatever --grouping says: no informant under a county.
    assert [p.text for p in document.paragraphs if p.style.name == "Heading 1"] == [second.name]
    assert [p.text for p in document.paragraphs if p.style.name == "Heading 2"] == ["Interviews"]
    assert quote_texts(path, "Quote") == ["“trenger arbeidsinnvandrere”"]
    assert [p.text for p in document.paragraphs if p.style.name == "Source"] == [
        "(Leader, business development, county council)"]


def test_key_only_memos_and_plan_tables(project, study, tmp_path):
    path = tmp_path / "key.docx"
    run(project, "--format", "docx", "--attribution", "internal", "--key-only", "--memos", "--plan-tables",
        "-o", str(path))
    document = docx.Document(str(path))
    assert quote_texts(path) == ["★ «Økt bosetting i distriktene»"]
    assert [c.text for c in document.comments] == ["Viktig for kap. 4"]
    assert len(document.tables) == 1  # the plan overview; no plan excerpt is a key quote


def test_themes_without_quotes_only_with_empty_themes(project, study, tmp_path):
    def theme_headings(*args):
        path = tmp_path / "tema.docx"
        run(project, "--format", "docx", "--attribution", "internal", "-o", str(path), *args)
        return [p.text for p in docx.Document(str(path)).paragraphs if p.style.name == "Heading 1"]

    assert len(theme_headings()) == 4  # the themes that have quotes
    assert len(theme_headings("--empty-themes")) == project.themes.count()


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_it_writes_spreadsheets(project, study, tmp_path, fmt):
    path = tmp_path / f"sitater.{fmt}"
    out, _err = run(project, "--format", fmt, "--attribution", "internal", "-o", str(path))
    assert out.strip() == f"Wrote 7 quotes to {path}."
    if fmt == "xlsx":
        assert openpyxl.load_workbook(path).active.max_row == 10
    else:
        assert path.read_bytes().decode("utf-8-sig").count("\r\n") == 10


@pytest.mark.parametrize(("args", "message"), [
    (["--theme", "Finnes ikke"], "no theme called 'Finnes ikke'"),
    (["--county", "Narnia"], "no county called 'Narnia'"),
    (["--coder", "ingen"], "'ingen' has coded nothing"),
])
def test_unknown_names_are_refused_and_nothing_is_written(project, study, tmp_path, args, message):
    path = tmp_path / "x.docx"
    with pytest.raises(CommandError, match=message):
        run(project, "--format", "docx", "--attribution", "internal", *args, "-o", str(path))
    assert not path.exists()


def test_an_unknown_study_is_refused(db, tmp_path):
    with pytest.raises(CommandError, match="No study has the short name 'nei'"):
        call_command("export_quotes", "--study", "nei", "--format", "csv", "--attribution", "internal", "-o",
                     str(tmp_path / "x.csv"))


def test_a_folder_that_does_not_exist_is_a_clear_error(project, study, tmp_path):
    path = tmp_path / "mangler" / "x.docx"
    with pytest.raises(CommandError, match="No such file or directory"):
        run(project, "--format", "docx", "--attribution", "internal", "-o", str(path))


@pytest.fixture
def named(project, analyst, study):
    """A quote that names a county and a municipality on the watch list."""
    WatchName.objects.get_or_create(project=project, name="Agder", defaults={"kind": "county"})
    WatchName.objects.get_or_create(project=project, name="Lyngdal", defaults={"kind": "municipality"})
    document = interview(project, analyst, "Agder", [
        ("Liv", 40, "I Agder har Lyngdal kommune bosatt mange.", "advisor", "integration")], title="Intervju Lyngdal")
    return code(document, "I Agder har Lyngdal kommune bosatt mange.", analyst, study.themes[:1])


def test_a_publication_export_with_names_in_quotes_stops_and_lists_them(project, study, named, tmp_path):
    path = tmp_path / "pub.docx"
    path.write_bytes(b"the previous export")
    err = io.StringIO()
    with pytest.raises(CommandError, match="--names keep, --names mask or --names drop"):
        call_command("export_quotes", "--study", project.slug, "--format", "docx", "--attribution", "publication",
                     "-o", str(path), stderr=err)
    assert f"excerpt {named.pk}: Agder, Lyngdal (in «Intervju Lyngdal»)" in err.getvalue()
    assert path.read_bytes() == b"the previous export"  # untouched


@pytest.mark.parametrize(("choice", "expected"), [
    ("keep", "«I Agder har Lyngdal kommune bosatt mange.»"),
    ("mask", "«I [fylke] har [kommune] kommune bosatt mange.»"),
    ("drop", None),
])
def test_names_applies_the_choice_to_every_finding(project, study, named, tmp_path, choice, expected):
    path = tmp_path / "pub.docx"
    out, _err = run(project, "--format", "docx", "--attribution", "publication", "--names", choice, "-o", str(path))
    texts = quote_texts(path)
    if expected is None:
        assert out.strip() == f"Wrote 7 quotes to {path}."
        assert not any("bosatt mange" in t for t in texts)
    else:
        assert out.strip() == f"Wrote 8 quotes to {path}."
        assert texts.count(expected) == 1


@pytest.mark.parametrize("decisions", [None, {}, {"123456": "keep"}])
def test_a_publication_file_masks_a_quote_nobody_decided_on(project, study, named, tmp_path, decisions):
    """A quote coded after the check was shown has no decision: its names are masked, not let through."""
    path = tmp_path / "pub.docx"
    path.write_bytes(produce(project, ExportOptions(attribution="publication"), "docx", decisions=decisions).data)
    assert quote_texts(path).count("«I [fylke] har [kommune] kommune bosatt mange.»") == 1
    path.write_bytes(produce(project, ExportOptions(attribution="publication"), "docx",
                             decisions={str(named.pk): "keep"}).data)
    assert quote_texts(path).count("«I Agder har Lyngdal kommune bosatt mange.»") == 1


def test_an_internal_export_does_not_stop_for_names(project, study, named, tmp_path):
    path = tmp_path / "intern.docx"
    out, _err = run(project, "--format", "docx", "--attribution", "internal", "-o", str(path))
    assert out.strip() == f"Wrote 8 quotes to {path}."
    assert "«I Agder har Lyngdal kommune bosatt mange.»" in quote_texts(path)
