"""attach_plan_file: find the plan by county and title, attach the files, refuse what it cannot read."""

import io

import pytest
from django.core.management import CommandError, call_command

from planner.models import Chunk, Document, Plan
from tests.planner.pdfs import IMAGE, pdf_bytes


def _run(project, *files, **options):
    out, err = io.StringIO(), io.StringIO()
    call_command("attach_plan_file", *map(str, files), study=project.slug, stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def pdf(tmp_path):
    path = tmp_path / "strategi.pdf"
    path.write_bytes(pdf_bytes("Side én", "Side to"))
    return path


def test_it_attaches_a_file_to_the_plan_matched_case_insensitively(project, lead, pdf):
    out, _err = _run(project, pdf, county="MØRE OG ROMSDAL", title="regional planstrategi  møre og romsdal 2025-2028")
    plan = Plan.objects.get(county__project=project, title="Regional planstrategi Møre og Romsdal 2025-2028")
    document = plan.documents.get()
    assert (document.source_name, document.page_starts, document.created_by) == ("strategi.pdf", [0, 9], lead)
    assert "Attached strategi.pdf" in out and "2 pages" in out


def test_it_asks_for_the_type_or_year_when_several_plans_match(project, pdf):
    with pytest.raises(CommandError, match="--type competence --year 2024; --type integration --year 2024"):
        _run(project, pdf, county="Innlandet", title="Regional plan for det inkluderende Innlandet")
    _run(project, pdf, county="Innlandet", title="Regional plan for det inkluderende Innlandet", plan_type="competence")
    assert Document.objects.get().plan.plan_type == "competence"


def test_it_says_so_when_no_plan_or_county_matches(project, pdf):
    with pytest.raises(CommandError, match="Agder has no plan titled"):
        _run(project, pdf, county="Agder", title="Finnes ikke")
    with pytest.raises(CommandError, match="no county called"):
        _run(project, pdf, county="Atlantis", title="Finnes ikke")
    with pytest.raises(CommandError, match="none of them has the type and year"):
        _run(project, pdf, county="Innlandet", title="Regional plan for det inkluderende Innlandet", year=1999)


def test_it_attaches_the_good_files_and_names_the_bad(project, pdf, tmp_path):
    scanned = tmp_path / "skannet.pdf"
    scanned.write_bytes(pdf_bytes(IMAGE))
    err = io.StringIO()
    with pytest.raises(CommandError, match="2 of 3 files were not attached"):
        call_command("attach_plan_file", str(pdf), str(scanned), str(tmp_path / "mangler.pdf"), study=project.slug,
                     county="Agder", title="Kompetansestrategi Agder 2030", stdout=io.StringIO(), stderr=err)
    assert "NOT attached: skannet.pdf har ikke noe tekstlag (skannet?)" in err.getvalue()
    assert "NOT attached: mangler.pdf" in err.getvalue()
    document = Document.objects.get()
    assert document.source_name == "strategi.pdf"
    assert Chunk.objects.exclude(document=document).count() == 0
