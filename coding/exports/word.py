"""The Word file of an export: title page, table of contents, themes and counties with their quotes,
each signed by its attribution line, memos as comments, and the report's plan tables.

The body is written as WordprocessingML elements with lxml straight into python-docx's document:
python-docx's own add_paragraph looks the style up and scans the body for every paragraph, and
its tables add cells one by one, which makes a file of 5,000 quotes take many seconds.
"""

import io
import re

from django.utils import timezone
from lxml import etree

from coding.exports.quotes import attribution, county_key
from coding.models import Memo, ThemeSummary
from coding.quotes import display_names, format_date
from planner.collation import name_key
from planner.models import Plan
from planner.plan_io import register_columns

LABELS = {
    "nb": {
        "language_tag": "nb-NO", "subtitle": "Kodede utdrag", "exported": "Eksportert {date}",
        "contents": "Innhold", "toc_hint": "Innholdsfortegnelsen oppdateres når dokumentet åpnes i Word (F9).",
        "excerpts": ("{n} utdrag", "{n} utdrag"), "counties": ("{n} fylke", "{n} fylker"),
        "themes": ("{n} tema", "{n} temaer"), "no_county": "Uten fylke", "no_excerpts": "Ingen utdrag.",
        "summary": "Oppsummering", "county_note": "Notat for {county}", "draft": "(utkast)",
        "key_legend": "★ = nøkkelsitat", "quote_style": "Sitat", "source_style": "Kilde", "open": "«", "close": "»",
        "choices": "Utvalg", "theme_choice": "Temaer", "county_choice": "Fylker", "source_choice": "Kilder",
        "key_choice": "Utdrag", "coder_choice": "Koder", "grouping_choice": "Gruppering",
        "attribution_choice": "Kildehenvisning", "summary_choice": "Oppsummeringer", "memo_choice": "Notater",
        "plan_choice": "Plantabeller", "all": "alle", "all_n": "alle ({n})",
        "sources": {"both": "intervjuer og planer", "interviews": "intervjuer", "plans": "planer"},
        "key": {False: "alle", True: "bare nøkkelsitater"},
        "grouping": {"theme": "tema, så fylke", "county": "fylke, så tema"},
        "attribution": {"internal": "intern (rolle, fagfelt, fylke, intervju, tidskode)",
                        "publication": "for publisering (rolle og fagfelt, ingen fylker eller navn)"},
        "with": "med", "without": "uten", "as_comments": "som kommentarer", "n_chosen": "{n} valgt",
        "memos_internal": "utelatt (bare i interne eksporter)", "study_memos": "Notater",
        "plan_overview": "Vedlegg: Planoversikt", "plan_excerpts": "Vedlegg: Planutdrag per fylke",
        "overview_headers": ("Fylke", "Type", "Tittel", "År"), "assessment": "Vurdering",
        "excerpt_headers": ("Fylke", "Plan", "Utdrag"),
        "no_plan_excerpts": "Ingen planutdrag i utvalget.", "page": "s.",
        "interviews": "Intervjuer", "plans": "Planer",
        "publication_grouping": "tema; intervjusitater uten fylke, slik at ingen informant knyttes til et fylke",
    },
    "en": {
        "language_tag": "en-GB", "subtitle": "Coded excerpts", "exported": "Exported {date}",
        "contents": "Contents", "toc_hint": "The table of contents is updated when the document opens in Word (F9).",
        "excerpts": ("{n} excerpt", "{n} excerpts"), "counties": ("{n} county", "{n} counties"),
        "themes": ("{n} theme", "{n} themes"), "no_county": "No county", "no_excerpts": "No excerpts.",
        "summary": "Summary", "county_note": "Note on {county}", "draft": "(draft)",
        "key_legend": "★ = key quote", "quote_style": "Quote", "source_style": "Source", "open": "“", "close": "”",
        "choices": "Selection", "theme_choice": "Themes", "county_choice": "Counties", "source_choice": "Sources",
        "key_choice": "Excerpts", "coder_choice": "Coder", "grouping_choice": "Grouping",
        "attribution_choice": "Attribution", "summary_choice": "Summaries", "memo_choice": "Memos",
        "plan_choice": "Plan tables", "all": "all", "all_n": "all ({n})",
        "sources": {"both": "interviews and plans", "interviews": "interviews", "plans": "plans"},
        "key": {False: "all", True: "key quotes only"},
        "grouping": {"theme": "theme, then county", "county": "county, then theme"},
        "attribution": {"internal": "internal (role, field, county, interview, time code)",
                        "publication": "for publication (role and field, no counties or names)"},
        "with": "included", "without": "left out", "as_comments": "as comments", "n_chosen": "{n} chosen",
        "memos_internal": "left out (internal exports only)", "study_memos": "Memos",
        "plan_overview": "Appendix: Plan overview", "plan_excerpts": "Appendix: Plan excerpts by county",
        "overview_headers": ("County", "Type", "Title", "Year"), "assessment": "Assessment",
        "excerpt_headers": ("County", "Plan", "Excerpt"),
        "no_plan_excerpts": "No plan excerpts in the selection.", "page": "p.",
        "interviews": "Interviews", "plans": "Plans",
        "publication_grouping": "theme; interview quotes without counties, so that no informant is tied to a county",
    },
}

