"""Inter-coder agreement over characters: the figures of the agreement report, exact as fractions.

A unit is one character of a document and one theme: a coder codes it when the character lies
inside one of that coder's excerpts with that theme. Coverage is kept as intervals and swept
once per document and theme (a few thousand interval ends), never character by character, so a
report over twenty 100,000-character transcripts takes milliseconds (docs/benchmarks.md).

The pure functions at the top know nothing of the database; `coder_codings` at the bottom reads
the coding a report compares (a revealed double-coded document as it stood at reveal).
"""

from __future__ import annotations

import bisect
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

Interval = tuple[int, int]


def merged(intervals: Iterable[Interval]) -> list[Interval]:
    """The intervals sorted, with overlapping and touching ones joined: the characters they cover."""
    result: list[list[int]] = []
    for start, end in sorted(intervals):
        if end <= start:
            continue
        if result and start <= result[-1][1]:
            result[-1][1] = max(result[-1][1], end)
        else:
            result.append([start, end])
    return [(start, end) for start, end in result]


def coverage_masks(length: int, coverage: Sequence[Iterable[Interval]]) -> Counter[int]:
    """{mask: characters} over [0, length): bit i of a mask is set when coder i codes the character.

    One sweep over the interval ends; each coder's intervals are merged first, so a coder's bit
    turns on at a start and off at an end.
    """
    events = []
    for index, intervals in enumerate(coverage):
        bit = 1 << index
        for start, end in merged(intervals):
            start, end = max(0, start), min(length, end)
            if start < end:
                events += [(start, bit), (end, bit)]
    events.sort()
    masks: Counter[int] = Counter()
    position, mask = 0, 0
    for at, bit in events:
        if at > position:
            masks[mask] += at - position
            position = at
        mask ^= bit
    if length > position:
        masks[mask] += length - position
    return masks


@dataclass(frozen=True)
class Counts:
    """Characters coded by both coders, by A only, by B only and by neither, and the figures from them.

    A figure is None where it is not defined: nobody coded the theme («not applicable»).
    """

    both: int = 0
    only_a: int = 0
    only_b: int = 0
    neither: int = 0

    @classmethod
    def from_masks(cls, masks: Mapping[int, int]) -> Counts:
        return cls(both=masks.get(3, 0), only_a=masks.get(1, 0), only_b=masks.get(2, 0), neither=masks.get(0, 0))

    def __add__(self, other: Counts) -> Counts:
        return Counts(self.both + other.both, self.only_a + other.only_a, self.only_b + other.only_b,
                      self.neither + other.neither)

    @property
    def total(self) -> int:
        return self.both + self.only_a + self.only_b + self.neither

    @property
    def coded(self) -> int:
        """Characters coded by at least one of the two."""
        return self.both + self.only_a + self.only_b

    @property
    def applicable(self) -> bool:
        return self.coded > 0

    @property
    def percent_agreement(self) -> Fraction | None:
        """Share of all characters on which the two agree (coded by both, or by neither)."""
        if not self.applicable:
            return None
        return Fraction(self.both + self.neither, self.total)

    @property
    def coded_agreement(self) -> Fraction | None:
        """Share of the characters coded by at least one that both coded: uncoded text is left out."""
        if not self.applicable:
            return None
        return Fraction(self.both, self.coded)

    @property
    def kappa(self) -> Fraction | None:
        """Cohen's kappa: agreement beyond what the two coders' own rates of coding give by chance."""
        if not self.applicable:
            return None
        n = self.total
        observed = Fraction(self.both + self.neither, n)
        a, b = Fraction(self.both + self.only_a, n), Fraction(self.both + self.only_b, n)
        expected = a * b + (1 - a) * (1 - b)
        if expected == 1:  # both coded every character: identical
            return Fraction(1)
        return (observed - expected) / (1 - expected)

    @property
    def alpha(self) -> Fraction | None:
        """Krippendorff's alpha, nominal, two coders, no missing values."""
        if not self.applicable:
            return None
        return krippendorff_alpha({2: self.both, 1: self.only_a + self.only_b, 0: self.neither}, coders=2)


