"""Frequencies: the words of a set of documents (word, count, documents), and the codes per document,
per participant and per role and field, as tables and .xlsx."""

from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.db.models import Count, Subquery, Sum

from coding.models import Coding, Excerpt, Theme
from coding.quotes import codebook_order, speaker_turn
from interviews.models import Participant, ParticipantField, ParticipantRole
from planner.models import Posting
from planner.spreadsheets import add_sheet, new_workbook, xlsx_bytes

DATA = Path(__file__).resolve().parent / "data"
BY = ("document", "participant", "role")  # what the code frequencies count per


@cache
def stop_words():
    """The Norwegian (bokmål and nynorsk function words) and English stop words, lowercased."""
    words = set()
    for name in ("stopwords_nb.txt", "stopwords_en.txt"):
        for line in (DATA / name).read_text(encoding="utf-8").splitlines():
            if line and not line.startswith("#"):
                words.add(line.strip().lower())
    return frozenset(words)


@dataclass(frozen=True)
class WordCount:
    word: str
    count: int
    documents: int


def word_frequencies(documents, *, min_length=3, skip_stop_words=True, contains="", limit=None):
    """The words of `documents` (a Document queryset), most frequent first: how often, in how many.

    Read from the word index (planner.textindex: each document's words with their counts), one aggregate
    over the documents' postings, so a whole study's word list is counted in the request. Words as search
    sees them (planner.textindex.WORD), lowercased; `contains` keeps the words holding it.
    """
    stops = stop_words() if skip_stop_words else frozenset()
    contains = contains.lower()
    rows = Posting.objects.filter(document__in=documents.values("pk")).values("word__word").annotate(
        total=Sum("count"), spread=Count("document_id"))
    # A word stored twice in the vocabulary (two imports adding it at once) is one word here.
    counts, spread = Counter(), Counter()
    for word, count, documents_holding in rows.values_list("word__word", "total", "spread"):
        if len(word) < min_length or word in stops or (contains and contains not in word):
            continue
        counts[word] += count
        spread[word] += documents_holding
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [WordCount(word, count, spread[word]) for word, count in ranked[:limit]]


@dataclass
class CodeTable:
    """Excerpts per theme (columns) for each row: a document, a participant, or a role and field."""

    themes: list
    rows: list  # (label, [count per theme], total)


def code_frequencies(project, by, county=None):
    """The code frequencies of a study (or of one county's documents: the matrix's drill-down) per document,
    per participant (the speaker at each excerpt's start, the rule of coding.quotes) or per role and field.
    Counts are excerpts, as the matrix counts them."""
    themes = codebook_order(Theme.objects.filter(project=project))
    column = {theme.pk: index for index, theme in enumerate(themes)}
    codings = Coding.objects.filter(document__project=project)
    if county is not None:
        codings = codings.filter(document__county=county)
    if by == "document":
        keys = codings.values_list("document_id", "document__title", "theme_id").annotate(n=Count("excerpt_id"))
        cells = {((document_id, title), theme_id): n for document_id, title, theme_id, n in keys}
        labels = {key: key[1] for key, _theme in cells}
    else:
        excerpts = Excerpt.objects.of_study(project)
        if county is not None:
            excerpts = excerpts.filter(document__county=county)
        excerpts = excerpts.annotate(
            speaker=Subquery(speaker_turn().values("participant_id")[:1])).filter(speaker__isnull=False)
        pairs = excerpts.values_list("speaker", "codings__theme_id").annotate(n=Count("id"))
        speakers = {p.pk: p for p in Participant.objects.filter(pk__in={s for s, _t, _n in pairs})}
        cells, labels = Counter(), {}
        for speaker_id, theme_id, n in pairs:
            participant = speakers[speaker_id]
            if by == "participant":
                key = participant.pk
                labels[key] = participant.label
            else:
                key = (participant.role, participant.field)
                labels[key] = ", ".join(str(label) for label in (
                    ParticipantRole(participant.role).label if participant.role else "",
                    ParticipantField(participant.field).label if participant.field else "") if label)
            cells[(key, theme_id)] += n
    rows = {}
    for (key, theme_id), n in cells.items():
        if theme_id in column:
            rows.setdefault(key, [0] * len(themes))[column[theme_id]] += n
    ordered = sorted(rows.items(), key=lambda item: str(labels[item[0]]).casefold())
    return CodeTable(themes=themes, rows=[(labels[key], counts, sum(counts)) for key, counts in ordered])


def xlsx(headers, rows, title):
    """An .xlsx of one sheet: a bold header row, then the rows (as text where they are text)."""
    workbook = new_workbook()
    add_sheet(workbook, title, [headers, *rows], freeze="B2")
    return xlsx_bytes(workbook)
