"""The quotes module: the speaker turn of a position, a quote's shown text and its attribution, and 200
generated quotes that read and are signed the same on the review page, in Word, .xlsx, .csv and search."""

import copy
import csv
import datetime
import html
import io
import random
import re
from dataclasses import replace

import docx
import openpyxl
import pytest
from django.urls import reverse

from coding.exports.build import produce
from coding.exports.options import ExportOptions
from coding.exports.quotes import collect
from coding.models import Excerpt
from coding.quotes import (
    Quote,
    TurnsAround,
    codebook_order,
    excerpts_with_passages,
    internal_attribution,
    publication_attribution,
    quote_text,
    shown_text,
    speech_span,
    speech_start,
    turn_index,
    turns_over,
)
from coding.review.matrix import matrix
from coding.search import search
from coding.services import excerpt_create, theme_create
from interviews.importers import UNKNOWN_SPEAKER, ParsedTranscript, Turn
from interviews.models import Turn as TurnRow
from interviews.services import NewParticipant, transcript_import
from planner.models import Document, Plan

# --- The speaker turn of a position --------------------------------------------------------------


def test_turn_index_is_the_last_turn_starting_at_or_before_the_position():
    starts = [0, 10, 25]
    assert turn_index(starts, 0) == 0  # a turn that starts where the quote starts is its turn
    assert turn_index(starts, 9) == 0
    assert turn_index(starts, 10) == 1
    assert turn_index(starts, 24) == 1
    assert turn_index(starts, 25) == 2
    assert turn_index(starts, 10_000) == 2
    assert turn_index([5, 10], 4) is None  # before the first turn: nobody speaks
    assert turn_index([], 3) is None


def test_speech_start_trims_a_label_only_when_the_quote_starts_on_it():
    assert speech_start(0, 30, 7) == 7  # «Kari: Vi …» starts at «Vi»
    assert speech_start(7, 30, 7) == 7  # starts at the speech already
    assert speech_start(9, 30, 7) == 9  # inside the speech
    assert speech_start(0, 5, 7) == 0  # only the label selected: nothing else to show
    assert speech_start(0, 7, 7) == 0
    assert speech_start(4, 30, None) == 4  # plans, and quotes before any turn


# --- A quote's shown text ----------------------------------------------------------------------


@pytest.mark.parametrize(("stored", "shown"), [
    ("styrke inte-\ngrering av flyktninger", "styrke integrering av flyktninger"),
    ("styrke inte- \n grering", "styrke integrering"),
    ("tilbud i Nord-\nNorge", "tilbud i Nord-Norge"),  # before a capital the hyphen is a compound's
    ("samarbeid med\nkommunene", "samarbeid med kommunene"),
    ("samarbeid med  \n  kommunene", "samarbeid med kommunene"),
    ("Første setning.\nAndre setning", "Første setning.\nAndre setning"),  # a break after a sentence stays
    ("Spørsmål?\nSvar", "Spørsmål?\nSvar"),
    ("Et avsnitt\n\nNeste avsnitt", "Et avsnitt\n\nNeste avsnitt"),  # paragraphs stay
    ("år 2024-\n2028", "år 2024- 2028"),  # digits are not a hyphenated word
    ("glad 🙂\nfor det", "glad 🙂 for det"),
    ("ørret-\nøye", "ørretøye"),
    ("", ""),
    ("uten brudd", "uten brudd"),
])
def test_shown_text_joins_pdf_line_breaks_and_hyphenation(stored, shown):
    assert shown_text(stored) == shown


# --- Attribution variants ----------------------------------------------------------------------


def a_quote(**fields):
    base = dict(excerpt_id=1, text="Vi har et godt samarbeid.", theme_ids=[], county_id=1, county="Agder",
                document_id=1, document_title="Gruppeintervju Agder", kind="transcript",
                participant_label="Informant 3",
                role="advisor", field="integration", interview_format="group_interview",
                interview_date=datetime.date(2025, 2, 12), time_code="00:14:32", plan_title="", plan_type="",
                page=None, memo="", coder="analytiker", is_key=False, start=0, end=10,
                created_at=datetime.datetime(2025, 3, 1, 12, 0, tzinfo=datetime.UTC))
    return Quote(**{**base, **fields})


