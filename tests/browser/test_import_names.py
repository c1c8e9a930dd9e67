"""A Teams transcript with the speakers' names in its speech, imported in the browser: the ordinary word in
lower case is offered for review, and no name is left anywhere afterwards."""

from playwright.sync_api import expect

from planner.models import Document
from tests.interviews.test_import_names import ORDINARY, assert_no_name_anywhere, names_left, teams_vtt


def test_it_imports_a_teams_file_with_no_name_left(page, live_server, login, project, analyst, tmp_path,
                                                   screenshot_dir):
    path = tmp_path / "møte.vtt"
    path.write_bytes(teams_vtt())
    login(analyst)
    page.goto(f"{live_server.url}/s/{project.slug}/interviews/import/")
    page.get_by_label("Velg filer").set_input_files(str(path))
    page.get_by_role("button", name="Les filene").click()

    draft = page.locator("section.draft", has_text="møte.vtt")
    draft.get_by_label("Ny betegnelse for Ola Olsen").fill("Intervjuer")
    draft.get_by_label("Rollen til Ola Olsen").select_option(label="Intervjuer")
    draft.get_by_label("Ny betegnelse for Kari H. Nordmann").fill("Informant 3")
    draft.get_by_label("Ny betegnelse for Per Hansen").fill("Informant 4")
    review = draft.locator("table.name-review tbody tr")
    expect(review).to_have_count(2)  # «per» twice in lower case: listed, not replaced silently
    expect(review.nth(0)).to_contain_text("Og du, per? Hva mener du")
    expect(review.nth(1)).to_contain_text("ti flyktninger per år")
    expect(draft.get_by_role("checkbox", name="Erstatt «per» (replikk 3)")).to_be_checked()
    word = draft.get_by_role("checkbox", name="Erstatt «per» (replikk 4)")
    expect(word).to_be_checked()
    draft.get_by_role("button", name="Behold alle").click()
    expect(draft.locator("table.name-review input:checked")).to_have_count(0)
    draft.get_by_role("button", name="Erstatt alle").click()
    expect(draft.locator("table.name-review input:checked")).to_have_count(2)
    word.focus()
    page.keyboard.press("Space")  # by keyboard: keep «per år», the ordinary word
    expect(word).not_to_be_checked()
    page.screenshot(path=screenshot_dir / "import-names.png", full_page=True)
    draft.get_by_role("button", name="Importer møte.vtt").click()

    transcript = page.locator("#transcript")
    expect(transcript.locator(".turn")).to_have_count(5)
    expect(transcript).to_contain_text("Hva tenker du, [Informant 3]?")
    expect(transcript).to_contain_text(f"Vi bosetter {ORDINARY}, sa [Informant 4] i fjor.")
    assert names_left(transcript.inner_text()) == []
    assert names_left(page.title()) == [] and names_left(page.locator("h1").inner_text()) == []
    document = Document.objects.get()
    assert document.title == "Møte med [Informant 3] og [Informant 4]"
    assert_no_name_anywhere(project, analyst, document)


def test_the_lead_adds_and_removes_a_name_word_by_keyboard_on_a_phone(page, live_server, login, project, lead,
                                                                     screenshot_dir):
    page.set_viewport_size({"width": 390, "height": 844})
    login(lead)
    page.goto(f"{live_server.url}/s/{project.slug}/interviews/import/")
    section = page.locator("section.name-words")
    section.locator("summary").focus()
    page.keyboard.press("Enter")
    expect(section).to_contain_text("Odd, Per, Rask")
    section.get_by_label("Ord").fill("Sjø")
    page.keyboard.press("Enter")
    expect(page.locator(".message.success")).to_contain_text("«Sjø»")
    section.locator("summary").click()
    expect(section.locator(".name-word-list")).to_contain_text("Sjø")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=screenshot_dir / "name-words.png", full_page=True)
    section.get_by_role("button", name="Fjern Sjø").click()
    expect(page.locator(".message.success")).to_contain_text("«Sjø»")
    expect(page.locator(".name-word-list")).to_have_count(0)
