"""A .qdpx imported through the web: the report page, then an imported excerpt opened in the coding view on the
characters the file named (after emoji, which the file counts as one code point each)."""

from playwright.sync_api import expect

from coding.exports.refi import project_archive
from coding.models import Excerpt, ExchangeImport
from tests.coding.refi import demo_study


def test_it_imports_a_study_reads_the_report_and_opens_an_excerpt(page, live_server, login, lead, analyst, tmp_path,
                                                                   screenshot_dir):
    source = demo_study(lead, analyst, name="Originalen")
    path = tmp_path / "studie.qdpx"
    path.write_bytes(project_archive(source).data)
    login(analyst)
    page.goto(f"{live_server.url}/")
    page.locator("a[href='/studies/import/']").click()
    page.locator("#id_name").fill("Importert")
    page.locator("#id_file").set_input_files(str(path))
    page.locator("form.stack button[type=submit]").click()
    page.wait_for_url("**/exchange/reports/**")
    report = ExchangeImport.objects.get(project__name="Importert")
    expect(page.locator(".report-counts")).to_contain_text("5")
    expect(page.locator("#not-stored-heading")).to_be_visible()
    for width in (1366, 390):  # the report fits a phone: no sideways scrolling of the page
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=screenshot_dir / f"refi-report-{width}.png", full_page=True)
        scroll, client = page.evaluate("() => [document.documentElement.scrollWidth, "
                                       "document.documentElement.clientWidth]")
        assert scroll <= client, f"the report scrolls sideways at {width} px"
    first = Excerpt.objects.of_study(report.project).select_related("document").order_by("document__title",
                                                                                         "start").first()
    expected = first.text()
    assert "😀" in expected
    page.locator("tr", has_text=first.document.title).locator("a.first-excerpt").click()
    page.wait_for_url("**/code/?at=*")
    expect(page.locator("#document .seg.target").first).to_be_visible()
    assert "".join(page.locator("#document .seg.target").all_inner_texts()).replace("\n", "") == expected
