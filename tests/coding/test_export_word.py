"""The Word export, read back with python-docx: headings and order, every quote once per theme, attribution,
comments, summaries, plan tables, the frame (contents field, page numbers, language) and hostile text."""

import copy
import io
import zipfile

import docx
import pytest
from django.utils import translation
from docx.oxml.ns import qn

from coding.exports.build import produce
from coding.exports.options import ExportOptions
from coding.exports.quotes import collect
from coding.models import ThemeSummary
from coding.quotes import internal_attribution, publication_attribution
from planner.models import Plan
from tests.coding.test_export_quotes import HOSTILE, export_study

# One study for the whole module, built once (tests/conftest.py `module_study`); each test's changes are
# rolled back after it, and each test gets its own copy of the objects in memory.
pytestmark = pytest.mark.usefixtures("module_study")


@pytest.fixture(scope="module", autouse=True)
def shared(module_study):
    project, analyst, lead = module_study.project, module_study.analyst, module_study.lead
    return export_study(project, analyst, lead)


@pytest.fixture
def study(shared, db):
    return copy.deepcopy(shared)


def make(project, fmt="docx", **options):
    produced = produce(project, ExportOptions(**options), fmt)
    return produced, docx.Document(io.BytesIO(produced.data))


def outline(document):
    """(style name, text) of every body paragraph."""
    return [(p.style.name, p.text) for p in document.paragraphs]


def placed(document, quote_style="Sitat", source_style="Kilde"):
    """Each quote with the headings it stands under and the attribution line that follows it."""
    h1 = h2 = None
    found = []
    paragraphs = document.paragraphs
    for index, paragraph in enumerate(paragraphs):
        style = paragraph.style.name
        if style == "Heading 1":
            h1, h2 = paragraph.text, None
        elif style == "Heading 2":
            h2 = paragraph.text
        elif style == quote_style:
            source = paragraphs[index + 1]
            assert source.style.name == source_style, "an attribution line follows every quote"
            found.append({"h1": h1, "h2": h2, "text": paragraph.text, "source": source.text})
    return found


def headings(document, level):
    return [p.text for p in document.paragraphs if p.style.name == f"Heading {level}"]


def cleaned(text):
    """The text as Word can hold it: without the control characters XML 1.0 forbids."""
    return text.replace("\x0b", "").replace("\x01", "")


def strip_marks(text, open_mark="«", close_mark="»"):
    text = text.removeprefix("★ ")
    assert text.startswith(open_mark) and text.endswith(close_mark), text
    return text[len(open_mark):-len(close_mark)]


def test_it_has_a_heading_per_theme_in_codebook_order_and_a_county_heading_per_county(project, study):
    produced, document = make(project, empty_themes=True)
    themes = list(project.themes.exclude(pk=study.child.pk).order_by("position"))
    expected = [themes[0].name, study.child.name, *(t.name for t in themes[1:])]
    assert headings(document, 1) == expected
    under = {}
    for paragraph in document.paragraphs:
        if paragraph.style.name == "Heading 1":
            current = under.setdefault(paragraph.text, [])
        elif paragraph.style.name == "Heading 2":
            current.append(paragraph.text)
    assert under[themes[0].name] == ["Agder", "Troms", "Vestland", "Uten fylke"]
    assert under[themes[1].name] == ["Agder"]
    assert under[study.child.name] == ["Vestland"]
    assert under[themes[5].name] == []
    assert produced.quotes == 7
    assert produced.file_name.endswith(".docx") and produced.file_name.startswith(f"{project.slug}-sitater-")
    assert produced.content_type == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def test_every_quote_is_there_once_under_each_of_its_themes(project, study):
    _produced, document = make(project)
    found = placed(document)
    quotes = collect(project, ExportOptions())
    theme_names = {t.pk: t.name for t in project.themes.all()}
    expected = sorted((theme_names[theme_id], q.county or "Uten fylke", cleaned(q.text)) for q in quotes
                      for theme_id in q.theme_ids)
    assert sorted((f["h1"], f["h2"], strip_marks(f["text"])) for f in found) == expected
    assert len(found) == 9  # ola under two themes, siri under the main theme and its sub-theme


def test_quotes_are_grouped_by_county_then_theme_when_asked(project, study):
    _produced, document = make(project, grouping="county")
    assert headings(document, 1) == ["Agder", "Troms", "Vestland", "Uten fylke"]
    main, second, third = study.themes
    under = {}
    for item in placed(document):
        under.setdefault(item["h1"], [])
        if item["h2"] not in under[item["h1"]]:
            under[item["h1"]].append(item["h2"])
    assert under == {"Agder": [main.name, second.name], "Troms": [main.name],
                     "Vestland": [main.name, study.child.name, third.name], "Uten fylke": [main.name]}
    assert len(placed(document)) == 9


