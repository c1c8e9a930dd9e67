"""Saved searches as columns of the plan register: the page, its .xlsx and the Word plan tables."""

import io

import docx
import openpyxl
from django.urls import reverse

from coding.exports.build import produce
from coding.exports.options import ExportOptions
from coding.models import SavedSearch
from planner.models import Plan
from planner.plan_io import read_plan_file
from tests.coding.test_search import plan_document


def _study(project, lead):
    document = plan_document(project)  # innv twice, «små kommuner» twice, on Agder's first plan
    plan = Plan.objects.get(pk=document.plan_id)
    plan.assessment = "Omtaler innvandring grundig."
    plan.save()
    for query in ("innv", '"små kommuner"', "flykt"):
        SavedSearch.objects.create(project=project, query=query, created_by=lead, in_register=query != "flykt")
    return plan


def test_the_register_shows_chosen_searches_as_columns_with_links(client, project, lead, viewer):
    plan = _study(project, lead)
    client.force_login(viewer)
    response = client.get(reverse("planner:plan_list", args=[project.slug]))
    assert [c.label for c in response.context["columns"]] == ['"små kommuner"', "innv"]
    row = next(p for p in response.context["plans"] if p.pk == plan.pk)
    assert [cell["count"] for cell in row.extra_cells] == [2, 2]
    page = response.content.decode()
    assert "Omtaler innvandring grundig." in page and ">–</td>" in page
    hits = client.get(row.extra_cells[1]["link"])
    assert [r.document.plan_id for r in hits.context["results"]] == [plan.pk]
    assert hits.context["hit_count"] == 2


def test_the_lead_picks_the_columns(client, project, lead, analyst):
    saved = SavedSearch.objects.create(project=project, query="innv")
    url = reverse("coding:saved_search_register", args=[project.slug, saved.pk])
    client.force_login(analyst)
    assert client.post(url, {"in_register": "1"}).status_code == 403
    client.force_login(lead)
    client.post(url, {"in_register": "1"})
    saved.refresh_from_db()
    assert saved.in_register


def test_the_xlsx_and_the_word_plan_tables_carry_counts_and_assessments(client, project, lead):
    plan = _study(project, lead)
    client.force_login(lead)
    data = client.get(reverse("planner:plan_export_xlsx", args=[project.slug])).content
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0][-3:] == ["Vurdering", 'Søk: "små kommuner"', "Søk: innv"]
    assert [row[-3:] for row in rows if row[2] == plan.title] == [["Omtaler innvandring grundig.", 2, 2]]
    assert {tuple(row[-2:]) for row in rows[1:] if row[2] != plan.title} == {("–", "–")}
    assert len(read_plan_file("planregister.xlsx", data)) == 43  # the export still imports

    produced = produce(project, ExportOptions(plan_tables=True), "docx")
    overview = docx.Document(io.BytesIO(produced.data)).tables[0]
    table = [[cell.text for cell in row.cells] for row in overview.rows]
    assert table[0] == ["Fylke", "Type", "Tittel", "År", "Vurdering", '«"små kommuner"»', "«innv»"]
    assert [row[4:] for row in table if row[2] == plan.title] == [["Omtaler innvandring grundig.", "2", "2"]]
    assert {tuple(row[5:]) for row in table[1:] if row[2] != plan.title} == {("–", "–")}