def test_internal_attribution_variants():
    informant = a_quote()
    assert internal_attribution(informant) == "Rådgiver, integrering – Agder – Gruppeintervju 12.02.2025 – 00:14:32"
    assert internal_attribution(informant, "en") == "Adviser, integration – Agder – Group interview 12/02/2025 – " \
                                                   "00:14:32"
    assert internal_attribution(replace(informant, role="other")) == \
        "Informant 3 – Agder – Gruppeintervju 12.02.2025 – 00:14:32"  # the role says nothing: the label does
    assert internal_attribution(replace(informant, field="other", field_other="Folkehelse")) == \
        "Rådgiver, Folkehelse – Agder – Gruppeintervju 12.02.2025 – 00:14:32"
    assert internal_attribution(replace(informant, county="", interview_date=None, time_code="")) == \
        "Rådgiver, integrering – Gruppeintervju"
    plan = a_quote(kind="plan", participant_label="", role="", field="", interview_format="", interview_date=None,
                   time_code="", plan_title="Regional planstrategi for Vestland", plan_type="strategy",
                   county="Vestland", page=12)
    assert internal_attribution(plan) == "Regional planstrategi for Vestland – Planstrategi – Vestland – s. 12"
    assert internal_attribution(plan, "en").endswith(" – Vestland – p. 12")


def test_publication_attribution_variants():
    informant = a_quote()
    assert publication_attribution(informant) == "(Rådgiver, integrering, fylkeskommune)"
    assert publication_attribution(informant, "en") == "(Adviser, integration, county council)"
    assert publication_attribution(replace(informant, role="interviewer")) == "(Intervjuer)"
    assert publication_attribution(replace(informant, role="other")) == "(Informant, fylkeskommune)"
    assert publication_attribution(replace(informant, participant_label=UNKNOWN_SPEAKER)) == "(fylkeskommune)"
    assert publication_attribution(replace(informant, participant_label="")) == "(fylkeskommune)"
    plan = a_quote(kind="plan", participant_label="", role="", plan_type="strategy", county="Vestland", page=12)
    assert publication_attribution(plan) == "(Planstrategi, Vestland, s. 12)"
    assert publication_attribution(plan, "en") == "(Regional plan strategy, Vestland, p. 12)"


def test_codebook_order_puts_sub_themes_under_their_theme(project, lead):
    first, second = list(project.themes.order_by("position", "name")[:2])
    child = theme_create(project=project, user=lead, name="Under", colour="#112233", parent=second)
    grandchild = theme_create(project=project, user=lead, name="Under under", colour="#445566", parent=child)
    ordered = codebook_order(project.themes.order_by("position", "name"))
    names = [t.name for t in ordered]
    assert names.index(second.name) < names.index("Under") < names.index("Under under")
    assert names.index("Under under") == names.index(second.name) + 2
    assert {t.pk: t.depth for t in ordered}[grandchild.pk] == 2 and {t.pk: t.depth for t in ordered}[first.pk] == 0


# --- 200 generated quotes, read the same everywhere --------------------------------------------

SPEAKERS = [("Intervjuer", "interviewer", "other"), ("Kari", "advisor", "integration"), ("Ola", "leader", "business"),
            ("Per", "other", "other")]
WORDS = ["bosetting", "kommunene", "samarbeid", "flyktninger", "kvalifisering", "næringslivet", "Økt", "språk"]