def test_the_theme_heading_says_how_many_excerpts_and_counties_and_gives_description_and_summary(project, study):
    _produced, document = make(project, empty_themes=True)
    lines = outline(document)
    main = study.themes[0]
    start = lines.index(("Heading 1", main.name))
    assert lines[start + 1] == ("Normal", "5 utdrag, 3 fylker")
    assert lines[start + 2] == ("Normal", main.description)
    assert lines[start + 3] == ("Normal", "Oppsummering (utkast): Fylkene bosetter i distriktene.")
    agder = lines.index(("Heading 2", "Agder"), start)
    assert lines[agder + 1] == ("Normal", "Notat for Agder: Agder har en egen plan.")  # reviewed: no «utkast»
    second = lines.index(("Heading 1", study.themes[1].name))
    assert lines[second + 1] == ("Normal", "2 utdrag, 1 fylke")
    assert ("Normal", "Ingen utdrag.") in lines


def test_summaries_can_be_left_out(project, study):
    _produced, document = make(project, summaries=False)
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Fylkene bosetter" not in text and "Agder har en egen plan" not in text


def test_internal_attribution_lines_follow_each_quote(project, study):
    _produced, document = make(project)
    quotes = {cleaned(q.text): q for q in collect(project, ExportOptions())}
    for item in placed(document):
        quote = quotes[strip_marks(item["text"])]
        assert item["source"] == internal_attribution(quote, "nb")
    sources = {item["source"] for item in placed(document)}
    assert "Leder, næring – Agder – Gruppeintervju 12.02.2025 – 00:14:32" in sources


def test_publication_attribution_names_no_county_and_no_participant(project, study):
    _produced, document = make(project, attribution="publication")
    quotes = {cleaned(q.text): q for q in collect(project, ExportOptions())}
    counties = list(project.counties.values_list("name", flat=True))
    labels = [q.participant_label for q in quotes.values() if q.participant_label]
    for item in placed(document):
        quote = quotes[strip_marks(item["text"])]
        assert item["source"] == publication_attribution(quote, "nb")
        if quote.kind == "transcript":
            assert not any(name in item["source"] for name in counties + labels), item["source"]
    sources = {item["source"] for item in placed(document)}
    assert {"(Rådgiver, integrering, fylkeskommune)", "(Leder, næring, fylkeskommune)",
            "(Intervjuer)", "(Planstrategi, Vestland, s. 12)"} <= sources
    # Interviews only: no attribution line names any county or participant at all.
    _produced, document = make(project, attribution="publication", sources="interviews")
    assert placed(document)
    for item in placed(document):
        assert not any(name in item["source"] for name in counties + labels), item["source"]


@pytest.mark.parametrize("grouping", ["theme", "county"])
def test_a_publication_export_files_no_informant_quote_under_a_county(project, study, grouping):
    """The report never ties an informant to a county, so neither may a heading or a county note."""
    note = ThemeSummary.objects.get(theme=study.themes[0], county__name="Agder")
    _produced, document = make(project, attribution="publication", grouping=grouping)
    counties = set(project.counties.values_list("name", flat=True))
    assert not counties & {p.text for p in document.paragraphs if p.style.name.startswith("Heading")}
    assert note.text not in "\n".join(p.text for p in document.paragraphs)
    found = placed(document)
    assert {item["h2"] for item in found} == {"Intervjuer", "Planer"}
    assert all((item["h2"] == "Planer") != (item["source"].endswith("fylkeskommune)")
                                            or item["source"] == "(Intervjuer)") for item in found)
    assert len(found) == 9  # every quote still there once under each of its themes
    _produced, internal = make(project, grouping=grouping)
    assert note.text in "\n".join(p.text for p in internal.paragraphs)


def test_key_quotes_are_marked(project, study):
    _produced, document = make(project)
    marked = [item["text"] for item in placed(document) if item["text"].startswith("★ ")]
    assert marked == ["★ «Økt bosetting i distriktene»"]
    assert any(p.text == "★ = nøkkelsitat" for p in document.paragraphs)


def comments_of(data):
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return [n for n in archive.namelist() if "comments" in n], archive.read("word/document.xml").decode()


