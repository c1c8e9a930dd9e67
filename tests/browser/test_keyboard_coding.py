"""The coding view by keyboard alone in real Chromium: the caret stands only in speech, moves by word,
sentence and turn, codes three passages (one across two turns) with no mouse event at all, and
changes an excerpt's boundaries by keyboard and by mouse without the picker opening."""

import re
import time

from playwright.sync_api import expect

from coding.models import Excerpt
from coding.services import excerpt_create
from interviews.models import Turn
from tests.browser.test_coding import _drag
from tests.conftest import PASSWORD
from tests.long_transcript import long_transcript

# Counts every mouse and pointer event the page sees (none must come in a keyboard-only session).
COUNT_MOUSE = """() => {
  window.mouseEvents = 0;
  for (const name of ["mousedown", "mouseup", "click", "pointerdown", "pointerup", "dblclick"]) {
    window.addEventListener(name, (event) => { if (event.isTrusted) window.mouseEvents++; }, true);
  }
}"""

# Notes whether the theme picker ever opens.
PICKER_WATCH = """(el) => new MutationObserver(() => { if (!el.hidden) window.pickerOpened = true; })
  .observe(el, {attributes: true})"""

# The offsets of the selection (anchor, focus) as the server counts them: code points of Document.text.
SELECTION = """() => {
  const sel = window.getSelection();
  const at = (node, offset) => {
    const seg = node.nodeType === Node.TEXT_NODE ? node.parentElement : node;
    return Number(seg.dataset.o) + [...node.textContent.slice(0, offset)].length;
  };
  return sel.rangeCount ? [at(sel.anchorNode, sel.anchorOffset), at(sel.focusNode, sel.focusOffset)] : null;
}"""


def _selection(page, expected):
    """Wait until the selection is [anchor, focus] == `expected`."""
    check = "(x) => { const s = (" + SELECTION + ")(); return s && s[0] === x[0] && s[1] === x[1]; }"
    try:
        page.wait_for_function(check, arg=expected, timeout=5000)
    except Exception:
        raise AssertionError(f"the selection is {page.evaluate(SELECTION)}, not {expected}") from None


def _caret(page, offset, *, end_only=False):
    """Wait until the caret (or, with `end_only`, the moving end of the selection) stands at `offset`."""
    check = "(x) => { const s = (" + SELECTION + ")(); return s && s[1] === x[0] && (x[1] || s[0] === x[0]); }"
    try:
        page.wait_for_function(check, arg=[offset, end_only], timeout=5000)
    except Exception:
        raise AssertionError(f"the selection is {page.evaluate(SELECTION)}, not at {offset}") from None


