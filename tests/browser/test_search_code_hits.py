"""Code every hit of a query as sentences: a preview, the batch, the skipped hits, one undo."""

from playwright.sync_api import expect

from coding.models import Change, Excerpt
from coding.services import excerpt_create
from tests.coding.test_search import plan_document

PAGE = ("Innvandring og innvandringspolitikk henger sammen. Mange arbeidsinnvandrere kom i fjor. "
        "Innvandrere bosetter seg i byene.")


def test_it_codes_all_hits_as_sentences_skips_coded_ones_and_undoes_the_batch(page, live_server, login, project,
                                                                              analyst, screenshot_dir):
    document = plan_document(project, pages=[PAGE])
    theme = project.themes.get(name="Arbeidsinnvandrere")
    start = document.text.index("Innvandrere bosetter")
    excerpt_create(document=document, start=start, end=document.text.index("byene.") + 6, coder=analyst,
                   themes=[theme])
    login(analyst)
    page.goto(f"{live_server.url}/s/{project.slug}/search/?q=innv")
    expect(page.locator("#search-summary")).to_contain_text("4 treff i 1 dokument")
    page.get_by_text("Kod treffene").click()
    form = page.locator("#code-hits")
    form.get_by_label("Arbeidsinnvandrere").check()
    form.locator("select[name=unit]").select_option("sentence")
    form.get_by_role("button", name="Vis hva det blir").click()
    expect(page.locator("#hits-preview")).to_have_text(
        "4 treff: 2 utdrag blir laget, 1 treff hoppes over (allerede kodet med temaet).")
    for width in (1366, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=screenshot_dir / f"search-code-hits-{width}.png", full_page=True)
    page.get_by_role("button", name="Lag 2 utdrag").click()
    expect(page.locator("#hits-coded")).to_have_text("2 utdrag laget; 1 treff hoppet over (allerede kodet med temaet).")
    made = Excerpt.objects.filter(document=document).exclude(start=start).order_by("start")
    assert [e.text() for e in made] == ["Innvandring og innvandringspolitikk henger sammen.",
                                        "Mange arbeidsinnvandrere kom i fjor."]
    assert all(list(e.themes.all()) == [theme] for e in made)
    assert Change.objects.filter(action=Change.Action.HITS_CODED).count() == 1

    page.get_by_role("button", name="Angre").click()
    expect(page.locator("#hits-undone")).to_have_text("2 utdrag fjernet.")
    assert list(Excerpt.objects.filter(document=document).values_list("start", flat=True)) == [start]