def test_memos_become_comments_on_their_quote_when_asked(project, study):
    produced, document = make(project, memos=True)
    comments = list(document.comments)
    memos = {c.text for c in comments}
    assert memos == {"Viktig for kap. 4", '=HYPERLINK("http://x","y")'}
    assert {c.author for c in comments} == {"analytiker", "leder"}
    # Each comment marks its quote: the range starts before the quote run and ends after it.
    body = document.element.body
    for comment in comments:
        start = body.xpath(f'.//w:commentRangeStart[@w:id="{comment.comment_id}"]')[0]
        end = body.xpath(f'.//w:commentRangeEnd[@w:id="{comment.comment_id}"]')[0]
        assert start.getparent() is end.getparent()
        quoted = start.getnext()
        assert quoted.getnext() is end
        text = quoted.text  # (lxml's itertext repeats python-docx's w:t text)
        assert text in ("«Økt bosetting i distriktene»", "«kvalifisering»")
        assert body.xpath(f'.//w:commentReference[@w:id="{comment.comment_id}"]')
    parts, _xml = comments_of(produced.data)
    assert "word/comments.xml" in parts


def test_a_publication_file_names_no_chosen_county_and_has_no_memos(project, study):
    """With one county chosen, naming it on the title page would tie every informant quote to it."""
    agder = project.counties.get(name="Agder")
    produced, document = make(project, attribution="publication", counties=(agder.pk,), sources="interviews",
                              memos=True)
    assert placed(document)
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Agder" not in text and "Fylker: 1 valgt" in text
    assert "Notater: utelatt (bare i interne eksporter)" in text
    parts, xml = comments_of(produced.data)
    assert parts == [] and "Viktig for kap. 4" not in xml
    _produced, internal = make(project, counties=(agder.pk,), sources="interviews")
    assert "Fylker: Agder" in "\n".join(p.text for p in internal.paragraphs)


def test_there_are_no_comments_unless_asked(project, study):
    produced, document = make(project)
    parts, xml = comments_of(produced.data)
    assert parts == [] and "commentRangeStart" not in xml
    assert "Viktig for kap. 4" not in xml


def test_markup_stays_text_and_forbidden_characters_are_removed(project, study):
    produced, document = make(project)
    texts = [strip_marks(item["text"]) for item in placed(document)]
    assert cleaned(HOSTILE) in texts and cleaned(HOSTILE) != HOSTILE
    _parts, xml = comments_of(produced.data)
    assert "&lt;script&gt;alert('x')&lt;/script&gt;" in xml and "<script>" not in xml
    assert "&lt;b&gt;skrev&lt;/b&gt;" in xml


def test_the_title_page_names_the_study_the_date_the_choices_and_the_counts(project, study):
    _produced, document = make(project, counties=tuple(project.counties.filter(
        name__in=["Troms", "Agder"]).values_list("pk", flat=True)), key_only=False, coder="analytiker")
    lines = outline(document)
    assert lines[0] == ("Title", project.name)
    assert lines[1] == ("Subtitle", "Kodede utdrag")
    assert lines[2][1].startswith("Eksportert ")
    assert lines[3][1] == "3 utdrag · 2 temaer · 2 fylker"
    text = [line for _style, line in lines[:20]]
    for expected in ["Temaer: alle (18)", "Fylker: Agder, Troms", "Kilder: intervjuer og planer", "Utdrag: alle",
                     "Koder: analytiker", "Gruppering: tema, så fylke", "Oppsummeringer: med", "Notater: uten",
                     "Plantabeller: uten"]:
        assert expected in text, expected
    assert any(line.startswith("Kildehenvisning: intern") for line in text)


def test_it_has_a_contents_field_word_updates_page_numbers_and_the_study_language(project, study):
    produced, document = make(project)
    instructions = [t.text for t in document.element.body.iter(qn("w:instrText"))]
    assert ' TOC \\o "1-1" \\h \\z \\u ' in instructions
    # The field already lists the headings, so that it reads before Word updates it.
    assert [p.text for p in document.paragraphs if p.style.name == "toc 1"][:2] == [
        study.themes[0].name, study.child.name]
    assert document.settings.element.find(qn("w:updateFields")).get(qn("w:val")) == "true"
    footer = document.sections[0].footer.paragraphs[0]
    assert [t.text.strip() for t in footer._p.iter(qn("w:instrText"))] == ["PAGE"]
    lang = document.styles.element.find(qn("w:docDefaults")).find(".//" + qn("w:lang"))
    assert lang.get(qn("w:val")) == "nb-NO"
    assert document.core_properties.language == "nb-NO" and document.core_properties.title == project.name
    assert round(document.sections[0].page_width.cm, 1) == 21.0  # A4


