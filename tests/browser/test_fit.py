"""Review and coding pages that fit the screen: the matrix at 1366 px shows all 15 counties and the totals,
scrolls inside its own frame with a hint when it cannot, and becomes a list per theme on a phone; the
dashboard, the coding view and a quote collection fit 390 px, with the menu behind a keyboard-usable button.

With KODEVERK_SCREENSHOTS set, each page is saved at 1366 px and 390 px (docs/screenshots/)."""

from playwright.sync_api import expect

from coding.models import Coding, Excerpt
from coding.services import excerpt_create
from interviews.importers import parse_file
from interviews.services import NewParticipant, transcript_import
from planner.models import Document

DESKTOP, PHONE = {"width": 1366, "height": 900}, {"width": 390, "height": 844}
PAGE_SCROLL = "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"

SPEECH = ("Vi har en egen plan for kvalifisering av innvandrere, og den henger sammen med den regionale "
          "planstrategien. Kommunene i distriktene ber oss om hjelp med bosetting og med arbeidsinnvandrere "
          "som kommer til fiskeindustrien. ")


def _full_study(project, analyst):
    """All 15 counties in the study, each with excerpts under several themes (one cell in the hundreds)."""
    project.counties.update(in_study=True)
    themes = list(project.themes.order_by("position"))
    documents = [Document.objects.create(project=project, kind="transcript", county=county, title=f"Intervju {county}",
                                         text=SPEECH * 4) for county in project.counties.order_by("name")]
    excerpts, codings = [], []
    for n, document in enumerate(documents):
        for i in range(3 + n % 4 + (120 if n == 0 else 0)):
            start = (i * 7) % 300
            excerpts.append(Excerpt(document=document, start=start, end=start + 40, coder=analyst))
            codings.append(themes[0] if i >= 3 + n % 4 else themes[(n * 5 + i * 3) % len(themes)])
    Excerpt.objects.bulk_create(excerpts)
    Coding.objects.bulk_create(Coding(excerpt=excerpt, theme=theme, document_id=excerpt.document_id)
                               for excerpt, theme in zip(Excerpt.objects.order_by("pk"), codings, strict=True))


def _page_scroll(page, name=""):
    scroll_width, client_width = page.evaluate(PAGE_SCROLL)
    assert scroll_width <= client_width, f"{name} scrolls sideways: {scroll_width} > {client_width}"


def _shoot(page, screenshot_dir, name):
    page.screenshot(path=str(screenshot_dir / f"{name}.png"), full_page=False)


def test_the_matrix_shows_every_county_and_the_totals_at_1366_and_a_list_per_theme_on_a_phone(
        page, live_server, login, project, analyst, viewer, screenshot_dir):
    _full_study(project, analyst)
    counties = list(project.counties.order_by("name"))
    assert len(counties) == 15
    page.set_viewport_size(DESKTOP)
    login(viewer)
    page.goto(f"{live_server.url}/s/{project.slug}/review/matrix/")
    headers = page.locator("#matrix thead th")
    expect(headers).to_have_count(len(counties) + 2)
    _shoot(page, screenshot_dir, "matrix-1366")
    frame = page.locator(".matrix-scroll").bounding_box()
    for index in range(len(counties) + 2):
        box = headers.nth(index).bounding_box()
        assert box["x"] >= frame["x"] and box["x"] + box["width"] <= frame["x"] + frame["width"] + 1, index
    assert page.locator(".matrix-scroll").evaluate("e => e.scrollWidth <= e.clientWidth")
    _page_scroll(page)
    expect(page.locator("#matrix-hint")).to_be_hidden()
    # A long name is shortened, with the whole name to hover and for screen readers.
    expect(page.locator('#matrix thead abbr[title="Møre og Romsdal"]')).to_have_text("Møre og R.")

    # Narrower than the table: it scrolls in its frame, says so, and the theme column stays in place.
    page.set_viewport_size({"width": 900, "height": 900})
    expect(page.locator("#matrix-hint")).to_be_visible()
    expect(page.locator("#matrix-hint")).to_have_text("Rull sidelengs for flere fylker →")
    expect(page.locator(".matrix-frame")).to_have_class("matrix-frame more-right")
    _page_scroll(page)
    theme_cell = page.locator("#matrix tbody th").first
    before = theme_cell.bounding_box()["x"]
    page.locator(".matrix-scroll").evaluate("e => { e.scrollLeft = e.scrollWidth; }")
    expect(page.locator(".matrix-frame")).to_have_class("matrix-frame")  # no fade once at the end
    assert theme_cell.bounding_box()["x"] == before

    page.set_viewport_size(PHONE)
    expect(page.locator("#matrix")).to_be_hidden()
    first = page.locator(".matrix-list-theme").first
    expect(first.get_by_role("heading")).to_contain_text("Planer og strategier")
    expect(first.get_by_role("link", name="Agder")).to_be_visible()
    _page_scroll(page)
    _shoot(page, screenshot_dir, "matrix-390")


