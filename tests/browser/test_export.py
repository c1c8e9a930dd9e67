"""The export in Chromium: choose themes, review the names of a publication export, follow the job, download."""

import io
import re

import docx
from playwright.sync_api import expect

from coding.models import ExportJob
from tests.coding.test_export_views import COUNTY_QUOTE, PLAIN_QUOTE, TOWN_QUOTE, code, export_study, interview

NETWORK_QUOTE = "I Agder har vi et eget nettverk for integrering."


def _study(project, analyst, lead):
    study = export_study(project, analyst, lead)
    document = interview(project, analyst, "Agder", [NETWORK_QUOTE], "Arbeidsmøte Agder")
    study["network"] = code(document, NETWORK_QUOTE, analyst, study["themes"][1:2])
    return study


def _pick_themes(page, themes):
    page.locator('#export-themes button[data-check="none"]').click()
    expect(page.locator("#export-count .errors")).to_be_visible()
    for theme in themes:
        page.locator(f'#export-themes input[value="{theme.pk}"]').check()


def test_the_lead_exports_for_publication_with_names_masked_and_dropped(page, live_server, login, project, analyst,
                                                                        lead):
    study = _study(project, analyst, lead)
    login(lead)
    page.goto(f"{live_server.url}/s/{project.slug}/export/")
    expect(page.locator("#export-count strong")).to_have_text("5")
    _pick_themes(page, study["themes"][:2])
    # county, town, plain (two themes, counted once) and network: the count follows every change.
    expect(page.locator("#export-count strong")).to_have_text("4")
    page.locator('input[name="attribution"][value="publication"]').check()
    page.locator('#export-form button[type="submit"]').click()

    findings = page.locator("li.finding")
    expect(findings).to_have_count(3)
    county = page.locator(f"#finding-{study['county'].pk}")
    expect(county.locator("mark")).to_have_text(["Agder"])
    expect(county.locator("blockquote")).to_have_text(COUNTY_QUOTE)
    expect(county).to_contain_text("Gruppeintervju Agder")
    expect(county).to_contain_text("[fylke]")
    expect(page.locator(f"#finding-{study['town'].pk} mark")).to_have_text(["Kristiansand"])
    # Mask is the default; drop the county quote, keep the default for the others.
    expect(county.locator('input[value="mask"]')).to_be_checked()
    county.locator('input[value="drop"]').check()
    page.locator('#anonymity-review button[type="submit"]').click()

    expect(page).to_have_url(f"{live_server.url}/s/{project.slug}/export/")
    job = ExportJob.objects.get()
    row = page.locator(f"#export-job-{job.uuid}")
    expect(row.locator(".status-done")).to_be_visible(timeout=30_000)
    expect(row.locator("progress")).to_have_count(0)
    with page.expect_download() as info:
        row.get_by_role("link").click()
    download = info.value
    assert download.suggested_filename == ExportJob.objects.get().file_name
    assert re.fullmatch(rf"{project.slug}-sitater-publisering-\d{{4}}-\d\d-\d\d\.docx", download.suggested_filename)
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(open(download.path(), "rb").read())).paragraphs)
    assert "samarbeider tett med Nav" not in text  # dropped
    assert "I [fylke] har vi et eget nettverk for integrering." in text
    assert "Kommunene rundt [kommune] trenger mer veiledning." in text
    assert PLAIN_QUOTE in text
    assert "Kristiansand" not in text and TOWN_QUOTE not in text and COUNTY_QUOTE not in text


def test_the_export_page_works_from_the_keyboard(page, live_server, login, project, analyst, lead, viewer):
    _study(project, analyst, lead)
    login(viewer)
    page.goto(f"{live_server.url}/s/{project.slug}/export/")
    page.locator('#export-themes button[data-check="none"]').focus()
    page.keyboard.press("Enter")
    expect(page.locator("#export-themes input:checked")).to_have_count(0)
    page.keyboard.press("Shift+Tab")  # «all themes»
    page.keyboard.press("Enter")
    expect(page.locator("#export-themes input:checked")).to_have_count(project.themes.count())
    expect(page.locator("#export-count strong")).to_have_text("5")
    key_only = page.locator('input[name="key_only"]')
    key_only.focus()
    page.keyboard.press("Space")
    expect(page.locator("#export-count strong")).to_have_text("1")
    page.locator('input[name="format"][value="csv"]').focus()
    page.keyboard.press("Space")
    page.locator('#export-form button[type="submit"]').focus()
    page.keyboard.press("Enter")
    expect(page.locator(".export-job")).to_have_count(1)
    job = ExportJob.objects.get()
    assert (job.created_by, job.format, job.options["key_only"]) == (viewer, "csv", True)
    expect(page.locator(f"#export-job-{job.uuid} .status-done")).to_be_visible(timeout=30_000)


def test_screenshots_of_the_export_and_its_review(page, live_server, login, project, analyst, lead, screenshot_dir):
    study = _study(project, analyst, lead)
    ExportJob.objects.create(project=project, created_by=lead, format="docx", options={"themes": []},
                             status="running", done=120, total=310)
    ExportJob.objects.create(project=project, created_by=lead, format="xlsx", options={"attribution": "publication"},
                             status="done", done=310, total=310, content=b"PK",
                             file_name=f"{project.slug}-sitater-publisering.xlsx")
    login(lead)
    page.goto(f"{live_server.url}/s/{project.slug}/export/")
    expect(page.locator("#export-count strong")).to_have_text("5")
    page.screenshot(path=screenshot_dir / "export.png", full_page=True)
    _pick_themes(page, study["themes"][:2])
    page.locator('input[name="attribution"][value="publication"]').check()
    page.locator('#export-form button[type="submit"]').click()
    expect(page.locator("li.finding")).to_have_count(3)
    page.screenshot(path=screenshot_dir / "export-review.png", full_page=True)
    for name in ("export.png", "export-review.png"):
        assert (screenshot_dir / name).stat().st_size > 10_000