def krippendorff_alpha(coded_by: Mapping[int, int], *, coders: int) -> Fraction | None:
    """Krippendorff's alpha (nominal, two values, no missing values) from {k: units that k coders coded}.

    Each unit holds `coders` values, k of them «coded». The coincidence matrix then has
    o(coded, not) = o(not, coded) = Σ units k·(m−k)/(m−1), n(coded) = Σ k·units, n = m·units, and
    alpha = 1 − (n−1)·(o(coded, not) + o(not, coded)) / (2·n(coded)·n(not)). None when no unit was coded.
    """
    if coders < 2:
        raise ValueError("agreement needs two coders or more")
    n = coders * sum(coded_by.values())
    n_coded = sum(k * units for k, units in coded_by.items())
    if n_coded == 0:
        return None
    n_not = n - n_coded
    if n_not == 0:
        return Fraction(1)
    disagreement = sum(Fraction(2 * k * (coders - k) * units, coders - 1) for k, units in coded_by.items())
    return 1 - (n - 1) * disagreement / (2 * n_coded * n_not)


# --- Reports over documents and themes ---------------------------------------------------------

# A coding as the report reads it: (document id, coder id, theme id, start, end).
CodingRow = tuple[int, int, int, int, int]


def _grouped(codings: Iterable[CodingRow], coders: Sequence[int]) -> dict[int, dict[int, list[list[Interval]]]]:
    """{theme: {document: [intervals of coder 0, of coder 1, …]}}."""
    index = {coder: i for i, coder in enumerate(coders)}
    grouped: dict[int, dict[int, list[list[Interval]]]] = defaultdict(dict)
    for document, coder, theme, start, end in codings:
        if coder in index:
            per_coder = grouped[theme].setdefault(document, [[] for _coder in coders])
            per_coder[index[coder]].append((start, end))
    return grouped


def theme_masks(lengths: Mapping[int, int], codings: Iterable[CodingRow], coders: Sequence[int],
                theme_ids: Iterable[int]) -> dict[int, Counter[int]]:
    """{theme: {mask: characters}} summed over the documents of `lengths` (bit i: coders[i] coded it)."""
    total = sum(lengths.values())
    grouped = _grouped((row for row in codings if row[0] in lengths), coders)
    result = {}
    for theme in theme_ids:
        masks: Counter[int] = Counter()
        by_document = grouped.get(theme, {})
        for document, coverage in by_document.items():
            masks.update(coverage_masks(lengths[document], coverage))
        # Documents nobody coded with the theme: every character is coded by none.
        masks[0] += total - sum(lengths[document] for document in by_document)
        result[theme] = masks
    return result


@dataclass
class PairReport:
    """Two coders over a set of documents: Counts per theme (in the order given) and pooled."""

    themes: dict[int, Counts]
    pooled: Counts
    characters: int
    documents: int


def pair_report(lengths: Mapping[int, int], codings: Iterable[CodingRow], coders: Sequence[int],
                theme_ids: Sequence[int]) -> PairReport:
    """Agreement of coders[0] (A) and coders[1] (B) per theme; pooled, every (character, theme) is a unit."""
    if len(coders) != 2 or coders[0] == coders[1]:
        raise ValueError("a pair report compares two different coders")
    masks = theme_masks(lengths, codings, coders, theme_ids)
    themes = {theme: Counts.from_masks(masks[theme]) for theme in theme_ids}
    pooled = sum(themes.values(), Counts())
    return PairReport(themes=themes, pooled=pooled, characters=sum(lengths.values()), documents=len(lengths))


@dataclass
class GroupReport:
    """Krippendorff's alpha of any number of coders, per theme and pooled; `coded_by`: {k: characters}."""

    coders: int
    themes: dict[int, Fraction | None]
    pooled: Fraction | None
    coded_by: dict[int, dict[int, int]] = field(default_factory=dict)


