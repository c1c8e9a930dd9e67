"""Issue 19 in Chromium: play an interview's recording from a turn's time code, correct a word in a coded
turn, see the excerpt still on its words, and undo the correction."""

from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from coding.models import Theme
from interviews.models import Turn
from interviews.recordings import recording_attach
from planner.services import membership_set, project_create
from tests.browser.test_coding import CARET_AT
from tests.coding.test_revisions import code, interview
from tests.interviews.test_recordings import wav_bytes

# The text of the excerpt's segments, in order, as the coding view shows them.
CODED_TEXT = """(id) => [...document.querySelectorAll('#document .seg.coded')]
  .filter((seg) => seg.dataset.ex.split(' ').includes(String(id))).map((seg) => seg.textContent).join('')"""


def test_play_from_a_time_code_correct_a_coded_word_and_undo(page, live_server, login, lead, analyst, settings,
                                                             tmp_path, screenshot_dir):
    settings.KODEVERK_RECORDINGS_ROOT = tmp_path
    project = project_create(name="Opptak i nettleser", lead=lead)
    membership_set(project=project, user=analyst, role="analyst")
    theme = Theme.objects.create(project=project, name="Veiledning", colour="#0067A5", position=1)
    document = interview(project, lead)  # turns at 0, 30, 60 and 90 s
    excerpt = code(document, "trenger veiledning", analyst, theme)  # in the turn at 60 s
    recording_attach(interview=document.interview, upload=SimpleUploadedFile("møte.wav", wav_bytes(75, rate=4000)),
                     user=lead)
    login(analyst)
    page.goto(f"{live_server.url}/s/{project.slug}/documents/{document.pk}/code/")

    page.locator('#document .row[data-seconds="60"] .time').click()
    page.wait_for_function("() => document.getElementById('player').currentTime > 60.3")
    expect(page.locator('#document .row[data-seconds="60"]')).to_have_class("row playing")
    page.keyboard.press("Alt+P")  # pause
    _screenshots(page, screenshot_dir, "coding-player")
    page.wait_for_function("() => document.getElementById('player').paused")

    turn = Turn.objects.get(document=document, position=2)
    assert page.evaluate(CARET_AT, turn.speech_start + 3)
    page.keyboard.press("Alt+E")
    box = page.locator("#text-edit-text")
    expect(box).to_have_value("Kommunene trenger veiledning og mer ressurser.")
    box.fill("Kommunene trenger god veiledning og mer ressurser.")
    _screenshots(page, screenshot_dir, "text-correction")
    page.get_by_role("button", name="Lagre rettingen").click()
    expect(page.locator(".messages")).to_contain_text("versjon 1")
    assert page.evaluate(CODED_TEXT, excerpt.pk) == "trenger god veiledning"
    expect(page.locator(f'.excerpt-chip.text-changed[data-excerpt="{excerpt.pk}"]')).to_have_count(1)

    page.get_by_role("link", name="Tekstversjoner").click()
    _screenshots(page, screenshot_dir, "text-versions")
    page.get_by_role("button", name="Angre retting 1").click()
    expect(page.locator(".messages")).to_contain_text("Retting 1 er angret.")
    assert page.evaluate(CODED_TEXT, excerpt.pk) == "trenger veiledning"

    # The lead's pages for replacing and deleting the document, as screenshots.
    login(lead)
    for name in ("replace", "delete"):
        page.goto(f"{live_server.url}/s/{project.slug}/documents/{document.pk}/{name}/")
        _screenshots(page, screenshot_dir, f"document-{name}")
    expect(page.locator("#delete-counts")).to_contain_text("1 utdrag")
    page.goto(f"{live_server.url}/s/{project.slug}/interviews/{document.pk}/")
    expect(page.locator("#player")).to_have_count(1)
    _screenshots(page, screenshot_dir, "transcript-recording")
    for path, name in (("other-documents", "other-documents"), ("memos", "memos")):
        page.goto(f"{live_server.url}/s/{project.slug}/{path}/")
        _screenshots(page, screenshot_dir, name)


def _screenshots(page, folder, name):
    for width in (390, 1366):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(folder / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
