"""The codebook as .xlsx and as a Word table, and a codebook imported from .qdc or .xlsx after a preview."""

import io

import docx
import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from coding.exports.codebook_files import codebook_xlsx
from coding.exports.refi import codebook_xml
from coding.models import Change, ExchangeImport, Theme
from tests.coding.refi import demo_study


def test_the_codebook_downloads_as_a_sheet_and_a_word_table_with_counts_and_parents(client, lead):
    project = demo_study(lead)
    client.force_login(lead)
    sheet = openpyxl.load_workbook(io.BytesIO(client.get(
        reverse("coding:codebook_download", args=[project.slug, "xlsx"])).content)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0] == ["Tema", "Beskrivelse", "Farge", "Overordnet tema", "Utdrag"]
    assert ["Kommuner", "", "#F38400", "Samarbeid", 2] in [[v if v is not None else "" for v in r] for r in rows]
    assert [r[0] for r in rows[1:4]] == ["Samarbeid", "Kommuner", "Små kommuner"]
    table = docx.Document(io.BytesIO(client.get(
        reverse("coding:codebook_download", args=[project.slug, "docx"])).content)).tables[0]
    assert [c.text for c in table.rows[1].cells] == ["Samarbeid", "Alt om 🤝", "#0067A5", "", "2"]
    assert client.get(reverse("coding:codebook_download", args=[project.slug, "pdf"])).status_code == 404


def test_a_codebook_is_previewed_then_imported_and_recorded(client, lead):
    project = demo_study(lead)
    other = demo_study(lead, name="Andre")
    Theme.objects.filter(project=other, name="Kvalifisering").update(name="Kvalifisering og språk", colour="#112233")
    client.force_login(lead)
    url = reverse("coding:codebook_import", args=[project.slug])
    preview = client.post(url, {"file": SimpleUploadedFile("kodebok.qdc", codebook_xml(other))})
    page = preview.content.decode()
    # GUIDs differ between the two studies: matched by name, so «Kvalifisering og språk» is new.
    assert "Kvalifisering og språk" in page and 'name="plan"' in page
    assert not Theme.objects.filter(project=project, name="Kvalifisering og språk").exists()
    changes = Change.objects.filter(project=project).count()
    plan = preview.context["plan"]
    done = client.post(url, {"plan": plan, "file_name": "kodebok.qdc"}, follow=True)
    assert Theme.objects.get(project=project, name="Kvalifisering og språk").colour == "#112233"
    assert Change.objects.filter(project=project).count() > changes
    report = ExchangeImport.objects.get(project=project, kind="codebook")
    assert report.report["counts"] == {"added": 1, "changed": 0}
    assert done.redirect_chain[-1][0] == reverse("coding:refi_import_report", args=[project.slug, report.uuid])
    assert client.post(url, {"plan": plan[:-3] + "xyz"}, follow=True).status_code == 200
    assert Theme.objects.filter(project=project).count() == 6
    # A sheet, as the download writes it, with a new sub-theme under an existing theme.
    book = openpyxl.load_workbook(io.BytesIO(codebook_xlsx(project)))
    book.active.append(["Fylker", "Nytt", "#00FF00", "Samarbeid", 0])
    buffer = io.BytesIO()
    book.save(buffer)
    preview = client.post(url, {"file": SimpleUploadedFile("kodebok.xlsx", buffer.getvalue())})
    # A sheet says nothing of archiving: the archived theme stays archived, and nothing else changes.
    assert [c.action for c in preview.context["planned"]] == ["same"] * 6 + ["add"]
    client.post(url, {"plan": preview.context["plan"], "file_name": "kodebok.xlsx"})
    assert Theme.objects.get(project=project, name="Fylker").parent.name == "Samarbeid"
    assert Theme.objects.get(project=project, name="Gammelt tema").archived
    bad = client.post(url, {"file": SimpleUploadedFile("kodebok.xlsx", b"not a workbook")})
    assert bad.context["form"].errors["file"]
