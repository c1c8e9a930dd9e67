"""A 3-hour-scale transcript in real Chromium: the coding view loads its windows as the reader
scrolls, a passage in the last window is coded, and a search hit there opens the right turn."""

import re

import pytest
from playwright.sync_api import expect

from coding.models import Excerpt
from coding.services import excerpt_create
from interviews.models import Turn
from tests.browser.test_coding import POINT_AT, _drag
from tests.long_transcript import CLOSING, long_transcript

IN_VIEW = """(el) => { const r = el.getBoundingClientRect();
  return r.bottom > 0 && r.top < window.innerHeight; }"""


def _in_view(page, selector):
    """Wait until the first element `selector` finds is on the screen (the scroll follows a window's load)."""
    check = "(s) => { const el = document.querySelector(s); return el && (" + IN_VIEW + ")(el); }"
    page.wait_for_function(check, arg=selector, timeout=5000)


@pytest.mark.slow
def test_it_scrolls_to_the_end_codes_there_and_follows_a_search_hit(page, live_server, login, project, analyst,
                                                                     lead):
    document = long_transcript(project, analyst, cues=900)
    text = document.text
    last = Turn.objects.filter(document=document).order_by("-position").first()
    login(analyst)
    page.goto(f"{live_server.url}/s/{project.slug}/documents/{document.pk}/code/")
    rows = page.locator("#document .row")
    first_window = rows.count()
    assert 0 < first_window < len(text.split("\n")) / 3
    expect(page.locator(f"#row-{last.start}")).to_have_count(0)

    # Scroll to the end: each revealed edge loads the next window.
    for _ in range(40):
        if page.locator(f"#row-{last.start}").count():
            break
        page.mouse.wheel(0, 20_000)
        page.wait_for_timeout(150)
    expect(page.locator(f"#row-{last.start}")).to_be_attached()
    expect(page.locator("#document .window-edge")).to_have_count(0)
    assert rows.count() == len(text.split("\n"))

    # Code a passage in the last window with the mouse.
    start = text.index("rapportutkastet")
    end = start + len("rapportutkastet til dere")
    page.locator(f"#row-{last.start}").scroll_into_view_if_needed()
    assert page.evaluate(POINT_AT, start)
    _drag(page, start, end)
    expect(page.locator("#picker-filter")).to_be_focused()
    page.keyboard.press("1")
    page.keyboard.press("Enter")
    expect(page.locator("#excerpt-panel .excerpt-text")).to_have_text("rapportutkastet til dere")
    excerpt = Excerpt.objects.get()
    assert (excerpt.start, excerpt.end) == (start, end)
    assert text[excerpt.start:excerpt.end] == "rapportutkastet til dere"
    expect(page.locator(f"#row-{last.start} .seg.coded")).to_have_text(["rapportutkastet til dere"])

    # Undo from a fresh page (the first window only) lands on the place, loading its window.
    page.goto(f"{live_server.url}/s/{project.slug}/documents/{document.pk}/code/")
    expect(page.locator(f"#row-{last.start}")).to_have_count(0)
    page.get_by_role("button", name="Angre").click()
    expect(page.locator("#excerpt-panel")).to_contain_text("Angret")
    expect(page.locator(f"#row-{last.start} .seg.target").first).to_be_visible()
    _in_view(page, f"#row-{last.start} .seg.target")
    expect(page.locator(f"#row-{last.start} .seg.coded")).to_have_count(0)
    assert not Excerpt.objects.exists()

    # A search hit in the last window opens that window at the right turn.
    page.goto(f"{live_server.url}/s/{project.slug}/search/")
    page.get_by_label("Søkeord").fill("rapportutkast")
    page.get_by_role("button", name="Søk", exact=True).click()
    hit = page.locator(".hit")
    expect(hit).to_have_count(1)
    hit.locator("a.context").click()
    page.wait_for_url(re.compile(r"\?at=\d+#at-"))
    target = page.locator("#document .seg.target")
    expect(target.first).to_be_visible()
    _in_view(page, "#document .seg.target")
    expect(page.locator(f"#row-{last.start} .seg.target").first).to_contain_text("rapportutkast")
    assert CLOSING.startswith(text[last.speech_start:last.speech_start + 10])
    expect(page.locator("#row-0")).to_have_count(0)

    # A colleague codes the first paragraph, not loaded here: the poll's row for it is dropped quietly.
    change = excerpt_create(document=document, start=last.speech_start, end=last.speech_start + 4, coder=lead,
                            themes=[project.themes.first()])
    excerpt_create(document=document, start=text.index(" ", 20), end=text.index(" ", 40), coder=lead,
                   themes=[project.themes.first()])
    expect(page.locator(f'#document [data-ex~="{change.pk}"]').first).to_be_attached(timeout=8000)
    page.wait_for_timeout(1500)  # another poll (every second here), after the second write

    # Earlier text loads upward on request.
    before = rows.count()
    page.locator("#document .window-edge.earlier button").click()
    expect(rows).not_to_have_count(before)


@pytest.mark.slow
def test_both_pages_fit_from_390_to_1920_pixels(page, live_server, login, project, analyst, screenshot_dir):
    document = long_transcript(project, analyst, cues=600)
    login(analyst)
    turns = document.turns.count()
    for width in (390, 1920):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{live_server.url}/s/{project.slug}/interviews/{document.pk}/?at={len(document.text) // 2}")
        expect(page.locator("#transcript .turn.target")).to_be_visible()
        expect(page.locator("#transcript .window-edge.earlier")).to_be_visible()
        page.screenshot(path=screenshot_dir / f"transcript-{width}.png")
        for _ in range(10):  # «show earlier turns» until the first turn
            if page.locator("#turn-0").count():
                break
            shown = page.locator("#transcript .turn").count()
            page.locator("#transcript .window-edge.earlier button").click()
            expect(page.locator("#transcript .turn")).not_to_have_count(shown)  # the earlier window is in
        expect(page.locator("#transcript .window-edge.earlier")).to_have_count(0)
        page.mouse.wheel(0, 200_000)
        expect(page.locator("#transcript .turn")).to_have_count(turns)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.goto(f"{live_server.url}/s/{project.slug}/documents/{document.pk}/code/")
        expect(page.locator("#document .window-edge.later")).to_be_attached()
        page.screenshot(path=screenshot_dir / f"coding-long-{width}.png")
        page.mouse.wheel(0, 60_000)
        page.wait_for_timeout(300)
        page.screenshot(path=screenshot_dir / f"coding-long-{width}-scrolled.png")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        middle = document.text.index("\n", len(document.text) // 2) + 1
        page.goto(f"{live_server.url}/s/{project.slug}/documents/{document.pk}/code/?at={middle}")
        expect(page.locator("#document .window-edge.earlier")).to_be_attached()
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=screenshot_dir / f"coding-long-{width}-at.png")
