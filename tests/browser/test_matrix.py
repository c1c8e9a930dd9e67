"""The theme × county matrix in Chromium: sub-themes fold in and out from the keyboard, cells shade."""

from playwright.sync_api import expect

from tests.coding.test_matrix import Study


def test_it_folds_sub_themes_from_the_keyboard(page, live_server, login, project, analyst, lead, viewer,
                                               screenshot_dir):
    study = Study(project, analyst, lead)
    login(viewer)
    page.goto(f"{live_server.url}/s/{project.slug}/review/matrix/")
    main = page.locator(f"#matrix-row-{study.main.pk}")
    child = page.locator(f"#matrix-row-{study.child.pk}")
    grandchild = page.locator(f"#matrix-row-{study.grandchild.pk}")
    button = main.locator(".matrix-fold")
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(child).to_be_hidden()
    button.focus()
    page.keyboard.press("Enter")
    expect(button).to_have_attribute("aria-expanded", "true")
    expect(child).to_be_visible()
    expect(grandchild).to_be_hidden()  # its own parent is still folded
    child.locator(".matrix-fold").focus()
    page.keyboard.press("Space")
    expect(grandchild).to_be_visible()
    page.screenshot(path=str(screenshot_dir / "matrix.png"), full_page=True)
    button.focus()
    page.keyboard.press("Enter")  # folding the main theme hides everything under it
    expect(child).to_be_hidden()
    expect(grandchild).to_be_hidden()
    # The largest cell is the darkest; its shade comes from the stylesheet, not from a script.
    darkest = page.locator('.matrix-cell[style="--level: 1.00"]').first
    lightest = page.locator('.matrix-cell[style="--level: 0.00"]').first
    assert darkest.evaluate("e => getComputedStyle(e).backgroundColor") != lightest.evaluate(
        "e => getComputedStyle(e).backgroundColor")
