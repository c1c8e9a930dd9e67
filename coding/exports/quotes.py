"""The quotes an export holds, read in a fixed number of queries, and how each is signed.

Attribution is derived here, never stored (DESIGN.md): a transcript quote's speaker is the turn
that contains its start; the export signs it internally (role, field, county, interview, time
code) or as the report does (role and field only, never the county or a name).
"""

import datetime
from dataclasses import dataclass
from functools import lru_cache

from django.db.models import Exists, OuterRef, Subquery
from django.utils import translation

from coding.codebook_views import codebook_order
from coding.models import Coding, Excerpt
from coding.review.collection_views import _children, _speaker_turn, _sub_themes
from interviews.importers import UNKNOWN_SPEAKER
from interviews.models import InterviewFormat, ParticipantField, ParticipantRole, Turn, format_seconds
from planner.collation import name_key
from planner.models import Chunk, Document, PlanType
from planner.textindex import slices

KINDS = {"interviews": Document.Kind.TRANSCRIPT, "plans": Document.Kind.PLAN}
INFORMANT_ROLES = (ParticipantRole.ADVISOR, ParticipantRole.LEADER)

# Words of the attribution lines that are not display names of choices. Kept here rather than in
# gettext so that the signature a report uses never depends on the state of a translation file.
LABELS = {
    "nb": {"page": "s.", "county_council": "fylkeskommune", "informant": "Informant", "interviewer": "Intervjuer"},
    "en": {"page": "p.", "county_council": "county council", "informant": "Informant", "interviewer": "Interviewer"},
}


@dataclass
class Quote:
    excerpt_id: int
    text: str
    theme_ids: list[int]  # the selected themes it is shown under, in codebook order (once each)
    county_id: int | None
    county: str  # county name, or ""
    document_id: int
    document_title: str
    kind: str  # "transcript" | "plan"
    participant_label: str  # speaker of the turn containing the excerpt's start; "" for plans
    role: str  # Participant role code, "" if none
    field: str  # Participant field code, "" if none
    interview_format: str
    interview_date: datetime.date | None
    time_code: str  # "00:14:32" or ""
    plan_title: str
    plan_type: str  # Plan.plan_type code, "" if none
    page: int | None
    memo: str
    coder: str  # username or ""
    is_key: bool
    start: int
    end: int
    created_at: datetime.datetime
    field_other: str = ""  # the field in the study's own words, for field «other»; "" if none


def speaker_kind(quote) -> str:
    """Who speaks in a quote, as far as its signature goes: the one home of that rule.

    "plan" for a plan excerpt; for a transcript quote "interviewer", "informant" (adviser or
    leader), "unattributed" (no turn, or a turn still of «Ukjent»: nobody has said who speaks)
    or "participant" (someone of another role).
    """
    if quote.kind == Document.Kind.PLAN:
        return "plan"
    if quote.participant_label in ("", UNKNOWN_SPEAKER):
        return "unattributed"
    if quote.role == ParticipantRole.INTERVIEWER:
        return "interviewer"
    if quote.role in INFORMANT_ROLES:
        return "informant"
    return "participant"


def county_key(county_name):
    """Counties by name, «no county» last."""
    return (not county_name, name_key(county_name or ""))


def selected_themes(project, options):
    """The themes the export shows, in codebook order, each with `members`: its id and its sub-themes' ids.

    No theme chosen means every theme the codebook shows: archived themes only while coded.
    A chosen id that is not a theme of the study is a ValueError.
    """
    themes = codebook_order(list(project.themes.annotate(
        coded=Exists(Coding.objects.filter(theme=OuterRef("pk")))).order_by("position", "name")))
    if options.themes:
        known = {theme.pk for theme in themes}
        unknown = [pk for pk in options.themes if pk not in known]
        if unknown:
            raise ValueError(f"themes: {unknown[0]} is not a theme of the study")
        chosen = [theme for theme in themes if theme.pk in set(options.themes)]
    else:
        chosen = [theme for theme in themes if not theme.archived or theme.coded]
    children = _children(themes)
    for theme in chosen:
        theme.members = {theme.pk, *(sub.pk for sub in _sub_themes(children, theme))}
    return chosen


