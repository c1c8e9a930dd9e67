"""Coding in real Chromium: mouse and keyboard selection, themes, overlaps, memos, undo, two analysts."""

import re

import pytest
from playwright.sync_api import expect

from coding.models import Excerpt
from coding.services import excerpt_create
from interviews.importers import parse_file
from interviews.services import NewParticipant, transcript_import

TRANSCRIPT = (
    "Kari: Vi 😀 har en plan 👩🏽‍🏫 for integrering av innvandrere i distriktene.\n"
    "Ola: Cafe\u0301en i kommunen samarbeider med Nav og IMDi om kvalifisering.\n"
    "Kari: Regionreformen ga oss en bredere rolle."
)

# JavaScript: the viewport point at the left edge of the character at a code-point offset.
POINT_AT = """(offset) => {
  const segs = [...document.querySelectorAll('#document .seg')];
  for (const seg of segs) {
    const start = Number(seg.dataset.o), chars = [...seg.textContent];
    if (offset >= start && offset <= start + chars.length && seg.firstChild) {
      const units = chars.slice(0, offset - start).join('').length;
      const range = document.createRange();
      range.setStart(seg.firstChild, units); range.setEnd(seg.firstChild, units);
      const rect = range.getClientRects()[0] || range.getBoundingClientRect();
      return {x: rect.left + 1, y: rect.top + rect.height / 2};
    }
  }
  return null;
}"""

CARET_AT = """(offset) => {
  for (const seg of document.querySelectorAll('#document .seg')) {
    const start = Number(seg.dataset.o), chars = [...seg.textContent];
    if (offset >= start && offset < start + chars.length) {
      const units = chars.slice(0, offset - start).join('').length;
      document.getElementById('document').focus();
      window.getSelection().collapse(seg.firstChild, units);
      return true;
    }
  }
  return false;
}"""


def _document(project, user):
    parsed = parse_file("intervju.txt", TRANSCRIPT.encode())
    mapping = {s: NewParticipant(label=f"Informant {i + 1}") for i, s in enumerate(parsed.speakers())}
    return transcript_import(project=project, user=user, parsed=parsed, mapping=mapping, title="Intervju Agder",
                             county=project.counties.get(name="Agder"), interview_format="group_interview")


def _drag(page, start, end):
    a = page.evaluate(POINT_AT, start)
    b = page.evaluate(POINT_AT, end)
    page.mouse.move(a["x"], a["y"])
    page.mouse.down()
    page.mouse.move((a["x"] + b["x"]) / 2, b["y"], steps=4)
    page.mouse.move(b["x"], b["y"], steps=4)
    page.mouse.up()


def _open(page, live_server, project, document):
    page.goto(f"{live_server.url}/s/{project.slug}/documents/{document.pk}/code/")
    expect(page.locator("#document .row")).to_have_count(3)


def test_it_codes_a_mouse_selection_after_emoji_with_two_themes(page, live_server, login, project, analyst):
    document = _document(project, analyst)
    login(analyst)
    _open(page, live_server, project, document)
    start = document.text.index("integrering")
    end = document.text.index(" i distriktene")
    _drag(page, start, end)
    expect(page.locator("#picker-filter")).to_be_focused()
    page.keyboard.press("1")
    page.keyboard.press("2")
    page.keyboard.press("Enter")
    expect(page.locator("#excerpt-panel .excerpt-text")).to_have_text("integrering av innvandrere")
    excerpt = Excerpt.objects.get()
    assert document.text[excerpt.start:excerpt.end] == "integrering av innvandrere"
    assert sorted(excerpt.themes.values_list("shortcut_key", flat=True)) == ["1", "2"]
    page.reload()
    expect(page.locator("#document .seg.coded")).to_have_text(["integrering av innvandrere"])
    expect(page.locator("#document .excerpt-chip")).to_have_count(1)


