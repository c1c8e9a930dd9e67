"""An analyst gives the turns of a speakerless transcript to participants; the lead edits and merges participants."""

from playwright.sync_api import expect

from interviews.models import Participant
from tests.interviews.test_participants import interview, person
from tests.interviews.test_turn_assign import speakerless


def test_an_analyst_assigns_a_run_of_turns_by_choosing_its_first_and_last_turn(page, live_server, login, project,
                                                                               analyst, screenshot_dir):
    document = speakerless(project, analyst)
    Participant.objects.create(project=project, label="Informant 3", role="advisor", field="integration")
    login(analyst)
    page.goto(f"{live_server.url}/s/{project.slug}/interviews/{document.pk}/")
    page.locator("#turn-2 .assign-from").click()
    page.locator("#turn-4 .assign-from").focus()
    page.keyboard.press("Enter")  # the control works by keyboard as well
    form = page.locator("#turn-assign")
    expect(form.get_by_label("Første replikk")).to_have_value("3")
    expect(form.get_by_label("Siste replikk")).to_have_value("5")
    expect(form.locator("[data-assign-status]")).to_contain_text("Replikkene 3–5 er valgt.")
    form.get_by_label("Deltaker").select_option(label="Informant 3")
    page.screenshot(path=screenshot_dir / "turn-assign.png", full_page=False)
    form.get_by_role("button", name="Tildel").click()
    expect(page.locator(".message.success")).to_contain_text("Replikkene 3–5 hører nå til «Informant 3».")
    page.wait_for_load_state()  # the module listens only once it has run
    expect(page.locator("#turn-2 .speaker")).to_have_text("Informant 3")
    expect(page.locator("#turn-5 .speaker")).to_have_text("Ukjent")
    # Ready for the next run: the first turn after the last one assigned.
    expect(page.locator("#turn-assign").get_by_label("Første replikk")).to_have_value("6")
    page.locator("#turn-assign").get_by_label("Deltaker").select_option(label="Ny deltaker")
    expect(page.locator("#turn-assign").get_by_label("Ny betegnelse")).to_be_focused()


def test_the_lead_edits_and_merges_participants_on_a_narrow_and_a_wide_screen(page, live_server, login, project,
                                                                             lead, analyst, screenshot_dir):
    interviewer = person(project, "Intervjuer", role="interviewer", field="other", county=None)
    group = [person(project, f"Informant {i}", field=field, county=county) for i, (field, county) in enumerate(
        [("integration", "Agder"), ("business", "Agder"), ("planning", "Troms"), ("competence", "Troms")], 1)]
    workshop = person(project, "Deltaker 1", role="leader", field="other", field_other="Samferdsel")
    interview(project, analyst, [interviewer, *group[:2]], title="Gruppeintervju Agder")
    interview(project, analyst, [interviewer, *group[2:]], county="Troms", title="Gruppeintervju Troms")
    interview(project, analyst, [interviewer, workshop, group[2]], interview_format="workshop",
              title="Arbeidsmøte 1")
    login(lead)
    for width in (390, 1920):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{live_server.url}/s/{project.slug}/participants/")
        expect(page.locator("#method-table tfoot")).to_contain_text("4")
        page.screenshot(path=screenshot_dir / f"participants-{width}.png", full_page=True)
        page.goto(f"{live_server.url}/s/{project.slug}/participants/{workshop.pk}/")
        page.screenshot(path=screenshot_dir / f"participant-{width}.png", full_page=True)
    page.get_by_label("Fagfelt med egne ord").fill("Samferdsel og mobilitet")
    page.get_by_role("button", name="Lagre").click()
    expect(page.locator(".message.success")).to_contain_text("«Deltaker 1» er lagret.")
    expect(page.locator(".meta")).to_contain_text("Samferdsel og mobilitet")
    page.get_by_label("Slå sammen med").select_option(label="Informant 3")
    page.get_by_role("button", name="Slå sammen", exact=True).click()
    expect(page.locator(".message.success")).to_contain_text(
        "«Deltaker 1» er slått sammen med «Informant 3»: 2 replikker")
    expect(page.locator("h1")).to_have_text("Informant 3")
    expect(page.locator("#participant-documents tbody tr")).to_have_count(2)