def selected_excerpts(project, options, member_ids):
    """The study's excerpts coded with any theme of `member_ids` that pass the options' filters (a queryset)."""
    excerpts = Excerpt.objects.filter(document__project=project).filter(
        Exists(Coding.objects.filter(excerpt=OuterRef("pk"), theme_id__in=member_ids)))
    if options.counties:
        excerpts = excerpts.filter(document__county_id__in=options.counties)
    if options.sources in KINDS:
        excerpts = excerpts.filter(document__kind=KINDS[options.sources])
    if options.key_only:
        excerpts = excerpts.filter(is_key=True)
    if options.coder:
        excerpts = excerpts.filter(coder__username=options.coder)
    return excerpts


def collect(project, options, *, themes=None) -> list[Quote]:
    """The export's quotes, by county («no county» last), document title and place: six queries, whatever the number.

    `themes` is selected_themes(project, options), when the caller has it already.
    Texts are cut out of the search chunks that hold them, never out of the whole documents
    (on PostgreSQL reading a long text means decompressing all of it, once per excerpt).
    """
    themes = selected_themes(project, options) if themes is None else themes
    shown_under = {}  # theme id -> the selected themes whose heading collects it
    for theme in themes:
        for member in theme.members:
            shown_under.setdefault(member, set()).add(theme.pk)
    if not shown_under:
        return []
    base = selected_excerpts(project, options, list(shown_under))
    rows = list(base.annotate(turn_id=Subquery(_speaker_turn().values("pk")[:1])).values_list(
        "pk", "document_id", "start", "end", "memo", "is_key", "coder__username", "created_at", "turn_id"))
    headings = {}
    for excerpt_id, theme_id in Coding.objects.filter(excerpt__in=base.values("pk"),
                                                      theme_id__in=list(shown_under)).values_list(
            "excerpt_id", "theme_id"):
        headings.setdefault(excerpt_id, set()).update(shown_under[theme_id])
    documents = {d.pk: d for d in Document.objects.filter(pk__in=base.values("document_id")).defer("text")
                 .select_related("county", "plan", "interview")}
    turns = {pk: rest for pk, *rest in Turn.objects.filter(pk__in=Subquery(
        base.filter(document__kind=Document.Kind.TRANSCRIPT).annotate(
            turn_id=Subquery(_speaker_turn().values("pk")[:1])).values("turn_id"))).values_list(
        "pk", "participant__label", "participant__role", "participant__field", "participant__field_other",
        "start_seconds", "speech_start")}
    # A quote that starts on its speaker's label («Informant 3: ») starts at the speech: the
    # attribution line says who speaks, and the label would only be masked as «[navn]:».
    spans = []
    for excerpt_id, document_id, start, end, *_rest, turn_id in rows:
        speech = turns[turn_id][-1] if turn_id in turns else start
        spans.append((excerpt_id, document_id, speech if start < speech < end else start, end))
    texts = _texts(base, spans)
    place = {theme.pk: index for index, theme in enumerate(themes)}
    quotes = []
    for excerpt_id, document_id, start, end, memo, is_key, coder, created_at, turn_id in rows:
        # The queries do not share a snapshot: skip an excerpt that lost its themes or document in between.
        document = documents.get(document_id)
        if document is None or excerpt_id not in headings:
            continue
        label, role, field, field_other, seconds, _speech = turns.get(turn_id, ("", "", "", "", None, None))
        interview = getattr(document, "interview", None) if document.kind == Document.Kind.TRANSCRIPT else None
        plan = document.plan
        quotes.append(Quote(
            excerpt_id=excerpt_id, text=texts[excerpt_id],
            theme_ids=sorted(headings[excerpt_id], key=place.__getitem__),
            county_id=document.county_id, county=document.county.name if document.county else "",
            document_id=document_id, document_title=document.title, kind=document.kind,
            participant_label=label, role=role, field=field, field_other=field_other or "",
            interview_format=interview.format if interview else "",
            interview_date=interview.date if interview else None,
            time_code=format_seconds(seconds), plan_title=plan.title if plan else "",
            plan_type=plan.plan_type if plan else "", page=document.page_at(start), memo=memo, coder=coder or "",
            is_key=is_key, start=start, end=end, created_at=created_at,
        ))
    quotes.sort(key=lambda q: (*county_key(q.county), name_key(q.document_title), q.document_id, q.start, q.end,
                               q.excerpt_id))
    return quotes


