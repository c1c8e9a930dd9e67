"""A lead logs in, creates the template study, reads it, and switches language."""

import re

from playwright.sync_api import expect

from tests.conftest import PASSWORD


def test_it_creates_and_shows_the_template_study_in_both_languages(page, live_server, outsider):
    page.goto(f"{live_server.url}/account/login/")  # the login form itself; other tests sign in by cookie
    page.get_by_label("Brukernavn").fill(outsider.username)
    page.get_by_label("Passord").fill(PASSWORD)
    page.get_by_role("button", name="Logg inn").click()
    page.wait_for_url(f"{live_server.url}/")
    page.get_by_role("link", name="Ny studie").click()
    page.get_by_label("Navn på studien").fill("Fylkeskommunenes integreringsarbeid")
    page.get_by_role("radio", name=re.compile("Fylkeskommunenes integreringsarbeid")).check()
    page.get_by_role("button", name="Opprett studie").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Fylkeskommunenes integreringsarbeid")
    page.get_by_role("navigation", name="Studie").get_by_role("link", name="Kodebok").click()
    expect(page.locator("#themes tbody tr")).to_have_count(17)
    expect(page.locator("#themes")).to_contain_text("Arbeidsinnvandrere")

    page.get_by_role("link", name="Fylker").click()
    expect(page.locator("#counties tbody tr")).to_have_count(15)
    expect(page.locator("#counties tbody tr:not(.muted)")).to_have_count(11)

    page.get_by_role("link", name="Planregister").click()
    expect(page.locator("#plans tbody tr")).to_have_count(43)

    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("link", name="Plan register")).to_be_visible()
    expect(page.locator("#plans tbody tr")).to_have_count(43)
    page.get_by_role("navigation", name="Study").get_by_role("link", name="Codebook").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Codebook")

    page.get_by_role("button", name="Norsk").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kodebok")


def test_it_works_from_the_keyboard(page, live_server, login, project, lead):
    login(lead)
    page.goto(f"{live_server.url}/")
    page.keyboard.press("Tab")
    expect(page.locator(".skip-link")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.locator(".brand")).to_be_focused()
    # Tab to the study card's link and open it with Enter.
    page.locator(f'a[href="/s/{project.slug}/"]').focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(project.name)


def test_screenshots_of_dashboard_and_codebook(page, live_server, login, project, lead, screenshot_dir):
    login(lead)
    page.goto(f"{live_server.url}/s/{project.slug}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(project.name)
    page.screenshot(path=screenshot_dir / "dashboard.png", full_page=True)
    page.goto(f"{live_server.url}/s/{project.slug}/codebook/")
    expect(page.locator("#themes tbody tr")).to_have_count(17)
    page.screenshot(path=screenshot_dir / "codebook.png", full_page=True)
    for name in ["dashboard.png", "codebook.png"]:
        assert (screenshot_dir / name).stat().st_size > 10_000


def test_a_locked_login_says_so_and_the_lead_unlocks_it(browser, page, live_server, login, project, lead, analyst):
    # A context of its own: the lockout answers 429, which the browser reports on the console.
    context = browser.new_context(locale="nb-NO")
    stranger = context.new_page()
    stranger.goto(f"{live_server.url}/account/login/")
    for _ in range(5):
        stranger.get_by_label("Brukernavn").fill(analyst.username)
        stranger.get_by_label("Passord").fill("feil-passord")
        stranger.get_by_label("Passord").press("Enter")  # by keyboard
        stranger.wait_for_load_state()
    expect(stranger.get_by_role("alert")).to_contain_text("Innloggingen er sperret i 15 minutter.")
    expect(stranger.get_by_role("button", name="Logg inn")).to_be_visible()
    context.close()
    login(lead)
    page.goto(f"{live_server.url}/s/{project.slug}/members/")
    expect(page.get_by_text("Sperret etter for mange feil passord")).to_be_visible()
    page.get_by_role("button", name="Lås opp").click()
    expect(page.get_by_text(f"{analyst.username} kan logge inn igjen.")).to_be_visible()
    expect(page.get_by_role("button", name="Lås opp")).to_have_count(0)