def group_report(lengths: Mapping[int, int], codings: Iterable[CodingRow], coders: Sequence[int],
                 theme_ids: Sequence[int]) -> GroupReport:
    """Krippendorff's alpha (nominal) of all `coders` over the same characters, per theme and pooled."""
    if len(set(coders)) < 2:
        raise ValueError("agreement needs two coders or more")
    masks = theme_masks(lengths, codings, coders, theme_ids)
    coded_by = {}
    for theme in theme_ids:
        counts: Counter[int] = Counter()
        for mask, characters in masks[theme].items():
            counts[mask.bit_count()] += characters
        coded_by[theme] = dict(counts)
    pooled: Counter[int] = Counter()
    for counts in coded_by.values():
        pooled.update(counts)
    return GroupReport(coders=len(coders),
                       themes={theme: krippendorff_alpha(coded_by[theme], coders=len(coders)) for theme in theme_ids},
                       pooled=krippendorff_alpha(pooled, coders=len(coders)) if theme_ids else None,
                       coded_by=coded_by)


@dataclass(frozen=True)
class SegmentCounts:
    """Excerpts of A with a match in B's coding, and of B in A's (segment-level agreement, as MAXQDA)."""

    a_total: int = 0
    a_matched: int = 0
    b_total: int = 0
    b_matched: int = 0

    def __add__(self, other: SegmentCounts) -> SegmentCounts:
        return SegmentCounts(self.a_total + other.a_total, self.a_matched + other.a_matched,
                             self.b_total + other.b_total, self.b_matched + other.b_matched)

    @property
    def agreement(self) -> Fraction | None:
        """Matched excerpts of both coders over all their excerpts; None when neither has one."""
        total = self.a_total + self.b_total
        return Fraction(self.a_matched + self.b_matched, total) if total else None


def overlap(a: Interval, b: Interval) -> Fraction:
    """How much two spans overlap: the characters they share over the characters either covers."""
    shared = min(a[1], b[1]) - max(a[0], b[0])
    if shared <= 0:
        return Fraction(0)
    return Fraction(shared, max(a[1], b[1]) - min(a[0], b[0]))


def _matched(spans: list[Interval], others: list[Interval], threshold: Fraction) -> int:
    """How many of `spans` overlap one of `others` (sorted by start) by more than nothing and at least `threshold`."""
    starts = [start for start, _end in others]
    longest = max((end - start for start, end in others), default=0)
    matched = 0
    for span in spans:
        # Only spans starting before this one ends, and not so early that they end before it starts.
        last = bisect.bisect_left(starts, span[1])
        first = bisect.bisect_left(starts, span[0] - longest)
        if any(overlap(span, other) > 0 and overlap(span, other) >= threshold for other in others[first:last]):
            matched += 1
    return matched


def segment_report(codings: Iterable[CodingRow], coders: Sequence[int], theme_ids: Sequence[int], *,
                   threshold: Fraction = Fraction(0)) -> tuple[dict[int, SegmentCounts], SegmentCounts]:
    """Segment-level agreement of coders[0] (A) and coders[1] (B), per theme and pooled.

    An excerpt of A with a theme is matched when B has an excerpt with the same theme in the same
    document that overlaps it, by at least `threshold` (shared characters over the characters either
    covers; 0 means any overlap); and the same for B's excerpts in A's coding.
    """
    if not 0 <= threshold <= 1:
        raise ValueError("the overlap threshold lies between 0 and 1")
    grouped = _grouped(codings, coders)
    themes = {}
    for theme in theme_ids:
        counts = SegmentCounts()
        for a_spans, b_spans in grouped.get(theme, {}).values():
            a_sorted, b_sorted = sorted(a_spans), sorted(b_spans)
            counts += SegmentCounts(len(a_sorted), _matched(a_sorted, b_sorted, threshold),
                                    len(b_sorted), _matched(b_sorted, a_sorted, threshold))
        themes[theme] = counts
    return themes, sum(themes.values(), SegmentCounts())


# --- Stretches to compare and settle -----------------------------------------------------------

@dataclass(frozen=True)
class Stretch:
    """For one theme, a stretch of text that some coder coded: a whole piece of the union of all
    coders' excerpts with that theme. `coverage` holds each coder's coded intervals inside it."""

    theme: int
    start: int
    end: int
    coverage: tuple[tuple[Interval, ...], ...]

    @property
    def agreed(self) -> bool:
        """Every coder coded exactly the same characters of it."""
        return all(intervals == self.coverage[0] for intervals in self.coverage)