def _coded_transcript(project, analyst):
    turns = [f"{'Kari' if n % 2 else 'Ola'}: {SPEECH}" for n in range(8)]
    parsed = parse_file("intervju.txt", "\n".join(turns).encode())
    mapping = {"Kari": NewParticipant(label="Informant 1", role="advisor", field="integration"),
               "Ola": NewParticipant(label="Intervjuer", role="interviewer")}
    document = transcript_import(project=project, user=analyst, parsed=parsed, mapping=mapping,
                                 title="Gruppeintervju Agder", county=project.counties.get(name="Agder"),
                                 interview_format="group_interview")
    theme = project.themes.order_by("position").first()
    for words in ("plan for kvalifisering", "ber oss om hjelp med bosetting"):
        start = document.text.index(words)
        excerpt_create(document=document, start=start, end=start + len(words) + 20, coder=analyst, themes=[theme])
    return document, theme


def test_the_dashboard_coding_view_and_a_quote_collection_fit_a_phone_with_a_menu_button(
        page, live_server, login, project, analyst, lead, screenshot_dir):
    document, theme = _coded_transcript(project, analyst)
    slug = project.slug
    pages = {"dashboard": f"/s/{slug}/", "coding": f"/s/{slug}/documents/{document.pk}/code/",
             "collection": f"/s/{slug}/review/themes/{theme.pk}/"}
    login(lead)
    page.set_viewport_size(PHONE)
    for name, path in pages.items():
        page.goto(live_server.url + path)
        expect(page.locator("main h1")).to_be_visible()
        _shoot(page, screenshot_dir, f"{name}-390")
        _page_scroll(page, name)
        if name == "coding":  # the speech takes the width; time and speaker stand above it
            width = page.locator("#document .para").first.evaluate("(el) => el.getBoundingClientRect().width")
            assert width > 0.8 * PHONE["width"], width

    # The menu: folded away on a phone, opened and closed from the keyboard.
    nav = page.locator("#study-nav")
    button = page.get_by_role("button", name="Meny")
    expect(nav).to_be_hidden()
    expect(button).to_have_attribute("aria-expanded", "false")
    button.focus()
    page.keyboard.press("Enter")
    expect(button).to_have_attribute("aria-expanded", "true")
    expect(nav.get_by_role("link", name="Samforekomst")).to_be_visible()
    expect(nav.get_by_role("link", name="Navneliste")).to_be_visible()  # the lead's
    expect(page.get_by_role("button", name="Logg ut")).to_be_visible()
    _shoot(page, screenshot_dir, "menu-390")
    _page_scroll(page, "the open menu")
    page.keyboard.press("Escape")
    expect(nav).to_be_hidden()
    expect(button).to_be_focused()

    page.set_viewport_size(DESKTOP)
    expect(button).to_be_hidden()
    expect(nav.get_by_role("link", name="Diagrammer")).to_be_visible()
    for name, path in pages.items():
        page.goto(live_server.url + path)
        _page_scroll(page)
        _shoot(page, screenshot_dir, f"{name}-1366")
