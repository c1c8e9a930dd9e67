"""The browser tests' own harness (tests/browser/conftest.py)."""

from tests.browser.conftest import VIEWPORT


def test_a_screenshot_waits_for_the_page_to_be_drawn(page, live_server, tmp_path):
    # Straight after a navigation is committed the new document has drawn nothing, and Chromium refused one
    # capture in ten or more there («Unable to capture screenshot»). A goto that waits for the load event
    # narrows that window without closing it: CI met it once. A small window, to be quick.
    page.set_viewport_size({"width": 390, "height": 200})
    for _ in range(15):
        page.goto(f"{live_server.url}/account/login/", wait_until="commit")
        page.screenshot(path=tmp_path / "drawn.png")


def _renderers(browser):
    session = browser.new_browser_cdp_session()
    try:
        return {process["id"] for process in session.send("SystemInfo.getProcessInfo")["processInfo"]
                if process["type"] == "renderer"}
    finally:
        session.detach()


def test_a_page_is_handed_on_clean_and_keeps_its_renderer(request, _tab, page, live_server, login, lead):
    login(lead)
    page.goto(f"{live_server.url}/")
    page.evaluate("() => { localStorage.setItem('kept', 'yes'); sessionStorage.setItem('kept', 'yes') }")
    page.set_viewport_size({"width": 390, "height": 500})
    page.keyboard.down("Shift")
    renderers = _renderers(page.context.browser)

    _tab.hand_on(request.node, live_server.url)

    assert _tab.page is page and page.url == "about:blank"
    assert page.context.cookies() == [] and page.viewport_size == VIEWPORT
    page.goto(f"{live_server.url}/account/login/")
    assert page.evaluate("() => [localStorage.getItem('kept'), sessionStorage.getItem('kept')]") == [None, None]
    page.locator("input[name=username]").focus()
    page.keyboard.press("KeyA")
    assert page.locator("input[name=username]").input_value() == "a"  # with Shift still held, «A»
    assert _renderers(page.context.browser) == renderers  # a new renderer costs Chromium some 0.1 s of CPU