# Characters XML 1.0 forbids (lxml refuses them) and lone surrogates; tabs and line breaks are kept.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff\ud800-\udfff]")
_BREAKS = re.compile(r"(\n|\t)")
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_W_VAL = _W + "val"
_XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
PROGRESS_STEP = 250


def clean(text):
    """Text Word can hold: no control characters, \r folded into line breaks."""
    return _NOT_XML.sub("", (text or "").replace("\r\n", "\n").replace("\r", "\n"))


def _plural(pair, n):
    return pair[0 if n == 1 else 1].format(n=n)


def _el(parent, tag, **attrs):
    """A w:`tag` element appended to `parent`, with w: attributes."""
    return etree.SubElement(parent, _W + tag, {_W + k: str(v) for k, v in attrs.items()} if attrs else None)


def _make(near, tag, **attrs):
    """A w:`tag` element not yet placed, made by the parser of the document `near` belongs to."""
    return near.makeelement(_W + tag, {_W + k: str(v) for k, v in attrs.items()})


def _twips(cm):
    return round(cm * 567)


class _Writer:
    def __init__(self, project, options, themes, quotes, progress):
        self.project, self.options, self.themes, self.quotes = project, options, themes, quotes
        self.words = LABELS[options.language]
        self.names = display_names(options.language)
        # A publication export never files an informant's quote under a county: see _groups.
        self.publication = options.attribution == "publication"
        self.by_county = options.grouping == "county" and not self.publication
        # Memos are the team's own notes, never checked for names: a publication file leaves them out.
        self.memos = options.memos and not self.publication
        self.progress = progress
        # python-docx is imported when a file is written, not with the app (planner/docxtext.py says why).
        import docx

        self.document = docx.Document()
        self.body = self.document.element.body
        self.comments = None
        self.next_comment = 0
        self.done, self.total = 0, 0
        self._setup()

    # The document frame: page, language, styles, footer, field updates.

    def _setup(self):
        from docx.enum.style import WD_STYLE_TYPE
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.shared import Cm, Pt, RGBColor

        document, words = self.document, self.words
        section = document.sections[0]
        section.page_width, section.page_height = Cm(21), Cm(29.7)
        section.left_margin = section.right_margin = Cm(2.5)
        section.top_margin = section.bottom_margin = Cm(2.5)
        styles = document.styles
        # Word spell-checks in the language of the default run properties.
        lang = styles.element.find(f"{_W}docDefaults/{_W}rPrDefault/{_W}rPr/{_W}lang")
        lang.set(_W_VAL, words["language_tag"])
        settings = document.settings.element
        proof = settings.find(_W + "proofState")
        if proof is not None:  # the template claims to be spell-checked already
            settings.remove(proof)
        # Word fills in the table of contents when it opens the file.
        settings.find(_W + "compat").addprevious(_make(settings, "updateFields", val="true"))
        properties = document.core_properties
        properties.title, properties.author = clean(self.project.name), "Kodeverk"
        properties.language = words["language_tag"]
        properties.comments = ""

        quote = self._style(words["quote_style"], WD_STYLE_TYPE.PARAGRAPH)
        quote.font.italic = True
        quote.paragraph_format.left_indent = quote.paragraph_format.right_indent = Cm(1)
        quote.paragraph_format.space_before, quote.paragraph_format.space_after = Pt(6), Pt(2)
        quote.paragraph_format.keep_with_next = True
        source = self._style(words["source_style"], WD_STYLE_TYPE.PARAGRAPH)
        source.font.size = Pt(9)
        source.font.italic = False
        source.font.color.rgb = RGBColor(0x50, 0x50, 0x50)
        source.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        source.paragraph_format.right_indent = Cm(1)
        source.paragraph_format.space_before, source.paragraph_format.space_after = Pt(0), Pt(10)
        for level in (1, 2):
            toc = self._style(f"toc {level}", WD_STYLE_TYPE.PARAGRAPH)
            toc.paragraph_format.left_indent = Cm(0.6 * (level - 1))
            toc.paragraph_format.space_after = Pt(2)
        self.style_ids = {
            "quote": quote.style_id, "source": source.style_id, "title": "Title", "subtitle": "Subtitle",
            "h1": "Heading1", "h2": "Heading2", "toc_heading": "TOCHeading",
            "toc1": styles["toc 1"].style_id, "toc2": styles["toc 2"].style_id,
        }
        footer = section.footer.paragraphs[0]
        footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
        self._field(footer._p, "PAGE", "1")

    def _style(self, name, kind):
        styles = self.document.styles
        style = styles[name] if name in styles else styles.add_style(name, kind)
        style.base_style = styles["Normal"]
        style.quick_style = True
        return style

    # Low-level writing: paragraphs and runs as elements.

    def paragraph(self, style=None, text=None, **run):
        p = _el(self.body, "p")  # write() keeps the section properties aside until the end
        if style:
            _el(_el(p, "pPr"), "pStyle", val=self.style_ids[style])
        if text:
            self.run(p, text, **run)
        return p

    def run(self, p, text, *, bold=False, italic=False):
        r = _el(p, "r")
        if bold or italic:
            properties = _el(r, "rPr")
            if bold:
                _el(properties, "b")
            if italic:
                _el(properties, "i")
        for piece in _BREAKS.split(clean(text)):
            if piece == "\n":
                _el(r, "br")
            elif piece == "\t":
                _el(r, "tab")
            elif piece:
                t = _el(r, "t")
                t.text = piece
                t.set(_XML_SPACE, "preserve")
        return r

    def _field(self, p, instruction, result, *, begin=True, end=True):
        if begin:
            _el(_el(p, "r"), "fldChar", fldCharType="begin", dirty="true")
            instr = _el(_el(p, "r"), "instrText")
            instr.text = f" {instruction} "
            instr.set(_XML_SPACE, "preserve")
            _el(_el(p, "r"), "fldChar", fldCharType="separate")
        if result:
            self.run(p, result)
        if end:
            _el(_el(p, "r"), "fldChar", fldCharType="end")

    def page_break(self):
        _el(_el(self.paragraph(), "r"), "br", type="page")

    def comment(self, r, text, author):
        """A Word comment on the run `r`: the range around it and the reference right after it."""
        if self.comments is None:
            # python-docx makes the comments part; ids are counted here, since its add_comment
            # looks for the largest id among all comments each time (quadratic over thousands).
            self.comments = self.document.comments._comments_elm
        comment_id = str(self.next_comment)
        self.next_comment += 1
        stamp = timezone.now().strftime("%Y-%m-%dT%H:%M:%SZ")
        author = clean(author)
        element = _el(self.comments, "comment", id=comment_id, author=author, date=stamp,
                      initials=author[:2].upper())
        for index, line in enumerate(clean(text).split("\n")):
            p = _el(element, "p")
            _el(_el(p, "pPr"), "pStyle", val="CommentText")
            if index == 0:
                reference = _el(p, "r")
                _el(_el(reference, "rPr"), "rStyle", val="CommentReference")
                _el(reference, "annotationRef")
            if line:
                self.run(p, line)
        r.addprevious(_make(r, "commentRangeStart", id=comment_id))
        reference = _make(r, "r")
        _el(_el(reference, "rPr"), "rStyle", val="CommentReference")
        _el(reference, "commentReference", id=comment_id)
        r.addnext(reference)
        r.addnext(_make(r, "commentRangeEnd", id=comment_id))

    # The parts of the document.

    def write(self):
        by_theme = {theme.pk: [] for theme in self.themes}
        for quote in self.quotes:
            for theme_id in quote.theme_ids:
                by_theme[theme_id].append(quote)
        self.by_theme = by_theme
        self.total = sum(len(items) for items in by_theme.values())
        self.summaries = {}
        if self.options.summaries:
            self.summaries = {(s.theme_id, s.county_id): s for s in ThemeSummary.objects.filter(
                project=self.project, theme_id__in=list(by_theme))}
        # Everything is appended to the body; its final section properties go back at the end.
        section = self.body.sectPr
        self.body.remove(section)
        self.title_page()
        self.contents()
        if self.by_county:
            self.by_county_then_theme()
        else:
            self.by_theme_then_county()
        if self.options.plan_tables:
            self.plan_tables()
        if self.options.study_memos and not self.publication:
            self.study_memos()
        if self.body[-1].tag == _W + "tbl":
            self.paragraph()  # Word keeps a paragraph after a table
        self.body.append(section)
        self._report()
        _slim(self.document, set(self.style_ids.values()))
        buffer = io.BytesIO()
        self.document.save(buffer)
        return buffer.getvalue()

    def _report(self, force=True):
        if self.progress and (force or self.done % PROGRESS_STEP == 0):
            self.progress(self.done, self.total)

    def title_page(self):
        words, options = self.words, self.options
        self.paragraph("title", self.project.name)
        self.paragraph("subtitle", words["subtitle"])
        self.paragraph(None, words["exported"].format(date=format_date(timezone.localdate(), options.language)))
        counties = {q.county_id for q in self.quotes if q.county_id}
        coded = sum(1 for items in self.by_theme.values() if items)
        self.paragraph(None, " · ".join([_plural(words["excerpts"], len(self.quotes)),
                                         _plural(words["themes"], coded), _plural(words["counties"], len(counties))]),
                       bold=True)
        self.paragraph(None, words["choices"], bold=True)
        if options.themes:
            themes = ", ".join(theme.name for theme in self.themes)
        else:
            themes = words["all_n"].format(n=len(self.themes))
        if options.counties and self.publication:
            # Naming the one or few counties chosen would tie every informant quote to them.
            counties = words["n_chosen"].format(n=len(options.counties))
        elif options.counties:
            chosen = self.project.counties.filter(pk__in=options.counties)
            counties = ", ".join(sorted((c.name for c in chosen), key=name_key))
        else:
            counties = words["all"]
        if self.publication and options.memos:
            memos = words["memos_internal"]
        else:
            memos = words["as_comments"] if self.memos else words["without"]
        for label, value in [
            ("theme_choice", themes), ("county_choice", counties), ("source_choice", words["sources"][options.sources]),
            ("key_choice", words["key"][options.key_only]), ("coder_choice", options.coder or words["all"]),
            ("grouping_choice",
             words["publication_grouping"] if self.publication else words["grouping"][options.grouping]),
            ("attribution_choice", words["attribution"][options.attribution]),
            ("summary_choice", words["with"] if options.summaries else words["without"]),
            ("memo_choice", memos), ("plan_choice", words["with"] if options.plan_tables else words["without"]),
        ]:
            p = self.paragraph()
            self.run(p, f"{words[label]}: ", bold=True)
            self.run(p, value)
        self.paragraph(None, words["key_legend"])
        self.page_break()

    def _shown_themes(self):
        """The themes that get a heading under grouping by theme: those with quotes, or all when asked."""
        return [theme for theme in self.themes if self.options.empty_themes or self.by_theme[theme.pk]]

    def _headings(self):
        """The headings the table of contents lists, before Word updates it.

        Themes only when grouped by theme (a county under every theme made the contents pages
        long); when grouped by county, the counties with their themes as the second level.
        """
        entries = []
        if self.by_county:
            for county_id, name, _items in self._counties(self.quotes):
                entries.append((1, name))
                entries += [(2, theme.name) for theme, _found in self._themes_in(county_id)]
        else:
            entries += [(1, theme.name) for theme in self._shown_themes()]
        if self.options.plan_tables:
            entries.append((1, self.words["plan_overview"]))
            entries.append((1, self.words["plan_excerpts"]))
            if self.by_county:
                entries += [(2, name) for _pk, name, _items in self._counties(self._plan_quotes())]
        return entries

    def contents(self):
        """A TOC field (links), filled with the headings so that it reads before Word updates it.

        It takes heading levels 1–2 when grouped by county and level 1 only when grouped by theme.
        """
        self.paragraph("toc_heading", self.words["contents"])
        entries = self._headings() or [(1, self.words["toc_hint"])]
        levels = "1-2" if self.by_county else "1-1"
        instruction = f'TOC \\o "{levels}" \\h \\z \\u'
        for index, (level, text) in enumerate(entries):
            p = self.paragraph(f"toc{level}")
            self._field(p, instruction, text, begin=index == 0, end=index == len(entries) - 1)
        self.page_break()

    def _counties(self, quotes):
        """(county id, heading, quotes) per county in county order, «no county» last; quotes keep their order."""
        groups = {}
        for quote in quotes:
            groups.setdefault(quote.county_id, (quote.county, []))[1].append(quote)
        ordered = sorted(groups.items(), key=lambda item: county_key(item[1][0]))
        return [(pk, name or self.words["no_county"], items) for pk, (name, items) in ordered]

    def _groups(self, quotes):
        """The level 2 groups under a theme heading: (county id, heading, quotes).

        Internal exports group by county. Publication exports never put an informant's quote
        under a county (the report signs them without one): interview quotes form one group,
        and plan quotes, which are public and signed with their county, another.
        """
        if not self.publication:
            return self._counties(quotes)
        interviews = [q for q in quotes if q.kind != "plan"]
        plans = [q for q in quotes if q.kind == "plan"]
        return [(None, heading, items) for heading, items in
                [(self.words["interviews"], interviews), (self.words["plans"], plans)] if items]

    def _themes_in(self, county_id):
        found = []
        for theme in self.themes:
            items = [q for q in self.by_theme[theme.pk] if q.county_id == county_id]
            if items:
                found.append((theme, items))
        return found

    def _stats(self, n, m, pair):
        self.paragraph(None, f"{_plural(self.words['excerpts'], n)}, {_plural(pair, m)}", italic=True)

    def _summary(self, theme_id, county_id, label):
        summary = self.summaries.get((theme_id, county_id))
        if summary is None or not summary.text.strip():
            return
        p = self.paragraph()
        heading = label if summary.is_reviewed else f"{label} {self.words['draft']}"
        self.run(p, f"{heading}: ", bold=True)
        lines = [line for line in summary.text.strip().split("\n") if line.strip()]
        self.run(p, lines[0])
        for line in lines[1:]:
            self.paragraph(None, line)

    def by_theme_then_county(self):
        for theme in self._shown_themes():
            items = self.by_theme[theme.pk]
            self.paragraph("h1", theme.name)
            self._stats(len(items), len({q.county_id for q in items if q.county_id}), self.words["counties"])
            if theme.description.strip():
                self.paragraph(None, theme.description.strip(), italic=True)
            self._summary(theme.pk, None, self.words["summary"])
            if not items:
                self.paragraph(None, self.words["no_excerpts"])
            for county_id, name, group in self._groups(items):
                self.paragraph("h2", name)
                if county_id:
                    self._summary(theme.pk, county_id, self.words["county_note"].format(county=name))
                self._quotes(group)

    def by_county_then_theme(self):
        for county_id, name, items in self._counties(self.quotes):
            found = self._themes_in(county_id)
            self.paragraph("h1", name)
            self._stats(len(items), len(found), self.words["themes"])
            for theme, group in found:
                self.paragraph("h2", theme.name)
                if county_id:
                    self._summary(theme.pk, county_id, self.words["county_note"].format(county=name))
                self._quotes(group)

    def _quotes(self, quotes):
        words, options = self.words, self.options
        for quote in quotes:
            p = self.paragraph("quote")
            if quote.is_key:
                self.run(p, "★ ", bold=True)
            r = self.run(p, f"{words['open']}{quote.text}{words['close']}")
            if self.memos and quote.memo.strip():
                self.comment(r, quote.memo, quote.coder or "Kodeverk")
            self.paragraph("source", attribution(quote, options))
            self.done += 1
            self._report(force=False)

    # The report's appendices on the plans.

    def _plan_quotes(self):
        seen, found = set(), []
        for quote in self.quotes:
            if quote.kind == "plan" and quote.excerpt_id not in seen:
                seen.add(quote.excerpt_id)
                found.append(quote)
        return sorted(found, key=lambda q: (*county_key(q.county), name_key(q.plan_title), q.document_id, q.start))

    def study_memos(self):
        """The memos on documents, participants, counties and the study (coding.Memo), oldest first."""
        memos = list(Memo.objects.filter(project=self.project).select_related(
            "author", "document", "participant", "county").order_by("created_at", "id"))
        if not memos:
            return
        self.paragraph("h1", self.words["study_memos"])
        for memo in memos:
            about = f"{memo.get_kind_display()}: {memo.target}" if memo.target else memo.get_kind_display()
            author = memo.author.get_username() if memo.author else ""
            when = format_date(timezone.localtime(memo.created_at).date(), self.options.language)
            self.paragraph(None, " – ".join(p for p in (str(about), author, when) if p), bold=True)
            for line in memo.text.splitlines() or [""]:
                self.paragraph(None, line)

    def plan_tables(self):
        words = self.words
        plans = Plan.objects.filter(county__project=self.project).select_related("county")
        if self.options.counties:
            plans = plans.filter(county_id__in=self.options.counties)
        types = self.names["plan_type"]
        plans = list(plans)
        # The register's search columns (hits per plan, «–» for none) and the team's assessment, as in
        # the report's appendices 3 and 4.
        columns = register_columns(self.project, plans)
        rows = sorted(([p.county.name, types.get(p.plan_type, p.plan_type), p.title, str(p.year), p.assessment,
                        *(str(c.counts.get(p.pk) or "–") for c in columns)] for p in plans),
                      key=lambda row: (name_key(row[0]), name_key(row[1]), name_key(row[2]), row[3]))
        self.paragraph("h1", words["plan_overview"])
        searches = [1.4] * len(columns)
        self._table([*words["overview_headers"], words["assessment"], *(f"«{c.label}»" for c in columns)], rows,
                    [2.6, 2.8, 4.6, 1.2, max(3.0, 16 - 11.2 - sum(searches)), *searches])
        self.paragraph("h1", words["plan_excerpts"])
        groups = self._counties(self._plan_quotes())
        if not groups:
            self.paragraph(None, words["no_plan_excerpts"])
        for _county_id, name, items in groups:
            self.paragraph("h2", name)
            rows = []
            for quote in items:
                page = f" ({words['page']} {quote.page})" if quote.page is not None else ""
                rows.append([name, quote.plan_title or quote.document_title,
                             f"{words['open']}{quote.text}{words['close']}{page}"])
            self._table(words["excerpt_headers"], rows, [2.8, 4.4, 8.8])

    def _table(self, headers, rows, widths):
        """A table in Word's «Table Grid» style, its header row repeated on every page; widths in cm."""
        widths = [_twips(cm) for cm in widths]
        table = _el(self.body, "tbl")
        properties = _el(table, "tblPr")
        _el(properties, "tblStyle", val="TableGrid")
        _el(properties, "tblW", w=sum(widths), type="dxa")
        _el(properties, "tblLook", val="04A0", firstRow=1, lastRow=0, firstColumn=1, lastColumn=0, noHBand=0,
            noVBand=1)
        grid = _el(table, "tblGrid")
        for width in widths:
            _el(grid, "gridCol", w=width)
        for index, values in enumerate([headers, *rows]):
            row = _el(table, "tr")
            if index == 0:
                _el(_el(row, "trPr"), "tblHeader")
            for value, width in zip(values, widths, strict=True):
                cell = _el(row, "tc")
                _el(_el(cell, "tcPr"), "tcW", w=width, type="dxa")
                self.run(_el(cell, "p"), value, bold=index == 0)


