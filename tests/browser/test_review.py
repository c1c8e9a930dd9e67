"""The lead reviews: matrix → a cell's quotes → the quote in its document, a summary, a key quote."""

from playwright.sync_api import expect

from coding.models import Excerpt, ThemeSummary
from coding.services import excerpt_create
from interviews.importers import parse_file
from interviews.services import NewParticipant, transcript_import


def _coded_study(project, analyst):
    themes = {t.name: t for t in project.themes.all()}
    for county, speech in [("Agder", "Vi samarbeider tett med Nav om kvalifisering."),
                           ("Troms", "Bosettingen i små kommuner er krevende.")]:
        parsed = parse_file("t.txt", f"Kari: Innledning.\nOla: {speech}".encode())
        mapping = {"Kari": NewParticipant(label=f"Intervjuer {county}", role="interviewer"),
                   "Ola": NewParticipant(label=f"Informant {county}", role="advisor", field="integration")}
        document = transcript_import(project=project, user=analyst, parsed=parsed, mapping=mapping,
                                     title=f"Gruppeintervju {county}", county=project.counties.get(name=county),
                                     interview_format="group_interview")
        start = document.text.index(speech)
        excerpt_create(document=document, start=start, end=start + len(speech), coder=analyst,
                       themes=[themes["Eksterne samarbeidspartnere" if county == "Agder" else "Distriktskommuner"]])


def test_the_lead_reviews_from_the_matrix(page, live_server, login, project, analyst, lead, screenshot_dir):
    _coded_study(project, analyst)
    login(lead)
    page.goto(f"{live_server.url}/s/{project.slug}/review/matrix/")
    row = page.locator("tr", has=page.get_by_role("rowheader", name="Eksterne samarbeidspartnere"))
    page.screenshot(path=screenshot_dir / "matrix.png", full_page=True)
    row.get_by_role("link", name="1").first.click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Eksterne samarbeidspartnere")
    quote = page.locator("li.quote")
    expect(quote).to_have_count(1)
    expect(quote).to_contain_text("Vi samarbeider tett med Nav om kvalifisering.")
    expect(quote).to_contain_text("Informant Agder")

    page.get_by_role("button", name="Skriv en oppsummering").click()
    page.get_by_role("textbox", name="Oppsummering av temaet").fill("Fylkene samarbeider mest med Nav og IMDi.")
    page.get_by_role("button", name="Lagre").click()
    expect(page.locator(".summary-box .summary-text")).to_contain_text("samarbeider mest med Nav")
    summary = ThemeSummary.objects.get()
    assert (summary.text, summary.updated_by) == ("Fylkene samarbeider mest med Nav og IMDi.", lead)

    quote.get_by_role("button", name="Merk som nøkkelsitat").click()
    expect(quote.locator(".key-badge")).to_be_visible()
    assert Excerpt.objects.get(document__title="Gruppeintervju Agder").is_key
    page.screenshot(path=screenshot_dir / "collection.png", full_page=True)

    quote.locator("a.context").click()
    target = page.locator("#document .seg.target")
    expect(target.first).to_be_visible()
    expect(target).to_have_text(["Vi samarbeider tett med Nav om kvalifisering."])