def test_the_contents_list_themes_only_and_leave_out_empty_themes_unless_asked(project, study):
    def contents(document):
        return [(p.style.name, p.text) for p in document.paragraphs if p.style.name.startswith("toc ")]

    def toc_instruction(document):
        return next(t.text for t in document.element.body.iter(qn("w:instrText")) if "TOC" in t.text)

    empty = project.themes.order_by("position")[5]
    _produced, document = make(project, plan_tables=True)
    coded = [study.themes[0].name, study.child.name, study.themes[1].name, study.themes[2].name]
    assert headings(document, 1) == [*coded, "Vedlegg: Planoversikt", "Vedlegg: Planutdrag per fylke"]
    assert contents(document) == [("toc 1", name) for name in headings(document, 1)]
    assert toc_instruction(document) == ' TOC \\o "1-1" \\h \\z \\u '
    assert "Agder" in headings(document, 2)  # the counties are still there, under their theme

    _produced, document = make(project, empty_themes=True)
    assert empty.name in [text for _style, text in contents(document)]
    assert {style for style, _text in contents(document)} == {"toc 1"}

    _produced, document = make(project, grouping="county")
    entries = contents(document)
    assert toc_instruction(document) == ' TOC \\o "1-2" \\h \\z \\u '
    assert entries[0] == ("toc 1", "Agder") and ("toc 2", study.themes[0].name) in entries
    assert empty.name not in [text for _style, text in entries]


def test_english_uses_english_styles_quotes_and_labels(project, study):
    with translation.override("nb"):  # the file's language is the option's, not the active one
        _produced, document = make(project, language="en", attribution="publication")
    found = placed(document, quote_style="Quote", source_style="Source")
    assert found and all(item["text"].removeprefix("★ ").startswith("“") for item in found)
    assert headings(document, 2)[:2] == ["Interviews", "Plans"]
    assert {"(Adviser, integration, county council)", "(Regional plan strategy, Vestland, p. 12)"} <= {
        item["source"] for item in found}
    lang = document.styles.element.find(qn("w:docDefaults")).find(".//" + qn("w:lang"))
    assert lang.get(qn("w:val")) == "en-GB"
    assert outline(document)[1] == ("Subtitle", "Coded excerpts")


def test_the_file_is_norwegian_whatever_language_is_active(project, study):
    with translation.override("en"):
        _produced, document = make(project, attribution="publication")
    assert "(Rådgiver, integrering, fylkeskommune)" in {item["source"] for item in placed(document)}
    assert headings(document, 2)[:2] == ["Intervjuer", "Planer"]


def table_rows(table):
    return [[cell.text for cell in row.cells] for row in table.rows]


def test_plan_tables_list_the_register_and_each_countys_plan_excerpts(project, study):
    _produced, document = make(project, plan_tables=True)
    assert headings(document, 1)[-2:] == ["Vedlegg: Planoversikt", "Vedlegg: Planutdrag per fylke"]
    overview, *per_county = document.tables
    rows = table_rows(overview)
    assert rows[0] == ["Fylke", "Type", "Tittel", "År", "Vurdering"]
    assert len(rows) - 1 == Plan.objects.filter(county__project=project).count() == 43
    strategy = Plan.objects.get(county__name="Vestland", plan_type="strategy", county__project=project)
    assert ["Vestland", "Planstrategi", strategy.title, str(strategy.year), ""] in rows
    assert [row[0] for row in rows[1:]] == sorted((row[0] for row in rows[1:]),
                                                  key=lambda n: n.replace("Ø", "Z~"))
    assert [table_rows(t) for t in per_county] == [
        [["Fylke", "Plan", "Utdrag"], ["Troms", study.troms.plan.title, "«integrering av flyktninger» (s. 2)"]],
        [["Fylke", "Plan", "Utdrag"], ["Vestland", strategy.title,
                                       f"«{cleaned(HOSTILE)}» (s. 12)"]],
    ]
    assert headings(document, 2)[-2:] == ["Troms", "Vestland"]
    assert document.element.body[-2].tag == qn("w:p")  # a paragraph after the last table, as Word keeps one


def test_plan_tables_follow_the_chosen_counties(project, study):
    troms = project.counties.get(name="Troms")
    _produced, document = make(project, plan_tables=True, counties=(troms.pk,))
    overview, *per_county = document.tables
    assert {row[0] for row in table_rows(overview)[1:]} == {"Troms"}
    assert len(per_county) == 1


@pytest.mark.own_study
def test_an_export_without_quotes_is_still_a_document(project):
    produced, document = make(project, plan_tables=True)
    assert produced.quotes == 0
    assert "Ingen planutdrag i utvalget." in [p.text for p in document.paragraphs]
    assert len(headings(document, 1)) == 2  # the plan tables; no theme has quotes
    _produced, document = make(project, plan_tables=True, empty_themes=True)
    assert len(headings(document, 1)) == project.themes.count() + 2


def test_progress_is_reported_up_to_the_total(project, study):
    calls = []
    produce(project, ExportOptions(), "docx", progress=lambda done, total: calls.append((done, total)))
    assert calls[0] == (0, 9) and calls[-1] == (9, 9)