# Parts of python-docx's default template that no generated file uses: Word 2010's second copy of every
# style (stylesWithEffects, 438 KB unpacked), the template's thumbnail and its custom XML store. With
# them and the unused styles (below) a one-theme file of 125 quotes was 45 KB, three times Taguette's.
_UNUSED_PARTS = {"stylesWithEffects", "thumbnail", "customXml"}
_STYLE_REFERENCES = ("pStyle", "rStyle", "tblStyle", "numStyleLink", "styleLink")
_STYLE_LINKS = ("basedOn", "next", "link")


def _slim(document, keep):
    """Drop the template's unused parts, the styles nothing refers to, and the latent style list (Word's
    defaults for its 267 built-in styles, which it knows without it). `keep`: style ids to keep anyway
    (the table of contents' styles, which Word applies when it updates the field)."""
    for rels in (document.part.package.rels, document.part.rels):
        for rid, rel in list(rels.items()):
            if rel.reltype.rsplit("/", 1)[-1] in _UNUSED_PARTS:
                rels.pop(rid)
    used = set(keep)
    for part in document.part.package.iter_parts():
        element = getattr(part, "_element", None)
        if element is None or element is document.styles.element:
            continue
        for name in _STYLE_REFERENCES:
            used.update(node.get(_W_VAL) for node in element.iter(_W + name))
    styles = document.styles.element
    by_id = {style.get(_W + "styleId"): style for style in styles.iter(_W + "style")}
    wanted = list(used) + [sid for sid, style in by_id.items() if style.get(_W + "default") in ("1", "true")]
    kept = set()
    while wanted:
        sid = wanted.pop()
        if sid in kept or sid not in by_id:
            continue
        kept.add(sid)
        wanted += [link.get(_W_VAL) for name in _STYLE_LINKS for link in by_id[sid].iter(_W + name)]
    for sid, style in by_id.items():
        if sid not in kept:
            styles.remove(style)
    for latent in styles.findall(_W + "latentStyles"):
        styles.remove(latent)


def write_docx(project, options, themes, quotes, *, progress=None):
    """The .docx bytes of an export. `themes` from selected_themes, `quotes` from collect (after any anonymity)."""
    return _Writer(project, options, themes, quotes, progress).write()
