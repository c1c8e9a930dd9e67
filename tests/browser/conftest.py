"""Real Chromium through Playwright against Django's live server.

Debian's Chromium is used (never a downloaded browser): its headless shell
/usr/bin/chromium-headless-shell where installed, else /usr/bin/chromium. In CI a missing browser
fails the run; on a developer machine the tests are skipped with the reason printed.
"""

import os
from pathlib import Path

import pytest
from django.conf import settings

from tests.conftest import SignedInClient

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make
# between browser steps are synchronous and safe there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))  # bench/shared.py measures in it
# The same engine without the browser's own interface (Debian's chromium-headless-shell, Playwright's own
# choice for headless runs): the full browser starts a renderer for its toolbar's web UI in each window and
# took 31 s of CPU where the shell took 11 s, for the same twelve tests. CHROMIUM=/path picks a browser.
HEADLESS_SHELL = Path("/usr/bin/chromium-headless-shell")
TEST_BROWSER = CHROMIUM if "CHROMIUM" in os.environ or not HEADLESS_SHELL.exists() else HEADLESS_SHELL
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(autouse=True)
def _quick_polls(settings):
    # The coding view asks for colleagues' changes every second here, not every three.
    settings.KODEVERK_CHANGES_POLL_SECONDS = 1


@pytest.fixture(scope="session")
def browser():
    if not TEST_BROWSER.exists():
        reason = (f"Chromium is not installed at {TEST_BROWSER} "
                  "(apt-get install chromium-headless-shell; .ci/run does it)")
        if os.environ.get("CI"):
            pytest.fail(f"{reason}: browser tests must run in CI")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(TEST_BROWSER), args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    yield page
    context.close()
    assert errors == [], f"the page reported errors: {errors}"


@pytest.fixture
def login(page, live_server):
    """Sign the page's browser in as `user` by its session cookie, without loading a page: the login form
    itself is driven in tests/browser/test_foundation.py and test_keyboard_coding.py."""
    def log_in(user):
        client = SignedInClient()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])

    return log_in


@pytest.fixture
def screenshot_dir(tmp_path):
    folder = os.environ.get("KODEVERK_SCREENSHOTS")
    path = Path(folder) if folder else tmp_path
    path.mkdir(parents=True, exist_ok=True)
    return path