def test_it_codes_a_keyboard_selection_that_crosses_turns(page, live_server, login, project, analyst):
    document = _document(project, analyst)
    login(analyst)
    _open(page, live_server, project, document)
    start = document.text.index("distriktene.")
    assert page.evaluate(CARET_AT, start)
    # Across paragraphs the caret takes steps that are not characters, so grow the selection
    # until it reaches «Café» (é is one grapheme, NFC, in the stored text).
    for _ in range(60):
        page.keyboard.press("Shift+ArrowRight")
        if page.evaluate("() => window.getSelection().toString().endsWith('Café')"):
            break
    page.keyboard.press("Enter")
    expect(page.locator("#picker-filter")).to_be_focused()
    page.keyboard.type("bosett")
    page.keyboard.press("Enter")
    expect(page.locator("#excerpt-panel .excerpt-text")).to_be_visible()
    excerpt = Excerpt.objects.get()
    assert document.text[excerpt.start:excerpt.end] == "distriktene.\nInformant 2: Café"
    assert [t.name for t in excerpt.themes.all()] == ["Bosetting av flyktninger"]


def test_it_keeps_overlaps_apart_edits_a_memo_and_undoes_a_delete(page, live_server, login, project, analyst):
    document = _document(project, analyst)
    themes = list(project.themes.order_by("position"))
    first = document.text.index("plan")
    excerpt_create(document=document, start=first, end=document.text.index(" i distriktene"), coder=analyst,
                   themes=[themes[0]])
    login(analyst)
    _open(page, live_server, project, document)
    # A second, overlapping excerpt.
    _drag(page, document.text.index("innvandrere"), document.text.index("\nInformant 2"))
    expect(page.locator("#picker-filter")).to_be_focused()
    page.keyboard.press("4")
    page.keyboard.press("Enter")
    expect(page.locator("#document .seg.coded.n2")).to_have_text("innvandrere")
    expect(page.locator("#document .row").first.locator(".excerpt-chip")).to_have_count(2)
    assert Excerpt.objects.count() == 2

    # Open the first excerpt from its chip and write a memo.
    page.locator("#document .row").first.locator(".excerpt-chip").first.click()
    expect(page.locator("#excerpt-panel .excerpt-text")).to_contain_text("plan")
    page.get_by_label("Notat").fill("Planen nevnes kort.")
    page.get_by_role("button", name="Lagre").click()
    expect(page.locator("#excerpt-panel .message")).to_have_text("Lagret.")
    assert Excerpt.objects.get(start=document.text.index("plan")).memo == "Planen nevnes kort."

    # Delete it, then bring it back with Ctrl+Z.
    page.get_by_role("button", name="Slett").click()
    expect(page.locator("#excerpt-panel .message")).to_contain_text("slettet")
    assert Excerpt.objects.count() == 1
    page.locator("#document").click()
    page.keyboard.press("Control+z")
    expect(page.locator("#excerpt-panel .message")).to_contain_text("Angret")
    restored = Excerpt.objects.get(start=document.text.index("plan"))
    assert restored.memo == "Planen nevnes kort."
    expect(page.locator("#document .row").first.locator(".excerpt-chip")).to_have_count(2)