def _login_by_keyboard(page, live_server, user):
    page.goto(f"{live_server.url}/account/login/")
    page.get_by_label("Brukernavn").fill(user.username)
    page.get_by_label("Passord").fill(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/")


def _speech_starts(document):
    return {t.start: t.speech_start for t in Turn.objects.filter(document=document)}


def _assert_starts_at_speech(document, excerpt):
    turn = Turn.objects.holding(excerpt.start, document=document).first()
    assert turn.speech_start <= excerpt.start < turn.end, "the excerpt starts in a label"
    assert not re.match(r"(Informant \d+|Intervjuer):", document.text[excerpt.start:excerpt.end])


def _code(page, key):
    """Enter on the selection, a theme by its digit, Enter: then the excerpt is stored, and the caret is back
    in the text. (The panel of the excerpt before is still on screen: it tells nothing.)"""
    stored = Excerpt.objects.count()
    page.keyboard.press("Enter")
    expect(page.locator("#picker-filter")).to_be_focused(timeout=10_000)
    box, height = page.locator("#picker").bounding_box(), page.viewport_size["height"]
    assert 0 <= box["y"] and box["y"] + box["height"] <= height, "the picker opens inside the screen"
    page.keyboard.press(key)
    page.keyboard.press("Enter")
    deadline = time.monotonic() + 10
    while Excerpt.objects.count() == stored:
        assert time.monotonic() < deadline, "no excerpt was stored within 10 s"
        page.wait_for_timeout(50)
    expect(page.locator("#excerpt-panel .excerpt-text")).to_be_visible()
    expect(page.locator("#document")).to_be_focused()


def test_three_passages_coded_with_the_keyboard_alone(own_page, live_server, project, analyst, screenshot_dir):
    page = own_page  # its init script (below) would stay in a page handed on to the next test
    document = long_transcript(project, analyst, cues=400)
    turns = list(Turn.objects.filter(document=document).order_by("start"))
    text = document.text
    page.add_init_script(f"({COUNT_MOUSE})()")
    _login_by_keyboard(page, live_server, analyst)
    page.goto(f"{live_server.url}/s/{project.slug}/documents/{document.pk}/code/")

    # The page opens with the caret in the text, at the first speech (not on a label or a time code).
    expect(page.locator("#document")).to_be_focused()
    _caret(page, turns[0].speech_start)

    # A character at a time: the caret steps from the end of one turn's speech to the next one's speech.
    end_of_first = turns[0].end
    page.keyboard.press("Alt+ArrowRight")
    for _ in range(200):
        if page.evaluate(SELECTION)[1] >= end_of_first:
            break
        page.keyboard.press("Alt+ArrowRight")
    _caret(page, end_of_first, end_only=True)
    page.keyboard.press("ArrowRight")
    _caret(page, turns[1].speech_start)
    page.keyboard.press("ArrowLeft")
    _caret(page, end_of_first)
    expect(page.locator("#caret-status")).to_contain_text(turns[0].participant.label)

    # 1: three words at the start of the third turn.
    page.keyboard.press("Alt+ArrowDown")
    page.keyboard.press("Alt+ArrowDown")
    _caret(page, turns[2].speech_start, end_only=True)
    for _ in range(3):
        page.keyboard.press("Control+Shift+ArrowRight")
    _code(page, "1")
    first = Excerpt.objects.get()
    assert first.start == turns[2].speech_start
    assert len(text[first.start:first.end].split()) == 3
    _caret(page, first.end)  # right after the new excerpt

    # 2: from the fifth turn's speech across into the sixth: two words of it.
    page.keyboard.press("Alt+ArrowDown")
    page.keyboard.press("Alt+ArrowDown")
    page.keyboard.press("Alt+ArrowDown")
    _caret(page, turns[5].speech_start, end_only=True)
    page.keyboard.press("Alt+ArrowUp")
    _caret(page, turns[4].speech_start, end_only=True)
    page.keyboard.press("Shift+Alt+ArrowDown")
    page.keyboard.press("Control+Shift+ArrowRight")
    page.keyboard.press("Control+Shift+ArrowRight")
    _code(page, "2")
    expect(page.locator("#excerpt-panel .meta")).to_contain_text("over 2 taleturer")
    second = Excerpt.objects.exclude(pk=first.pk).get()
    assert second.start == turns[4].speech_start
    assert turns[5].speech_start < second.end < turns[5].end  # across two turns, into the speech
    assert len(text[turns[5].speech_start:second.end].split()) == 2

    # 3: the first sentence of the eighth turn.
    page.keyboard.press("Alt+ArrowDown")
    page.keyboard.press("Alt+ArrowDown")
    _caret(page, turns[7].speech_start, end_only=True)
    page.keyboard.press("Shift+Alt+ArrowRight")
    _code(page, "3")
    third = Excerpt.objects.exclude(pk__in=[first.pk, second.pk]).get()
    assert third.start == turns[7].speech_start
    assert re.search(r"[.!?…]$", text[third.start:third.end])

    for excerpt in (first, second, third):
        _assert_starts_at_speech(document, excerpt)
    assert page.evaluate("window.mouseEvents") == 0
    page.screenshot(path=screenshot_dir / "coding-keyboard.png")


def test_a_selection_of_labels_alone_gets_a_message_and_the_keys_are_listed(page, live_server, login, project,
                                                                         analyst):
    document = long_transcript(project, analyst, cues=40)
    turn = Turn.objects.filter(document=document).order_by("start")[1]
    login(analyst)
    page.goto(f"{live_server.url}/s/{project.slug}/documents/{document.pk}/code/")
    # The label of the second turn, selected from script (as assistive technology may): Enter says why nothing opens.
    page.evaluate("""(start) => {
      const label = document.querySelector(`#row-${start} .seg.label`);
      window.getSelection().selectAllChildren(label);
    }""", turn.start)
    page.locator("#document").press("Enter")
    expect(page.locator("#caret-status")).to_have_text(re.compile("ingen tale"))
    expect(page.locator("#picker")).to_be_hidden()
    page.locator("#document").press("?")
    expect(page.locator("#keys-help")).to_be_visible()
    expect(page.locator("#keys-help")).to_contain_text("Alt+B")
    page.keyboard.press("Escape")
    expect(page.locator("#keys-help")).to_be_hidden()
    expect(page.locator("#document")).to_be_focused()
    # Alt+T brings the caret back to the text from anywhere on the page.
    page.get_by_role("link", name="Historikk").focus()
    page.keyboard.press("Alt+t")
    expect(page.locator("#document")).to_be_focused()


def test_boundaries_change_by_keyboard_and_by_mouse_without_the_picker(page, live_server, login, project, analyst):
    document = long_transcript(project, analyst, cues=60)
    turns = list(Turn.objects.filter(document=document).order_by("start"))
    text = document.text
    theme = project.themes.order_by("position").first()
    turn = turns[3]
    words = [m.end() + turn.speech_start for m in re.finditer(r"\w+", text[turn.speech_start:turn.end])]
    excerpt = excerpt_create(document=document, start=turn.speech_start, end=words[1], coder=analyst, themes=[theme])
    login(analyst)
    page.goto(f"{live_server.url}/s/{project.slug}/documents/{document.pk}/code/")
    page.locator("#picker").evaluate(PICKER_WATCH)

    # By keyboard: to the excerpt, Enter opens it, Alt+B, one more word at the end, one word less at the start.
    for _ in range(3):
        page.keyboard.press("Alt+ArrowDown")
    page.keyboard.press("Enter")
    expect(page.locator("#excerpt-panel .excerpt-text")).to_be_visible()
    page.keyboard.press("Alt+b")
    expect(page.locator("#excerpt-panel .bounds-editor")).to_be_visible()
    page.keyboard.press("Control+Shift+ArrowRight")
    page.keyboard.press("Tab")
    page.keyboard.press("Control+Shift+ArrowRight")
    start_after = text.index(" ", turn.speech_start) + 1
    expect(page.locator("#excerpt-panel .bounds-preview")).to_have_text(text[start_after:words[2]])
    page.keyboard.press("Enter")
    expect(page.locator("#excerpt-panel .message")).to_have_text("Lagret.")
    expect(page.locator("#excerpt-panel .excerpt-text")).to_have_text(text[start_after:words[2]])
    excerpt.refresh_from_db()
    assert (excerpt.start, excerpt.end) == (start_after, words[2])

    # By mouse: «Change boundaries», select new text away from the handles (the picker stays shut), then drag
    # the end handle to the end of the fifth word, save.
    page.locator("#excerpt-panel .edit-bounds").click()
    inside = words[1] - 2
    _drag(page, inside, words[3])
    expect(page.locator("#excerpt-panel .bounds-preview")).to_have_text(text[inside:words[3]])
    handle = page.locator(".bound-handle.end")
    expect(handle).to_be_visible()
    box = handle.bounding_box()
    target = page.evaluate("""(offset) => {
      for (const seg of document.querySelectorAll('#document .seg')) {
        const start = Number(seg.dataset.o), chars = [...seg.textContent];
        if (offset >= start && offset <= start + chars.length && seg.firstChild) {
          const range = document.createRange();
          const units = chars.slice(0, offset - start).join('').length;
          range.setStart(seg.firstChild, units); range.setEnd(seg.firstChild, units);
          const rect = range.getClientRects()[0];
          return {x: rect.left + 1, y: rect.top + rect.height / 2};
        }
      }
    }""", words[4])
    page.mouse.move(box["x"] + 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(target["x"], target["y"], steps=6)
    page.mouse.up()
    expect(page.locator("#excerpt-panel .bounds-preview")).to_have_text(text[inside:words[4]])
    page.locator("#excerpt-panel .bounds-save").click()
    expect(page.locator("#excerpt-panel .excerpt-text")).to_have_text(text[inside:words[4]])
    excerpt.refresh_from_db()
    assert (excerpt.start, excerpt.end) == (inside, words[4])
    assert page.evaluate("window.pickerOpened === undefined")  # the picker never opened


def test_a_colleagues_change_in_the_same_turn_leaves_the_selection_where_it_was(page, live_server, login, project,
                                                                               analyst, lead):
    document = long_transcript(project, analyst, cues=20)
    turn = Turn.objects.filter(document=document).order_by("start")[1]
    login(analyst)
    page.goto(f"{live_server.url}/s/{project.slug}/documents/{document.pk}/code/")
    page.keyboard.press("Alt+ArrowDown")
    page.keyboard.press("Control+Shift+ArrowRight")
    selected = page.evaluate(SELECTION)
    assert selected[0] == turn.speech_start and selected[1] > selected[0]
    # A colleague codes the end of the same turn; the poll replaces the row the selection is in.
    theme = project.themes.order_by("position").first()
    excerpt = excerpt_create(document=document, start=turn.end - 5, end=turn.end, coder=lead, themes=[theme])
    expect(page.locator(f'#row-{turn.start} [data-ex~="{excerpt.pk}"]')).to_be_attached()
    _selection(page, selected)  # given back once the new row has settled