def stretches(coverage_by_theme: Mapping[int, Sequence[Iterable[Interval]]]) -> list[Stretch]:
    """The stretches of every theme, in text order: {theme: [intervals of coder 0, of coder 1, …]}.

    The comparison view lists them (a disagreement is a stretch not agreed) and the reveal keeps
    one coder's coding or the consensus in each; an excerpt lies inside exactly one stretch.
    """
    found = []
    for theme, coverage in coverage_by_theme.items():
        per_coder = [merged(intervals) for intervals in coverage]
        pieces = merged(interval for intervals in per_coder for interval in intervals)
        starts = [start for start, _end in pieces]
        inside: list[list[list[Interval]]] = [[[] for _coder in per_coder] for _piece in pieces]
        for index, intervals in enumerate(per_coder):
            for interval in intervals:
                inside[bisect.bisect_right(starts, interval[0]) - 1][index].append(interval)
        found += [Stretch(theme, start, end, tuple(tuple(intervals) for intervals in inside[i]))
                  for i, (start, end) in enumerate(pieces)]
    found.sort(key=lambda stretch: (stretch.start, stretch.end, stretch.theme))
    return found


def stretch_of(found: Sequence[Stretch], theme: int, start: int, end: int) -> Stretch | None:
    """The stretch of `theme` that holds [start, end), if any."""
    return next((s for s in found if s.theme == theme and s.start <= start and end <= s.end), None)


# --- What a report compares, read from the database --------------------------------------------

def coder_codings(document_ids: Iterable[int], coder_ids: Iterable[int]) -> tuple[dict[int, int], list[CodingRow]]:
    """({document id: length}, coding rows) of the coders in the documents, in two or three queries.

    A revealed double-coded document counts as it stood at reveal (its snapshot), before settling
    trimmed it; a consensus excerpt the lead wrote while settling is nobody's independent coding
    and is left out.
    """
    from coding.models import Coding, DoubleCoding, Settlement
    from planner.models import Document

    document_ids, coder_ids = list(document_ids), set(coder_ids)
    lengths = dict(Document.objects.filter(pk__in=document_ids).values_list("pk", "length"))
    revealed = dict(DoubleCoding.objects.filter(document_id__in=document_ids, revealed_at__isnull=False)
                    .values_list("document_id", "snapshot"))
    rows: list[CodingRow] = [
        (document, coder, theme, start, end) for document, snapshot in revealed.items()
        for coder, start, end, themes in snapshot or [] if coder in coder_ids for theme in themes]
    live = (Coding.objects.filter(document_id__in=[pk for pk in lengths if pk not in revealed],
                                  excerpt__coder_id__in=coder_ids)
            .exclude(excerpt_id__in=Settlement.objects.filter(excerpt__isnull=False).values("excerpt_id"))
            .values_list("document_id", "excerpt__coder_id", "theme_id", "excerpt__start", "excerpt__end"))
    rows += list(live)
    return lengths, rows


# --- The report as a table: the page, the .xlsx, the command ----------------------------------

@dataclass
class ReportRow:
    name: str  # the theme's name, or "" for the pooled row
    counts: Counts
    segments: SegmentCounts
    group_alpha: Fraction | None = None  # all coders, when more than two


@dataclass
class ReportTable:
    coders: list  # users: A, B, then any others (group alpha)
    documents: list[tuple[int, str]]  # (id, title)
    characters: int
    threshold: Fraction
    rows: list[ReportRow]
    pooled: ReportRow


def default_documents(project, coders) -> list[int]:
    """The study's double-coded documents that every one of `coders` was named for."""
    from coding.models import DoubleCoding

    documents = DoubleCoding.objects.filter(project=project)
    for coder in coders:
        documents = documents.filter(coders=coder)
    return list(documents.order_by("document_id").values_list("document_id", flat=True).distinct())


