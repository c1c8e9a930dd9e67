"""A coded plan in real Chromium: page numbers beside the text where each page starts and on each excerpt,
and a quote across a hyphenated line break that reads joined in the review list and in the Word file."""

import io

import docx
from playwright.sync_api import expect

from coding.exports.build import produce
from coding.exports.options import ExportOptions
from coding.passages import sentence_around
from coding.services import excerpt_create
from planner.models import Document, Plan

PAGE_ONE = "Regional planstrategi for Agder\nInnledning om planarbeidet.\n\n"
PAGE_TWO = ("Fylkeskommunen skal styrke inte-\ngreringen av arbeidsinnvandrere i distrik-\ntene gjennom "
            "samarbeid med kommunene.\nNeste avsnitt handler om kompetanse.\n")


def test_a_plan_shows_its_pages_and_a_hyphenated_quote_reads_joined(page, live_server, login, project, analyst):
    agder = project.counties.get(name="Agder")
    text = PAGE_ONE + PAGE_TWO
    document = Document.objects.create(project=project, kind="plan", county=agder, title="Regional planstrategi",
                                       plan=Plan.objects.filter(county=agder).order_by("pk").first(), text=text,
                                       page_starts=[0, len(PAGE_ONE)])
    theme = project.themes.order_by("position").first()
    start = text.index("Fylkeskommunen")
    end = text.index("kommunene.") + len("kommunene.")
    excerpt = excerpt_create(document=document, start=start, end=end, coder=analyst, themes=[theme])
    joined = ("Fylkeskommunen skal styrke integreringen av arbeidsinnvandrere i distriktene gjennom samarbeid med "
              "kommunene.")

    login(analyst)
    page.goto(f"{live_server.url}/s/{project.slug}/documents/{document.pk}/code/")
    expect(page.locator("#row-0 .gutter .page-start")).to_have_text("s. 1")
    second = page.locator(f"#row-{len(PAGE_ONE)}")
    expect(second.locator(".gutter .page-start")).to_have_text("s. 2")
    expect(second.locator(".para")).to_contain_text("Fylkeskommunen skal styrke inte-")
    expect(page.locator(".page-start")).to_have_count(2)
    expect(second.locator(f'.excerpt-chip[data-excerpt="{excerpt.pk}"]')).to_have_attribute(
        "title", f"{theme.name} · s. 2")
    second.locator(".excerpt-chip").click()
    expect(page.locator("#excerpt-panel .excerpt-text")).to_have_text(joined)

    page.goto(f"{live_server.url}/s/{project.slug}/review/themes/{theme.pk}/")
    expect(page.locator(f"#quote-{excerpt.pk} .quote-text")).to_have_text(f"«{joined}»")

    # A search hit inside the hyphenated word proposes the whole sentence, across the PDF's line ends.
    hit = text.index("arbeidsinnvandrere")
    assert sentence_around(text, hit, hit + 8, pdf=True) == (start, end)

    produced = produce(project, ExportOptions(), "docx")
    paragraphs = [p.text for p in docx.Document(io.BytesIO(produced.data)).paragraphs]
    assert any(joined in p for p in paragraphs)
    assert not any("inte-" in p for p in paragraphs)