@pytest.mark.slow
def test_two_analysts_see_each_other_and_conflicts_are_named(browser, live_server, project, analyst, lead):
    from tests.conftest import PASSWORD

    document = _document(project, analyst)
    pages = []
    for user in (analyst, lead):
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.goto(f"{live_server.url}/account/login/")
        page.get_by_label("Brukernavn").fill(user.username)
        page.get_by_label("Passord").fill(PASSWORD)
        page.get_by_role("button", name="Logg inn").click()
        page.wait_for_url(f"{live_server.url}/")
        _open(page, live_server, project, document)
        pages.append(page)
    one, two = pages
    _drag(one, document.text.index("samarbeider"), document.text.index(" om kvalifisering"))
    expect(one.locator("#picker-filter")).to_be_focused()
    one.keyboard.press("7")
    one.keyboard.press("Enter")
    expect(one.locator("#excerpt-panel .excerpt-text")).to_have_text("samarbeider med Nav og IMDi")
    # The colleague sees it without reloading, within 5 seconds.
    expect(two.locator("#document .seg.coded")).to_have_text(["samarbeider med Nav og IMDi"], timeout=5000)

    # Both open it; the lead saves first, the analyst's save is refused with a message.
    two.locator("#document .excerpt-chip").first.click()
    expect(two.locator("#excerpt-panel .excerpt-form")).to_be_visible()
    one.get_by_label("Notat").fill("Analytikerens notat")
    two.get_by_label("Notat").fill("Prosjektlederens notat")
    two.get_by_role("button", name="Lagre").click()
    expect(two.locator("#excerpt-panel .message")).to_have_text("Lagret.")
    one.get_by_role("button", name="Lagre").click()
    expect(one.locator("#excerpt-panel .message")).to_contain_text(re.compile("Noen andre endret"))
    assert Excerpt.objects.get().memo == "Prosjektlederens notat"
    for page in pages:
        page.context.close()


def test_the_lead_merges_two_themes(page, live_server, login, project, analyst, lead):
    document = _document(project, analyst)
    themes = {t.name: t for t in project.themes.all()}
    start = document.text.index("samarbeider")
    excerpt_create(document=document, start=start, end=start + 11, coder=analyst,
                   themes=[themes["Internt samarbeid"]])
    login(lead)
    page.goto(f"{live_server.url}/s/{project.slug}/codebook/")
    page.get_by_role("link", name="Slå sammen temaer").click()
    page.get_by_label("Slå sammen dette temaet").select_option(label="Internt samarbeid")
    page.get_by_label("inn i dette temaet").select_option(label="Eksterne samarbeidspartnere")
    page.get_by_role("button", name="Slå sammen").click()
    expect(page.locator(".message.success")).to_contain_text("Internt samarbeid")
    expect(page.locator("#themes tr.archived")).to_contain_text("Internt samarbeid")
    assert [t.name for t in Excerpt.objects.get().themes.all()] == ["Eksterne samarbeidspartnere"]
    # The picker no longer offers the merged theme.
    _open(page, live_server, project, document)
    _drag(page, document.text.index("Regionreformen"), document.text.index(" ga oss"))
    expect(page.locator("#picker-filter")).to_be_focused()
    expect(page.locator("#picker-list")).not_to_contain_text("Internt samarbeid")


def test_screenshots_of_the_coding_view(page, live_server, login, project, analyst, screenshot_dir):
    document = _document(project, analyst)
    themes = list(project.themes.order_by("position"))
    text = document.text
    excerpt_create(document=document, start=text.index("plan"), end=text.index(" i distriktene"), coder=analyst,
                   themes=[themes[0], themes[3]])
    excerpt_create(document=document, start=text.index("innvandrere"), end=text.index("\nInformant 2"),
                   coder=analyst, themes=[themes[12]], memo="Bosetting i distriktene")
    excerpt_create(document=document, start=text.index("samarbeider"), end=text.index(" om kvalifisering"),
                   coder=analyst, themes=[themes[6]])
    login(analyst)
    _open(page, live_server, project, document)
    page.locator("#document .excerpt-chip").nth(1).click()
    expect(page.locator("#excerpt-panel .excerpt-text")).to_be_visible()
    page.screenshot(path=screenshot_dir / "coding-overlaps.png", full_page=True)
    _drag(page, text.index("Regionreformen"), text.index(" ga oss"))
    expect(page.locator("#picker-filter")).to_be_focused()
    page.keyboard.type("re")
    page.screenshot(path=screenshot_dir / "coding-picker.png", full_page=True)
    assert (screenshot_dir / "coding-picker.png").stat().st_size > 10_000