def _texts(base, rows):
    """Each excerpt's text, put together from the chunks that overlap it: one query."""
    chunks = Chunk.objects.filter(document_id__in=base.values("document_id")).filter(Exists(base.filter(
        document_id=OuterRef("document_id"), start__lt=OuterRef("end"), end__gt=OuterRef("start"))))
    return slices(chunks, rows)


@lru_cache(maxsize=4)
def _names(language):
    """Display names of roles, fields, interview formats and plan types in one language."""
    with translation.override(language):
        return {
            "role": {code: str(label) for code, label in ParticipantRole.choices},
            "field": {code: str(label) for code, label in ParticipantField.choices},
            "format": {code: str(label) for code, label in InterviewFormat.choices},
            "plan_type": {code: str(label) for code, label in PlanType.choices},
        }


def display_names(language):
    return _names(language)


def field_label(quote, language="nb") -> str:
    """The speaker's field as a column shows it: the choice's name, or the study's own words for «other»."""
    if quote.field == ParticipantField.OTHER and quote.field_other:
        return quote.field_other
    return _names(language)["field"].get(quote.field, "")


def _field(quote, names):
    """The field in lower case, as inside a sentence; «other field» is named by the study's own words
    for it, as written, or left out when there are none."""
    if quote.field == ParticipantField.OTHER:
        return quote.field_other
    return names["field"].get(quote.field, "").lower() if quote.field else ""


def _page(quote, language):
    return f"{LABELS[language]['page']} {quote.page}" if quote.page is not None else ""


def format_date(date, language="nb"):
    return date.strftime("%d.%m.%Y") if language == "nb" else date.strftime("%d/%m/%Y")


def internal_attribution(quote, language="nb") -> str:
    """«Rådgiver, integrering – Agder – Gruppeintervju 12.02.2025 – 00:14:32»; plans:
    «Regional planstrategi for Vestland 2024–2028 – Planstrategi – Vestland – s. 12». Missing parts are left out."""
    names = _names(language)
    if quote.kind == Document.Kind.PLAN:
        parts = [quote.plan_title or quote.document_title, names["plan_type"].get(quote.plan_type, ""),
                 quote.county, _page(quote, language)]
    else:
        if quote.role in ("", ParticipantRole.OTHER):
            speaker = quote.participant_label  # «Ukjent» or a label: the role says nothing
        else:
            speaker = ", ".join(p for p in (names["role"].get(quote.role, ""), _field(quote, names)) if p)
        interview = " ".join(p for p in (names["format"].get(quote.interview_format, ""),
                                         format_date(quote.interview_date, language) if quote.interview_date else "")
                             if p)
        parts = [speaker, quote.county, interview, quote.time_code]
    return " – ".join(p for p in parts if p)


def publication_attribution(quote, language="nb") -> str:
    """As the report signs quotes: «(Rådgiver, integrering, fylkeskommune)», never a county or a name for
    informants; the interviewer's words «(Intervjuer)»; plans are public: «(Planstrategi, Vestland, s. 12)».

    A quote nobody has attributed is never signed as an informant's: the anonymity review leaves it out
    unless the lead keeps it, and then it says only «(fylkeskommune)».
    """
    names, words = _names(language), LABELS[language]
    kind = speaker_kind(quote)
    if kind == "plan":
        parts = [names["plan_type"].get(quote.plan_type, "") or "Plan", quote.county, _page(quote, language)]
    elif kind == "informant":
        parts = [names["role"][quote.role], _field(quote, names), words["county_council"]]
    elif kind == "interviewer":
        parts = [words["interviewer"]]
    elif kind == "unattributed":
        parts = [words["county_council"]]
    else:
        parts = [words["informant"], words["county_council"]]
    return "(" + ", ".join(p for p in parts if p) + ")"


def attribution(quote, options):
    if options.attribution == "publication":
        return publication_attribution(quote, options.language)
    return internal_attribution(quote, options.language)
