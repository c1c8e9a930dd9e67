"""The browser tests' own harness (tests/browser/conftest.py)."""


def test_a_screenshot_waits_for_the_page_to_be_drawn(page, live_server, tmp_path):
    # Straight after a navigation is committed the new document has drawn nothing, and Chromium refused one
    # capture in ten or more there («Unable to capture screenshot»). A goto that waits for the load event
    # narrows that window without closing it: CI met it once. A small window, to be quick.
    page.set_viewport_size({"width": 390, "height": 200})
    for _ in range(30):
        page.goto(f"{live_server.url}/account/login/", wait_until="commit")
        page.screenshot(path=tmp_path / "drawn.png")
