"""The export in Chromium: choose themes, review the names of a publication export, follow the job, download."""

import io
import re
import time

import docx
import pytest
from playwright.sync_api import expect

from coding.models import ExportJob
from tests.coding.test_export_views import COUNTY_QUOTE, PLAIN_QUOTE, TOWN_QUOTE, code, export_study, interview
from tests.conftest import PASSWORD

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


@pytest.mark.slow
def test_the_row_polls_sooner_then_later_survives_a_failed_poll_and_stops_when_done(browser, live_server, project,
                                                                                     analyst, lead, viewer, settings):
    """With the database task backend nothing runs until the worker does; meanwhile the row polls."""
    from django.core.management import call_command

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    _study(project, analyst, lead)
    # A page of its own: the failed polls below are meant to log errors, which the `page` fixture refuses.
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto(f"{live_server.url}/account/login/")
    page.get_by_label("Brukernavn").fill(viewer.username)
    page.get_by_label("Passord").fill(PASSWORD)
    page.get_by_role("button", name="Logg inn").click()
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/s/{project.slug}/export/")
    polls, failing = [], []
    page.on("request", lambda request: polls.append(time.monotonic()) if "/export/jobs/" in request.url and
            "/download/" not in request.url else None)
    page.route("**/export/jobs/**", lambda route: route.abort() if failing else route.continue_())
    page.locator('#export-form button[type="submit"]').click()
    job = ExportJob.objects.get()
    row = page.locator(f"#export-job-{job.uuid}")
    expect(row.locator(".status-queued")).to_be_visible()
    page.wait_for_timeout(2000)
    assert len(polls) >= 4  # 100, 150, 225, 338, 506 ms apart, then longer
    gaps = [b - a for a, b in zip(polls, polls[1:], strict=False)]
    assert gaps[-1] > gaps[0]  # sooner, then later (the exact gaps vary with the machine's load)

    failing.append(True)  # the server is away: a poll fails, and the row tries again
    page.wait_for_timeout(2500)
    failing.clear()
    call_command("db_worker", "--batch", "--no-reload", "--no-startup-delay", "--interval=0", verbosity=0)
    assert ExportJob.objects.get().status == "done"
    expect(row.locator(".status-done")).to_be_visible(timeout=6000)
    seen = len(polls)
    page.wait_for_timeout(2500)
    assert len(polls) == seen  # a finished row polls no more
    context.close()
    assert errors and not [e for e in errors if not re.match(r"htmx:(afterRequest|sendError)|Failed to load", e)]
