"""The quotes of an export as a spreadsheet (.xlsx or .csv): one row per excerpt and theme.

Every text cell goes through planner/spreadsheets.py, so a memo or quote that begins with
= + - @ stays text and Excel runs no formula. A publication export leaves out what could
name an informant (county, document, participant, time code) on interview rows; plans are public.
"""

from django.utils import timezone

from coding.exports.quotes import attribution
from coding.quotes import LABELS as ATTRIBUTION_LABELS
from coding.quotes import display_names, field_label
from planner.models import Document
from planner.spreadsheets import add_sheet, csv_bytes, new_workbook, xlsx_bytes

HEADERS = {
    "nb": ["Studie", "Tema", "Dokument", "Type", "Fylke", "Deltaker", "Rolle", "Fagfelt", "Tidskode/side", "Start",
           "Slutt", "Tekst", "Notat", "Koder", "Nøkkelsitat", "Opprettet", "Kildehenvisning", "Utdrag-ID"],
    "en": ["Study", "Theme", "Document", "Kind", "County", "Participant", "Role", "Field", "Time code/page", "Start",
           "End", "Text", "Memo", "Coder", "Key quote", "Created", "Attribution", "Excerpt ID"],
}
KIND_NAMES = {"nb": {"transcript": "Transkripsjon", "plan": "Plandokument"},
              "en": {"transcript": "Transcript", "plan": "Plan document"}}
YES = {"nb": ("ja", "nei"), "en": ("yes", "no")}
_WIDTHS = [24, 28, 30, 14, 14, 16, 12, 18, 14, 8, 8, 80, 40, 14, 10, 18, 50, 10]


def rows(project, options, themes, quotes, *, for_csv=False):
    """The header and one row per excerpt and theme, in theme order, then county and place."""
    language = options.language
    names, words, kinds = display_names(language), ATTRIBUTION_LABELS[language], KIND_NAMES[language]
    yes, no = YES[language]
    hide = options.attribution == "publication"
    by_theme = {theme.pk: [] for theme in themes}
    for quote in quotes:
        for theme_id in quote.theme_ids:
            by_theme[theme_id].append(quote)
    yield HEADERS[language]
    for theme in themes:
        for quote in by_theme[theme.pk]:
            interview = quote.kind == Document.Kind.TRANSCRIPT
            if quote.kind == Document.Kind.PLAN:
                place = f"{words['page']} {quote.page}" if quote.page is not None else ""
            else:
                place = quote.time_code
            secret = hide and interview
            created = timezone.localtime(quote.created_at).replace(tzinfo=None, microsecond=0)
            yield [
                project.name, theme.name, "" if secret else quote.document_title, kinds.get(quote.kind, quote.kind),
                "" if secret else quote.county, "" if secret else quote.participant_label,
                names["role"].get(quote.role, ""), field_label(quote, options.language), "" if secret else place,
                # Memos are the team's notes, which the anonymity check does not read: not for publication.
                quote.start, quote.end, quote.text, "" if hide else quote.memo, quote.coder,
                yes if quote.is_key else no,
                created.isoformat(sep=" ") if for_csv else created, attribution(quote, options), quote.excerpt_id,
            ]


def write_xlsx(project, options, themes, quotes):
    workbook = new_workbook()
    sheet = add_sheet(workbook, "Utdrag" if options.language == "nb" else "Excerpts",
                      rows(project, options, themes, quotes), widths=_WIDTHS, auto_filter=True)
    created = HEADERS[options.language].index("Opprettet" if options.language == "nb" else "Created") + 1
    for (cell,) in sheet.iter_rows(min_row=2, min_col=created, max_col=created):
        cell.number_format = "yyyy-mm-dd hh:mm"
    return xlsx_bytes(workbook)


def write_csv(project, options, themes, quotes):
    return csv_bytes(rows(project, options, themes, quotes, for_csv=True))