class Generated:
    """Transcripts (labelled, speakerless and mixed) and plans with PDF line breaks, and one excerpt per
    expected quote: {excerpt id: (token, expected shown text)}."""

    def __init__(self, project, user, count=200):
        self.project, self.user = project, user
        self.theme = theme_create(project=project, user=user, name="Generert tema", colour="#336699")
        self.random, self.count = random.Random(12), count
        self.expected, self.serial = {}, 0
        counties = list(project.counties.filter(in_study=True).order_by("name")[:3])
        document_number = 0
        while len(self.expected) < count:
            document_number += 1
            county = counties[document_number % len(counties)]
            if document_number % 2:
                self.transcript(county, document_number, mode=("labelled", "speakerless", "mixed")[
                    document_number // 2 % 3])
            else:
                self.plan(county, document_number)

    def token(self):
        self.serial += 1
        return f"kode{self.serial}x"

    def sentence(self, token):
        words = self.random.sample(WORDS, 3)
        emoji = self.random.choice(["", " 🙂", " 👍🏽", ""])
        return f"{words[0].capitalize()} og {words[1]} {token} gir {words[2]}{emoji}."

    def transcript(self, county, number, mode):
        turns, speeches = [], []
        for index in range(12):
            name, _role, _field = SPEAKERS[index % len(SPEAKERS)]
            labelled = mode == "labelled" or (mode == "mixed" and index % 3)
            token = self.token()
            speech = self.sentence(token)
            turns.append(Turn(speaker=name if labelled else UNKNOWN_SPEAKER, text=speech, start=7.0 * index + 3,
                              labelled=bool(labelled)))
            speeches.append((token, speech))
        mapping = {UNKNOWN_SPEAKER: NewParticipant(label=UNKNOWN_SPEAKER, role="other")}
        for name, role, field in SPEAKERS:
            mapping[name] = NewParticipant(label=f"{name} {number}", role=role, field=field)
        document = transcript_import(
            project=self.project, user=self.user, parsed=ParsedTranscript(format="srt", turns=turns),
            mapping=mapping, title=f"Intervju {number:03d}", county=county, interview_format="group_interview",
            date=datetime.date(2025, 2, number % 28 + 1))
        rows = list(TurnRow.objects.filter(document=document).order_by("start"))
        assert len(rows) == len(speeches)
        for row, (token, speech) in zip(rows, speeches, strict=True):
            assert document.text[row.speech_start:row.end].rstrip("\n") == speech
            # Every other selection starts on the speaker's label (where the turn has one).
            start = row.start if self.random.random() < 0.5 else row.speech_start
            self.code(document, start, row.speech_start + len(speech), token, speech)

    def plan(self, county, number):
        """Pages of sentences as a PDF gives them: hyphenated words and lines broken inside sentences."""
        plan = Plan.objects.filter(county=county).order_by("pk").first()
        text, starts, sentences = "", [], []
        for _page in range(4):
            starts.append(len(text))
            for _line in range(5):
                token = self.token()
                kind = self.random.choice(["hyphen", "break", "compound", "plain"])
                if kind == "hyphen":
                    stored = f"Fylkeskommunen skal styrke inte-\ngrering av {token} flyktninger."
                    shown = f"Fylkeskommunen skal styrke integrering av {token} flyktninger."
                elif kind == "break":
                    stored = f"Samarbeidet med\nkommunene gir {token} resultater 🙂 i\nhele fylket."
                    shown = f"Samarbeidet med kommunene gir {token} resultater 🙂 i hele fylket."
                elif kind == "compound":
                    stored = f"Tilbudet i Nord-\nNorge trenger {token} folk."
                    shown = f"Tilbudet i Nord-Norge trenger {token} folk."
                else:
                    stored = shown = self.sentence(token)
                sentences.append((len(text), token, stored, shown))
                text += stored + self.random.choice([" ", "\n"])
            text += "\n\n"
        document = Document.objects.create(project=self.project, kind="plan", county=county, plan=plan,
                                           title=f"Plan {number:03d}", text=text, page_starts=starts)
        for start, token, stored, shown in sentences:
            assert document.text[start:start + len(stored)] == stored
            self.code(document, start, start + len(stored), token, shown)

    def code(self, document, start, end, token, shown):
        if len(self.expected) == self.count:
            return
        excerpt = excerpt_create(document=document, start=start, end=end, coder=self.user, themes=[self.theme])
        assert (excerpt.start, excerpt.end) == (start, end)
        self.expected[excerpt.pk] = (token, shown)


# One study for the whole module, built once (tests/conftest.py `module_study`); each test's changes are
# rolled back after it, and each test gets its own copy of the objects in memory.
pytestmark = pytest.mark.usefixtures("module_study")


@pytest.fixture(scope="module", autouse=True)
def shared(module_study):
    project, analyst = module_study.project, module_study.analyst
    return Generated(project, analyst)


@pytest.fixture
def generated(shared, db):
    return copy.deepcopy(shared)


QUOTE_ITEM = re.compile(r'<li class="quote[^"]*" id="quote-(\d+)">\s*<blockquote class="quote-text">'
                        r'<a [^>]*>«(.*?)»</a></blockquote>\s*'
                        r'<p class="attribution"><span class="signature">(.*?)</span>', re.S)


def review_list(client, project, theme):
    """{excerpt id: (text, attribution)} as the theme's collection page shows them, every page."""
    found, page = {}, 1
    while True:
        response = client.get(reverse("coding:theme_collection", args=[project.slug, theme.pk]), {"page": page})
        assert response.status_code == 200
        for pk, text, signature in QUOTE_ITEM.findall(response.content.decode()):
            found[int(pk)] = (html.unescape(text), html.unescape(signature))
        if not response.context["page"].has_next():
            return found
        page += 1


def word_export(project, options):
    """{text: attribution} of a produced .docx (texts are unique: each holds its own token)."""
    paragraphs = docx.Document(io.BytesIO(produce(project, options, "docx").data)).paragraphs
    found = {}
    for index, paragraph in enumerate(paragraphs):
        if paragraph.style.name == "Kilde":
            text = paragraphs[index - 1].text
            assert text.startswith("«") and text.endswith("»")
            found[text[1:-1]] = paragraph.text
    return found


def sheet_rows(project, options, fmt):
    """{excerpt id: (text, attribution)} of a produced .xlsx or .csv."""
    data = produce(project, options, fmt).data
    if fmt == "xlsx":
        rows = [[cell if cell is not None else "" for cell in row]
                for row in openpyxl.load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True)]
    else:
        rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    header = rows[0]
    text, signature, pk = header.index("Tekst"), header.index("Kildehenvisning"), header.index("Utdrag-ID")
    return {int(row[pk]): (row[text], row[signature]) for row in rows[1:]}


MARKED = re.compile(r'<mark class="passage">(.*?)</mark>', re.S)


def search_proposal(client, project, hit):
    """The text the «Code» button of a search hit proposes: the sentence around the hit (the panel htmx
    puts under the hit, as the search page asks for it)."""
    url = reverse("coding:hit_code", args=[project.slug, hit.document_id])
    response = client.get(url, {"hit_start": hit.start, "hit_end": hit.end}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    return html.unescape(MARKED.search(response.content.decode()).group(1))


def test_200_generated_quotes_read_and_are_signed_the_same_everywhere(client, project, analyst, generated):
    expected = generated.expected
    assert len(expected) == 200
    excerpts = Excerpt.objects.in_bulk(list(expected))
    quotes = {q.excerpt_id: q for q in collect(project, ExportOptions(themes=[generated.theme.pk]))}
    assert set(quotes) == set(expected)
    kinds = {q.kind for q in quotes.values()}
    assert kinds == {"transcript", "plan"}
    assert sum(1 for q in quotes.values() if q.kind == "transcript" and excerpts[q.excerpt_id].start < q.start) == 0
    on_label = [pk for pk, e in excerpts.items() if e.document.kind == "transcript"
                and e.start < TurnRow.objects.filter(document_id=e.document_id, start__lte=e.start)
                .order_by("-start").first().speech_start]
    assert len(on_label) > 20  # selections that start on a speaker's label
    assert any("-\n" in e.document.text[e.start:e.end] for e in excerpts.values())
    assert any("🙂" in text or "👍🏽" in text for _token, text in expected.values())
    signatures = {pk: internal_attribution(quote, "nb") for pk, quote in quotes.items()}
    assert {q.participant_label for q in quotes.values()} >= {UNKNOWN_SPEAKER, ""}

    for pk, (_token, text) in expected.items():
        assert quotes[pk].text == text, pk

    client.force_login(analyst)
    client.cookies["django_language"] = "nb"
    assert review_list(client, project, generated.theme) == {pk: (text, signatures[pk])
                                                            for pk, (_token, text) in expected.items()}

    options = ExportOptions(themes=[generated.theme.pk], summaries=False)
    assert word_export(project, options) == {text: signatures[pk] for pk, (_token, text) in expected.items()}
    for fmt in ("xlsx", "csv"):
        assert sheet_rows(project, options, fmt) == {pk: (text, signatures[pk])
                                                     for pk, (_token, text) in expected.items()}, fmt

    for pk, (_token, text) in expected.items():
        assert quote_text(excerpts[pk].document, excerpts[pk].start, excerpts[pk].end) == text

    # Search: each quote's token is found; its «Code» button proposes the quote's sentence, shown as the
    # quote will read (label trimmed, PDF lines joined), and the hit's place is the quote's turn or page.
    results = search(project=project, query=" ".join(token for token, _text in expected.values()))
    hits = {}
    for result in results:
        for hit in result.hits:
            hit.document_id = result.document.pk
            hits[hit.term.label] = hit
    for pk, (token, text) in expected.items():
        quote, hit = quotes[pk], hits[token]
        assert (hit.time_code, hit.page) == (quote.time_code, quote.page), pk
        assert search_proposal(client, project, hit) == text, pk


def test_the_matrix_counts_informants_by_the_same_turn_rule(project, analyst, generated):
    """The informant matrix's SQL window gives each excerpt the speaker turn_index() gives it."""
    informants = {}
    for excerpt in Excerpt.objects.filter(pk__in=list(generated.expected)).select_related("document"):
        if excerpt.document.kind != "transcript":
            continue
        turns = list(TurnRow.objects.filter(document=excerpt.document).order_by("start").select_related(
            "participant"))
        index = turn_index([t.start for t in turns], excerpt.start)
        speaker = turns[index].participant if index is not None else None
        if speaker is not None and speaker.role in ("advisor", "leader"):
            informants.setdefault(excerpt.document.county.name, set()).add(speaker.pk)
    result = matrix(project=project, count="informants")
    row = next(row for row in result.rows if row.theme.pk == generated.theme.pk)
    counted = {county.name: cell.value for county, cell in zip(result.columns, row.cells, strict=True)}
    assert {name: n for name, n in counted.items() if n} == {name: len(ids) for name, ids in informants.items()}
    assert sum(len(ids) for ids in informants.values()) > 5


def test_excerpt_lists_and_the_coding_panel_show_the_quote_without_its_label(client, project, analyst):
    """The co-occurrence and plan excerpt lists and the coding view's panel read quotes as the review page does."""
    theme = project.themes.order_by("position").first()
    parsed = ParsedTranscript(format="srt", turns=[
        Turn(speaker="Kari", text="Vi har et godt samarbeid med\nkommunene.", start=1.0),
    ])
    document = transcript_import(project=project, user=analyst, parsed=parsed, title="Intervju", county=None,
                                 interview_format="group_interview",
                                 mapping={"Kari": NewParticipant(label="Informant 7", role="advisor",
                                                                 field="integration")})
    assert document.text.startswith("Informant 7: Vi har")
    excerpt = excerpt_create(document=document, start=0, end=len(document.text.rstrip()), coder=analyst,
                             themes=[theme])
    assert excerpt.start == 0  # stored from the label on: the text stays as extracted
    [listed] = excerpts_with_passages(Excerpt.objects.filter(pk=excerpt.pk))
    assert listed.passage == "Vi har et godt samarbeid med kommunene."
    client.force_login(analyst)
    response = client.get(reverse("coding:excerpt_panel", args=[project.slug, excerpt.pk]))
    assert response.status_code == 200
    assert response.context["passage"] == "Vi har et godt samarbeid med kommunene."


def test_a_transcript_quote_across_two_turns_keeps_the_turn_break():
    """Only PDF text has line breaks inside sentences; in a transcript a line break ends a turn."""
    stored = "Vi samarbeider med\nInformant 2: kommunene"
    assert shown_text(stored, Document.Kind.TRANSCRIPT) == stored
    assert shown_text(stored, Document.Kind.PLAN) == "Vi samarbeider med Informant 2: kommunene"


def test_a_selection_snaps_to_speech_at_both_ends(project, analyst):
    parsed = ParsedTranscript(format="txt", turns=[Turn("Kari", "Vi har et godt samarbeid."),
                                                   Turn("Ola", "Det stemmer."), Turn("Kari", "Takk.")])
    document = transcript_import(project=project, user=analyst, parsed=parsed, title="Intervju", county=None,
                                 interview_format="group_interview", mapping={
                                     "Kari": NewParticipant(label="Informant 7", role="advisor", field="integration"),
                                     "Ola": NewParticipant(label="Intervjuer", role="interviewer", field="other")})
    text = document.text
    assert text == "Informant 7: Vi har et godt samarbeid.\nIntervjuer: Det stemmer.\nInformant 7: Takk."
    first, second, third = (text.index(s) for s in ("Vi har", "Det stemmer", "Takk"))
    first_end, second_end = text.index("\n"), text.index("\n", second)

    def snapped(a, b):
        span = speech_span(document, a, b)
        return span and text[span[0]:span[1]]

    assert snapped(0, first + 6) == "Vi har"  # from the label: from the speech
    assert snapped(3, first_end) == "Vi har et godt samarbeid."
    assert snapped(first + 3, first_end + 1) == "har et godt samarbeid."  # onto the line break: not past it
    assert snapped(first + 3, first_end + 5) == "har et godt samarbeid."  # into the next label: not into it
    assert snapped(first_end, second + 3) == "Det"  # from the line break: from the next speech
    assert snapped(first + 3, second + 3) == "har et godt samarbeid.\nIntervjuer: Det"  # across turns: one span
    assert snapped(0, 5) is None  # a label alone holds no speech
    assert snapped(first_end, second) is None  # nor the line break and the next label
    assert snapped(second_end + 1, third + 5) == "Takk."
    assert snapped(first, first) is None
    plan = Document.objects.create(project=project, kind="plan", title="Plan", text="Informant: ikke et navn",
                                   plan=Plan.objects.filter(county__project=project).first())
    assert speech_span(plan, 0, 9) == (0, 9)  # a plan has no labels


def _reference_span(turns, start, end):
    """speech_span's rule as its docstring states it, on every turn of the document (start, speech, end)."""
    if end <= start:
        return None

    def holding(position):
        held = [turn for turn in turns if turn[0] <= position]
        return held[-1] if held else None

    first = holding(start)
    if first is not None:
        if start < first[1]:
            start = first[1]
        elif start >= first[2]:
            following = [turn for turn in turns if turn[0] > start]
            start = following[0][1] if following else end
    last = holding(end - 1)
    if last is not None:
        if end - 1 < last[1]:
            before = [turn for turn in turns if turn[0] < last[0]]
            end = before[-1][2] if before else start
        elif end > last[2]:
            end = last[2]
    return (start, end) if end > start else None


def test_the_span_rule_read_in_one_query_agrees_with_the_rule_on_every_turn(project, analyst,
                                                                            django_assert_num_queries):
    """speech_span and turns_over read the turns around a selection once (TurnsAround); for every selection
    of a transcript, whether they read them themselves or get a wider read from the caller, they answer as
    the rule does on all of the document's turns: labels, line breaks, an unlabelled turn, one-letter speech."""
    parsed = ParsedTranscript(format="txt", turns=[
        Turn("Kari", "Vi har et godt samarbeid."), Turn("Ola", "Ja."),
        Turn(UNKNOWN_SPEAKER, "Mm, det stemmer.", labelled=False),
        Turn("Kari", "Takk."), Turn("Ola", "A")])
    document = transcript_import(project=project, user=analyst, parsed=parsed, title="Intervju", county=None,
                                 interview_format="group_interview", mapping={
                                     "Kari": NewParticipant(label="Informant 7", role="advisor", field="integration"),
                                     "Ola": NewParticipant(label="Intervjuer", role="interviewer", field="other"),
                                     UNKNOWN_SPEAKER: NewParticipant(label=UNKNOWN_SPEAKER, role="other")})
    assert "\nMm, det stemmer." in document.text  # the unlabelled turn: its speech starts where it starts
    turns = list(TurnRow.objects.filter(document=document).order_by("start").values_list("start", "speech_start",
                                                                                          "end"))
    length = len(document.text)
    wide = TurnsAround(document, 0, length)
    rng = random.Random(5)
    pairs = [(a, b) for a in range(length) for b in range(a, min(length, a + 40) + 1)]
    for a, b in rng.sample(pairs, 400) + [(0, length), (length - 1, length)]:
        expected = _reference_span(turns, a, b)
        with django_assert_num_queries(1 if b > a else 0):
            assert speech_span(document, a, b) == expected, (a, b)
        with django_assert_num_queries(0):
            assert speech_span(document, a, b, turns=wide) == expected, (a, b)
        if b > a:
            holder = [turn for turn in turns if turn[0] <= a]
            inside = sum(1 for turn in turns if a < turn[0] < b)
            over = (holder[-1][1] if holder else None, inside)
            assert turns_over(document, a, b) == over, (a, b)
            assert turns_over(document, a, b, turns=wide) == over, (a, b)
    narrow = TurnsAround(document, 10, 20)
    with django_assert_num_queries(1):  # a read that does not cover the span is not used
        assert speech_span(document, 0, length, turns=narrow) == _reference_span(turns, 0, length)


def test_a_few_quotes_read_only_the_chunks_that_hold_them(project, analyst):
    """A one-theme export of a few quotes reads the chunks around them, chosen by their spans, and not every
    chunk of their documents tested against the excerpts (issue 15: 150-800 ms on SQLite at bench scale)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from coding.quotes import SPANS_IN_STATEMENT, read_quotes
    from coding.services import excerpt_create
    from planner.models import Chunk
    from tests.long_transcript import long_transcript

    document = long_transcript(project, analyst, cues=600)
    theme = project.themes.first()
    made = [excerpt_create(document=document, start=start, end=start + 300, coder=analyst, themes=[theme])
            for start in (1000, 30_000, document.length - 400)]
    with CaptureQueriesContext(connection) as queries:
        quotes = read_quotes(Excerpt.objects.filter(pk__in=[e.pk for e in made]))
    assert [quotes[e.pk].text[:40] for e in made] == [
        shown[:40] for shown in (quote_text(document, e.start, e.end) for e in made)]
    chunk_sql = [q["sql"] for q in queries if Chunk._meta.db_table in q["sql"] and "coding_excerpt" not in q["sql"]]
    assert len(chunk_sql) == 1, [q["sql"] for q in queries]
    assert Chunk.objects.filter(document=document).count() > 10 and SPANS_IN_STATEMENT >= 3


def test_a_selection_names_the_study_by_its_documents_ids_and_joins_no_document(project, analyst):
    """The study is checked against the ids of its documents (the project index alone), never by joining
    the documents: SQLite then read every document's project column through its text's overflow pages
    (issue 15: 100-250 ms for a one-theme export of 200 quotes at bench scale 1)."""
    from django.db import connection

    from coding.quotes import selected_excerpts

    theme = project.themes.first()
    sql = str(selected_excerpts(project, theme_ids=[theme.pk]).order_by().query)  # the excerpts' order joins them
    table = connection.ops.quote_name(Document._meta.db_table)
    assert f"JOIN {table}" not in sql, sql
    assert f"FROM {table}" in sql and "project_id" in sql, sql
