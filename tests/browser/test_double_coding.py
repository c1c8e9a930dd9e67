"""Blind double coding in real Chromium: two analysts code one document without seeing each other's
excerpts, the lead compares, settles a disagreement and reveals (issue 18). With KODEVERK_SCREENSHOTS
set, the double coding page, the comparison and the agreement report are saved at 1366 px and 390 px
(docs/screenshots/)."""

from playwright.sync_api import expect

from coding.models import DoubleCoding, Excerpt
from interviews.importers import parse_file
from interviews.services import NewParticipant, transcript_import
from planner.models import Membership
from planner.services import membership_set, project_create
from tests.browser.test_coding import POINT_AT
from tests.conftest import make_user

TRANSCRIPT = ("Kari: Vi har en plan for integrering av innvandrere i distriktene.\n"
              "Ola: Kommunen samarbeider med Nav og IMDi om kvalifisering.")
PAGE_SCROLL = "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"


def _code(page, live_server, project, document, start, end):
    page.goto(f"{live_server.url}/s/{project.slug}/documents/{document.pk}/code/")
    expect(page.locator("#document .row")).to_have_count(2)
    a, b = page.evaluate(POINT_AT, start), page.evaluate(POINT_AT, end)
    page.mouse.move(a["x"], a["y"])
    page.mouse.down()
    page.mouse.move(b["x"], b["y"], steps=6)
    page.mouse.up()
    expect(page.locator("#picker-filter")).to_be_focused()
    page.keyboard.press("1")
    page.keyboard.press("Enter")
    expect(page.locator("#excerpt-panel .excerpt-text")).to_be_visible()


def _shoot(page, screenshot_dir, name):
    for width, height, suffix in ((1366, 900, "1366"), (390, 844, "390")):
        page.set_viewport_size({"width": width, "height": height})
        assert page.evaluate(PAGE_SCROLL), f"{name} scrolls sideways at {width} px"
        page.screenshot(path=str(screenshot_dir / f"{name}-{suffix}.png"))
    page.set_viewport_size({"width": 1280, "height": 900})


def test_two_analysts_code_blind_and_the_lead_settles_and_reveals(page, live_server, login, lead, screenshot_dir):
    project = project_create(name="Dobbeltkoding", lead=lead)
    kari, ola = make_user("kari"), make_user("ola")
    for user in (kari, ola):
        membership_set(project=project, user=user, role=Membership.Role.ANALYST)
    project.themes.create(name="Bosetting", colour="#0067A5", position=1, shortcut_key="1")
    parsed = parse_file("intervju.txt", TRANSCRIPT.encode())
    mapping = {s: NewParticipant(label=f"Informant {i + 1}") for i, s in enumerate(parsed.speakers())}
    document = transcript_import(project=project, user=lead, parsed=parsed, mapping=mapping, title="Intervju",
                                 interview_format="group_interview")
    text = document.text

    # The lead sets the document to double coding for the two analysts.
    login(lead)
    page.goto(f"{live_server.url}/s/{project.slug}/double-coding/")
    page.get_by_label("Intervju").check()
    page.get_by_label("kari").check()
    page.get_by_label("ola").check()
    page.locator("#double-coding-form button[type=submit]").click()
    expect(page.locator("#double-codings")).to_contain_text("kari, ola")
    _shoot(page, screenshot_dir, "double-coding")

    # Kari codes «integrering av innvandrere», Ola «innvandrere i distriktene»: neither sees the other's.
    login(kari)
    _code(page, live_server, project, document, text.index("integrering"), text.index(" i distriktene"))
    login(ola)
    page.goto(f"{live_server.url}/s/{project.slug}/documents/{document.pk}/code/")
    expect(page.locator("#blind-notice")).to_be_visible()
    expect(page.locator("#document .seg.coded")).to_have_count(0)
    _code(page, live_server, project, document, text.index("innvandrere"), text.index("."))
    page.reload()
    expect(page.locator("#document .excerpt-chip")).to_have_count(1)
    expect(page.locator("#document .seg.coded")).to_have_text(["innvandrere i distriktene"])
    login(kari)
    page.goto(f"{live_server.url}/s/{project.slug}/documents/{document.pk}/code/")
    expect(page.locator("#document .seg.coded")).to_have_text(["integrering av innvandrere"])
    assert Excerpt.objects.count() == 2

    # The lead compares: one disagreement; keeps Kari's (A) coding, then reveals.
    login(lead)
    page.goto(f"{live_server.url}/s/{project.slug}/documents/{document.pk}/compare/")
    disagreement = page.locator(".stretch.disagreement")
    expect(disagreement).to_have_count(1)
    expect(disagreement.locator(".cmp.both")).to_have_text("innvandrere")
    expect(disagreement.locator(".cmp.a")).to_have_text("integrering av ")
    expect(disagreement.locator(".cmp.b")).to_have_text(" i distriktene")
    _shoot(page, screenshot_dir, "compare")
    disagreement.locator("button[name=choice][value=kari]").click()
    expect(page.locator(".stretch .settled")).to_have_count(1)
    page.locator("#reveal-form button").click()
    expect(page.locator("#reveal-form")).to_have_count(0)
    assert DoubleCoding.objects.get().is_revealed
    page.goto(f"{live_server.url}/s/{project.slug}/agreement/?coders=kari&coders=ola")
    expect(page.locator("#agreement-table tbody tr")).to_have_count(1)
    _shoot(page, screenshot_dir, "agreement")

    # After reveal Ola sees the document's coding: Kari's excerpt, kept by the lead.
    login(ola)
    page.goto(f"{live_server.url}/s/{project.slug}/documents/{document.pk}/code/")
    expect(page.locator("#blind-notice")).to_have_count(0)
    expect(page.locator("#document .seg.coded")).to_have_text(["integrering av innvandrere"])
    assert list(Excerpt.objects.values_list("coder__username", flat=True)) == ["kari"]
