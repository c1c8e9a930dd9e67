"""A project lead attaches a PDF to a plan from the plan register and reads it, page by page."""

from playwright.sync_api import expect

from planner.models import Plan
from tests.planner.pdfs import pdf_bytes


def test_it_attaches_a_pdf_to_a_plan_and_reads_it(page, live_server, login, project, lead, tmp_path, screenshot_dir):
    plan = Plan.objects.get(county__project=project, county__name="Trøndelag", plan_type="integration")
    pdf = tmp_path / "temaplan.pdf"
    pdf.write_bytes(pdf_bytes("Side én: integrering av flyktninger", "Side to: bosetting i distriktet",
                              "Side tre: kvalifisering"))
    login(lead)
    page.goto(f"{live_server.url}/")
    page.get_by_role("button", name="English").click()
    page.goto(f"{live_server.url}/s/{project.slug}/plans/")
    page.get_by_role("link", name=plan.title, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(plan.title)
    expect(page.locator("#plan-register")).to_contain_text("Trøndelag")

    page.get_by_label("Choose files").set_input_files(str(pdf))
    expect(page.locator("[data-file-names] li")).to_have_text(["temaplan.pdf"])
    page.get_by_role("button", name="Attach files").click()
    expect(page.locator(".message.success")).to_contain_text("temaplan.pdf")
    row = page.locator("table.plan-documents tbody tr", has_text="temaplan.pdf")
    expect(row.locator(".pages")).to_have_text("3 pages")
    page.screenshot(path=screenshot_dir / "plan.png", full_page=True)

    row.get_by_role("link", name="Temaplan for integrering (temaplan.pdf)").click()
    expect(page.locator("#document-text .page-marker")).to_have_text(["Page 1", "Page 2", "Page 3"])
    expect(page.locator("#page-2 .page-text")).to_have_text("Side to: bosetting i distriktet")
    page.screenshot(path=screenshot_dir / "plan_document.png", full_page=True)

    page.locator(".meta").get_by_role("link", name="Trøndelag").click()
    card = page.locator(f"#plan-{plan.pk}")
    expect(card.locator(".pages")).to_have_text("3 pages")
    expect(page.locator(".plan-group h2").first).to_have_text("Knowledge base")
    page.screenshot(path=screenshot_dir / "county.png", full_page=True)
