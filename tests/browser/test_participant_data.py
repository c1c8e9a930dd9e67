"""The lead deletes a participant's data from the participants page with the keyboard alone, on a phone-sized screen."""

from playwright.sync_api import expect

from interviews.models import Participant
from planner.models import Document
from tests.coding.test_participant_data import SECRET, code, make_interview


def test_the_lead_deletes_a_participants_data_by_keyboard_at_390_px(page, live_server, login, project, lead,
                                                                    analyst, screenshot_dir):
    document = make_interview(project, analyst)
    code(document, SECRET, analyst, list(project.themes.order_by("position")[:1]))
    informant = Participant.objects.get(project=project, label="Informant 1")
    login(lead)
    page.set_viewport_size({"width": 1920, "height": 900})
    page.goto(f"{live_server.url}/s/{project.slug}/participants/")
    page.screenshot(path=screenshot_dir / "participant-data-list-1920.png", full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    page.screenshot(path=screenshot_dir / "participant-data-list-390.png", full_page=True)
    delete = page.get_by_role("link", name="Slett dataene til Informant 1")
    delete.focus()
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Slett dataene til Informant 1")
    expect(page.locator("#erase-counts")).to_contain_text("3 replikker får teksten")
    expect(page.locator("#erase-counts")).to_contain_text("Deltakeren snakker i 1 intervju.")
    expect(page.locator("#erase-counts")).to_contain_text("1 utdrag")
    # Nothing on the page is wider than the phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=screenshot_dir / "participant-erase-390.png", full_page=True)
    page.get_by_role("link", name="Last ned dataene").focus()
    page.keyboard.press("Tab")  # the next stop is the confirmation button
    expect(page.locator("#erase-confirm")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator(".message.success")).to_contain_text("Dataene til «Informant 1» er slettet")
    expect(page.locator("#participant-erased")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=screenshot_dir / "participant-erased-390.png", full_page=True)
    assert SECRET not in Document.objects.get(pk=document.pk).text
    informant.refresh_from_db()
    assert informant.erased_at is not None
