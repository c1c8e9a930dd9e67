"""An analyst uploads two transcripts at once, maps the speakers, confirms, and reads one."""

from pathlib import Path

from playwright.sync_api import expect

from interviews.jobs import read_transcript
from planner.models import Document, FileJob

FILES = Path(__file__).resolve().parents[1] / "interviews" / "files"


def test_it_imports_two_files_with_mapped_speakers(page, live_server, login, project, analyst, tmp_path,
                                                   screenshot_dir):
    agder = tmp_path / "agder.txt"
    agder.write_text("Intervjuer: Velkommen til intervjuet.\nKari Nordmann: Vi har en integreringsplan.\n"
                     "Ola Hansen: Og vi samarbeider med Nav, Kari.", encoding="utf-8")
    login(analyst)
    page.goto(f"{live_server.url}/s/{project.slug}/interviews/")
    page.get_by_role("link", name="Importer transkripsjoner").click()
    page.wait_for_load_state()
    page.get_by_label("Velg filer").set_input_files([str(agder), str(FILES / "teams.vtt")])
    expect(page.locator("[data-file-names] li")).to_have_count(2)
    page.get_by_role("button", name="Les filene").click()

    first = page.locator("section.draft", has_text="agder.txt")
    page.screenshot(path=screenshot_dir / "import.png", full_page=True)
    expect(first.get_by_role("row", name="Kari Nordmann")).to_contain_text("1")
    first.get_by_label("Fylke:", exact=True).select_option(label="Agder")
    first.get_by_label("Dato:", exact=True).fill("2025-02-12")
    first.get_by_label("Ny betegnelse for Kari Nordmann").fill("Informant 5")
    first.get_by_label("Rollen til Kari Nordmann").select_option(label="Leder")
    first.get_by_label("Fagfeltet til Kari Nordmann").select_option(label="Integrering")
    first.get_by_role("button", name="Importer agder.txt").click()
    expect(page.locator(".message.success")).to_contain_text("agder.txt")

    second = page.locator("section.draft", has_text="teams.vtt")
    second.get_by_label("Fylke:", exact=True).select_option(label="Troms")
    second.get_by_role("button", name="Importer teams.vtt").click()

    # The last confirmation opens the transcript it imported.
    expect(page.locator("#transcript .turn").first).to_be_visible()
    page.get_by_role("link", name="Intervjuer").first.click()
    expect(page.locator("#transcripts tbody tr")).to_have_count(2)
    page.get_by_role("link", name="agder", exact=True).click()
    turns = page.locator("#transcript .turn")
    expect(turns).to_have_count(3)
    expect(turns.nth(1)).to_contain_text("Informant 5")
    expect(turns.nth(1)).to_contain_text("Leder, integrering")
    expect(turns.nth(2)).to_contain_text("Og vi samarbeider med Nav, [Informant 5].")
    expect(page.locator("#transcript")).not_to_contain_text("Kari")
    page.screenshot(path=screenshot_dir / "transcript.png", full_page=True)
    assert "Kari" not in Document.objects.get(title="agder").text


def test_a_file_being_read_shows_its_status_until_the_worker_is_done(page, live_server, login, project, analyst,
                                                                     tmp_path, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}  # waits for a worker
    agder = tmp_path / "agder.txt"
    agder.write_text("Intervjuer: Velkommen.\nKari Nordmann: Hei.", encoding="utf-8")
    login(analyst)
    page.goto(f"{live_server.url}/s/{project.slug}/interviews/import/")
    page.get_by_label("Velg filer").set_input_files([str(agder)])
    page.get_by_role("button", name="Les filene").click()
    status = page.locator(".file-job", has_text="agder.txt")
    expect(status).to_contain_text("Leser filen …")
    expect(page.locator("section.draft")).to_have_count(0)
    # The worker's part, here in the test's thread: the page, polling, sees the job done and reloads.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    read_transcript.enqueue(FileJob.objects.get().pk)
    expect(page.locator("section.draft", has_text="agder.txt")).to_be_visible(timeout=10_000)
    expect(page.locator(".file-job")).to_have_count(0)
