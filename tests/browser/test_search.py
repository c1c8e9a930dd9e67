"""Search «innv distrikt», code a hit's sentence, and find the excerpt on the plan's page with its page."""

import re

from playwright.sync_api import expect

from coding.models import Excerpt
from tests.coding.test_search import plan_document


def test_it_codes_a_search_hit_and_shows_it_on_the_plan_page(page, live_server, login, project, analyst):
    document = plan_document(project)
    login(analyst)
    page.goto(f"{live_server.url}/s/{project.slug}/search/")
    page.get_by_label("Søkeord").fill("innv distrikt")
    page.get_by_role("button", name="Søk", exact=True).click()
    expect(page.locator("#search-summary")).to_contain_text("3 treff i 1 dokument")
    hit = page.locator(".hit").filter(has=page.locator("mark", has_text=re.compile("^innvandring$")))
    expect(hit.locator(".where")).to_have_text("s. 2")
    hit.get_by_role("link", name="Kod").click()
    panel = hit.locator(".hit-panel")
    expect(panel.locator("mark.passage")).to_have_text("Planen omtaler innvandring og integrering.")
    panel.get_by_role("button", name="+ setning etter").click()
    expect(panel.locator("mark.passage")).to_have_text(
        "Planen omtaler innvandring og integrering. Mindre kommuner trenger veiledning.")
    panel.get_by_label("Distriktskommuner").check()
    panel.get_by_label("Veiledning av kommuner").check()
    panel.get_by_role("button", name="Kod utdraget").click()
    expect(hit.locator(".hit-panel.coded")).to_contain_text("s. 2")
    excerpt = Excerpt.objects.get()
    assert document.page_at(excerpt.start) == 2
    assert sorted(t.name for t in excerpt.themes.all()) == ["Distriktskommuner", "Veiledning av kommuner"]

    page.goto(f"{live_server.url}/s/{project.slug}/plans/{document.plan_id}/")
    row = page.locator("#plan-excerpts tbody tr")
    expect(row).to_have_count(1)
    expect(row.locator(".page")).to_have_text("2")
    expect(row).to_contain_text("Mindre kommuner trenger veiledning.")
    row.get_by_role("link").click()
    expect(page.locator("#document .seg.target").first).to_be_visible()
