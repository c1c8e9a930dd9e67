"""The watch list in Chromium, from the keyboard: the lead adds a name, loads the municipalities, removes one."""

from playwright.sync_api import expect

from coding.models import WatchName


def test_the_lead_keeps_the_watch_list_from_the_keyboard_with_a_screenshot(page, live_server, login, project, lead,
                                                                          screenshot_dir):
    login(lead)
    page.goto(f"{live_server.url}/s/{project.slug}/")
    page.locator("#watch-list-link").focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server.url}/s/{project.slug}/watch-list/")
    # The study's counties and every county since 2017 (Viken, Hordaland …).
    counties = WatchName.objects.filter(project=project, kind="county").count()
    assert counties > project.counties.count()
    expect(page.locator("#watch-county tbody tr")).to_have_count(counties)
    expect(page.locator("#watch-county")).to_contain_text("Viken")

    form = page.locator("#watch-name-add")
    form.get_by_role("textbox").fill("Kari Nordmann")
    form.get_by_role("combobox").select_option("person")
    form.get_by_role("textbox").press("Enter")
    expect(page.locator("#watch-person")).to_contain_text("Kari Nordmann")
    assert WatchName.objects.filter(project=project, name="Kari Nordmann", kind="person").exists()

    page.locator("#load-municipalities button").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#watch-municipality")).to_contain_text("Kautokeino")
    municipalities = WatchName.objects.filter(project=project, kind="municipality").count()
    assert municipalities > 357  # Sámi and Kven names count on their own

    remove = page.get_by_role("button", name="Fjern: Kari Nordmann")
    remove.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#watch-person")).not_to_contain_text("Kari Nordmann")
    assert not WatchName.objects.filter(project=project, name="Kari Nordmann").exists()
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=screenshot_dir / "watch-list.png", full_page=False)
