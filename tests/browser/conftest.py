"""Real Chromium through Playwright against Django's live server.

Debian's Chromium is used (never a downloaded browser): its headless shell
/usr/bin/chromium-headless-shell where installed, else /usr/bin/chromium. In CI a missing browser
fails the run; on a developer machine the tests are skipped with the reason printed.
"""

import contextlib
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
def browser(django_db_setup):
    # The test database first: Playwright runs an event loop in this thread, and a connection asked for
    # inside it is another object (asgiref's context-local storage) than the one tests/template_db.py set up
    # to copy the migrated template and to drop the copy WITH (FORCE).
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


VIEWPORT = {"width": 1280, "height": 900}
_failed = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.failed:
        item.stash[_failed] = True
    return report


class _Tab:
    """One browser context and page per test process, handed from test to test with nothing of the last one left.

    A new context costs Chromium a renderer process and its start, some 0.12 s of CPU; a navigation in the same
    page half as much. Between tests the page goes back to about:blank (the last page's polls stop), its
    cookies (the sign-in) and the site's local and session storage are cleared, the viewport, the default
    timeout, the routes, held keys and buttons and any other tab are put back. After a test that failed, the
    context is thrown away and the next test gets a new one. A test that changes what this cannot undo (an
    init script) takes `own_page`."""

    def __init__(self, browser):
        self.browser, self.page = browser, None

    def open(self):
        if self.page is None or self.page.is_closed():
            self.page = _prepared(self.browser.new_context(viewport=VIEWPORT, locale="en-US").new_page())
        return self.page

    def hand_on(self, item, origin):
        if item.stash.get(_failed, False) or self.page.is_closed():
            self.close()
            return
        page = self.page
        try:
            for other in page.context.pages:
                if other is not page:
                    other.close()
            page.unroute_all(behavior="ignoreErrors")
            if page.url.startswith(origin):
                # The page itself goes to about:blank, which keeps the site's origin and so its renderer process:
                # a goto from outside would end in a new one, and so would the next test's first page (the
                # site's Cross-Origin-Opener-Policy sets it apart from a blank page opened by the browser).
                # After the evaluation has returned, which a navigation under way would cut short. The site's
                # storage is cleared from the blank page, after anything the last page wrote as it went.
                page.evaluate("() => { setTimeout(() => location.replace('about:blank')) }")
                page.wait_for_url("about:blank")
                page.evaluate("() => { localStorage.clear(); sessionStorage.clear() }")
            elif page.url != "about:blank":
                page.goto("about:blank")
            page.context.clear_cookies()
            page.set_viewport_size(VIEWPORT)
            page.set_default_timeout(10_000)
            for key in ("Shift", "Control", "Alt", "Meta"):
                page.keyboard.up(key)
            page.mouse.up()
        except Exception:
            self.close()
            raise

    def close(self):
        if self.page is not None:
            self.page.context.close()
            self.page = None


def _prepared(page):
    page.set_default_timeout(10_000)
    _screenshots_of_a_drawn_page(page, full_page=bool(os.environ.get("KODEVERK_SCREENSHOTS")))
    return page


@contextlib.contextmanager
def _no_page_errors(page):
    """The test fails if its page threw an error or logged one to the console."""
    errors = []

    def on_error(error):
        errors.append(str(error))

    def on_console(message):
        if message.type == "error":
            errors.append(message.text)

    page.on("pageerror", on_error)
    page.on("console", on_console)
    try:
        yield
    finally:
        page.remove_listener("pageerror", on_error)
        page.remove_listener("console", on_console)
    assert errors == [], f"the page reported errors: {errors}"


@pytest.fixture(scope="session")
def _tab(browser, live_server, django_db_setup):
    # Made after the test database and the live server, so closed before them.
    tab = _Tab(browser)
    yield tab
    tab.close()


@pytest.fixture
def page(request, _tab, live_server):
    """The test process's page (`_Tab`), signed out, at about:blank, 1280 × 900, in English."""
    page = _tab.open()
    try:
        with _no_page_errors(page):
            yield page
    finally:
        _tab.hand_on(request.node, live_server.url)


@pytest.fixture
def own_page(browser, live_server):
    """A page in a context of its own, closed after the test."""
    context = browser.new_context(viewport=VIEWPORT, locale="en-US")
    page = _prepared(context.new_page())
    try:
        with _no_page_errors(page):
            yield page
    finally:
        context.close()


# Resolves once the page has drawn a frame: the first callback runs before the next frame is drawn, the second
# after it.
_NEXT_FRAME = "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"


def _screenshots_of_a_drawn_page(page, full_page):
    """The page's screenshots wait until it has drawn a frame. `goto` returns at the load event, which can come
    before the new document's first frame; Chromium then has no picture to copy and refuses the capture
    («Protocol error (Page.captureScreenshot): Unable to capture screenshot», seen once in CI on a screenshot
    taken straight after a goto).

    Outside `make screenshots` (KODEVERK_SCREENSHOTS), nobody keeps a test's screenshots: they go to its
    tmp_path. There they are of the viewport, even where a test asks for the full page, which Chromium lays out
    and encodes at its whole height: 1.4 s of CPU for a page 30,000 pixels tall against 0.07 s for the
    viewport, some 6 s of CPU in a run. The test takes them all the same."""
    take = page.screenshot

    def screenshot(**options):
        page.evaluate(_NEXT_FRAME)
        return take(**options if full_page else {**options, "full_page": False})

    page.screenshot = screenshot


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