def report_table(project, coders: Sequence, document_ids: Iterable[int] | None = None, *,
                 threshold: Fraction = Fraction(0)) -> ReportTable:
    """Agreement of coders[0] (A) and coders[1] (B) per theme in codebook order and pooled, over the
    documents (default: those double-coded by all of them); with more coders, alpha of them all too."""
    from coding.quotes import codebook_order
    from planner.models import Document

    if len({coder.pk for coder in coders}) != len(coders) or len(coders) < 2:
        raise ValueError("name two different coders or more")
    ids = default_documents(project, coders) if document_ids is None else list(document_ids)
    documents = list(Document.objects.filter(project=project, pk__in=ids).order_by("title", "pk")
                     .values_list("pk", "title"))
    coder_ids = [coder.pk for coder in coders]
    lengths, rows = coder_codings([pk for pk, _title in documents], coder_ids)
    used = {row[2] for row in rows}
    themes = [theme for theme in codebook_order(project.themes.in_codebook_order())
              if not theme.archived or theme.pk in used]
    theme_ids = [theme.pk for theme in themes]
    pair = pair_report(lengths, rows, coder_ids[:2], theme_ids)
    segments, pooled_segments = segment_report(rows, coder_ids[:2], theme_ids, threshold=threshold)
    group = group_report(lengths, rows, coder_ids, theme_ids) if len(coders) > 2 else None
    table_rows = [ReportRow(name=theme.name, counts=pair.themes[theme.pk], segments=segments[theme.pk],
                            group_alpha=group.themes[theme.pk] if group else None) for theme in themes]
    return ReportTable(coders=list(coders), documents=documents, characters=pair.characters, threshold=threshold,
                       rows=table_rows, pooled=ReportRow(name="", counts=pair.pooled, segments=pooled_segments,
                                                         group_alpha=group.pooled if group else None))


def decimal(value: Fraction | None, places: int = 4) -> str | None:
    """A figure to `places` decimals (rounded half up), None for «not applicable»."""
    if value is None:
        return None
    scaled = value * 10**places
    whole = int(scaled + Fraction(1, 2)) if scaled >= 0 else -int(-scaled + Fraction(1, 2))
    sign = "-" if whole < 0 else ""
    digits = str(abs(whole)).rjust(places + 1, "0")
    return f"{sign}{digits[:-places]}.{digits[-places:]}"


FIGURES = ("percent_agreement", "coded_agreement", "kappa", "alpha")


def table_values(table: ReportTable, not_applicable: str, pooled: str) -> list[list]:
    """The header and a line per theme and the pooled line, as the .xlsx, .csv and the command give them."""
    a, b = (coder.get_username() for coder in table.coders[:2])
    header = ["Theme", "Both", f"Only {a}", f"Only {b}", "Neither", "Percent agreement",
              "Agreement on coded characters", "Cohen's kappa", "Krippendorff's alpha",
              f"Segments {a}", f"Segments {a} matched", f"Segments {b}", f"Segments {b} matched", "Segment agreement"]
    if len(table.coders) > 2:
        header.append(f"Krippendorff's alpha, {len(table.coders)} coders")
    lines = [header]
    for row in [*table.rows, table.pooled]:
        counts, segments = row.counts, row.segments
        figures = [decimal(getattr(counts, name)) or not_applicable for name in FIGURES]
        line = [row.name or pooled, counts.both, counts.only_a, counts.only_b, counts.neither, *figures,
                segments.a_total, segments.a_matched, segments.b_total, segments.b_matched,
                decimal(segments.agreement) or not_applicable]
        if len(table.coders) > 2:
            line.append(decimal(row.group_alpha) or not_applicable)
        lines.append(line)
    return lines


def as_json(table: ReportTable) -> dict:
    """The table as plain data: counts, figures to 4 decimals and as exact fractions (null: not applicable)."""
    def row_data(row):
        data = {"theme": row.name or None, "both": row.counts.both, "only_a": row.counts.only_a,
                "only_b": row.counts.only_b, "neither": row.counts.neither,
                "segments": {"a": row.segments.a_total, "a_matched": row.segments.a_matched,
                             "b": row.segments.b_total, "b_matched": row.segments.b_matched,
                             "agreement": decimal(row.segments.agreement)}}
        for name in FIGURES:
            value = getattr(row.counts, name)
            data[name] = decimal(value)
            data[f"{name}_exact"] = str(value) if value is not None else None
        if len(table.coders) > 2:
            data["group_alpha"] = decimal(row.group_alpha)
        return data

    return {"coders": [coder.get_username() for coder in table.coders],
            "documents": [title for _pk, title in table.documents], "characters": table.characters,
            "overlap_threshold": str(table.threshold),
            "themes": [row_data(row) for row in table.rows], "pooled": row_data(table.pooled)}
