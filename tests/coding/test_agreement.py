"""The agreement figures (coding/agreement.py), against the issue's exact values and an independent alpha."""

from fractions import Fraction
from itertools import permutations

import pytest

from coding.agreement import (
    Counts,
    coverage_masks,
    group_report,
    krippendorff_alpha,
    merged,
    overlap,
    pair_report,
    segment_report,
)

pytestmark = pytest.mark.no_database

A, B, C = 1, 2, 3
THEME, OTHER = 10, 11


def report(length, a_spans, b_spans, themes=(THEME,)):
    codings = [(1, A, THEME, s, e) for s, e in a_spans] + [(1, B, THEME, s, e) for s, e in b_spans]
    return pair_report({1: length}, codings, [A, B], list(themes))


def test_it_gives_the_issues_figures_for_two_overlapping_spans():
    counts = report(20, [(0, 8)], [(4, 12)]).themes[THEME]
    assert (counts.both, counts.only_a, counts.only_b, counts.neither) == (4, 4, 4, 8)
    assert counts.percent_agreement == Fraction(3, 5)
    assert counts.coded_agreement == Fraction(4, 12)
    assert counts.kappa == Fraction(1, 6)
    assert counts.alpha == Fraction(3, 16)


def test_it_gives_the_issues_figures_for_ten_units():
    def units(*numbers):  # units numbered 1–10, one character each
        return [(n - 1, n) for n in numbers]

    counts = report(10, units(1, 2), units(2, 3, 6, 8)).themes[THEME]
    assert counts.percent_agreement == Fraction(6, 10)
    assert counts.kappa == Fraction(1, 11)
    assert counts.alpha == Fraction(2, 21)


def test_it_gives_the_issues_kappa_from_counts():
    counts = Counts(both=50, only_a=100, only_b=50, neither=800)
    assert counts.total == 1000
    assert counts.percent_agreement == Fraction(85, 100)
    assert counts.kappa == Fraction(7, 22)
    # The same counts from spans over 1,000 characters.
    spanned = report(1000, [(0, 150)], [(100, 200)]).themes[THEME]
    assert spanned == counts


def test_identical_coding_is_one_and_an_unused_theme_is_not_applicable():
    result = report(50, [(3, 9), (20, 30)], [(20, 25), (25, 30), (3, 9)], themes=(THEME, OTHER))
    same = result.themes[THEME]
    assert (same.kappa, same.alpha, same.percent_agreement, same.coded_agreement) == (1, 1, 1, 1)
    unused = result.themes[OTHER]
    assert not unused.applicable
    assert (unused.percent_agreement, unused.coded_agreement, unused.kappa, unused.alpha) == (None,) * 4
    # Pooled over (character, theme) units, the unused theme adds 50 characters coded by neither.
    assert result.pooled == Counts(both=16, neither=84)
    assert result.pooled.kappa == 1


def test_a_theme_coded_everywhere_by_both_is_identical_coding():
    counts = report(10, [(0, 10)], [(0, 10)]).themes[THEME]
    assert (counts.kappa, counts.alpha) == (1, 1)


def test_overlapping_excerpts_of_one_coder_count_each_character_once():
    assert merged([(5, 9), (0, 3), (2, 4), (9, 12)]) == [(0, 4), (5, 12)]
    assert coverage_masks(12, [[(0, 6), (2, 8)], [(4, 12)]]) == {1: 4, 3: 4, 2: 4}


def test_pooled_sums_documents_and_themes():
    codings = [(1, A, THEME, 0, 8), (1, B, THEME, 4, 12), (2, A, OTHER, 0, 5), (2, B, OTHER, 0, 5)]
    result = pair_report({1: 20, 2: 10}, codings, [A, B], [THEME, OTHER])
    assert result.themes[THEME] == Counts(both=4, only_a=4, only_b=4, neither=18)
    assert result.themes[OTHER] == Counts(both=5, neither=25)
    assert result.pooled == Counts(both=9, only_a=4, only_b=4, neither=43)
    assert (result.characters, result.documents) == (30, 2)


def alpha_from_coincidences(values_per_unit):
    """Krippendorff's nominal alpha from the coincidence matrix, built pair by pair (no shortcut)."""
    categories = sorted({v for unit in values_per_unit for v in unit})
    o = {(c, k): Fraction(0) for c in categories for k in categories}
    for unit in values_per_unit:
        m = len(unit)
        for i, j in permutations(range(m), 2):
            o[unit[i], unit[j]] += Fraction(1, m - 1)
    n_c = {c: sum(o[c, k] for k in categories) for c in categories}
    n = sum(n_c.values())
    observed = sum(o[c, k] for c in categories for k in categories if c != k)
    expected = sum(n_c[c] * n_c[k] for c in categories for k in categories if c != k)
    return 1 - (n - 1) * observed / expected


def test_three_coders_alpha_matches_the_coincidence_matrix():
    spans = {A: [(0, 10)], B: [(5, 15)], C: [(0, 5), (20, 25)]}
    codings = [(1, coder, THEME, s, e) for coder, ss in spans.items() for s, e in ss]
    result = group_report({1: 30}, codings, [A, B, C], [THEME])
    units = [tuple(int(any(s <= x < e for s, e in spans[coder])) for coder in (A, B, C)) for x in range(30)]
    assert alpha_from_coincidences(units) == Fraction(1, 90)
    assert result.themes[THEME] == Fraction(1, 90)
    assert result.coded_by[THEME] == {2: 10, 1: 10, 0: 10}
    assert result.pooled == Fraction(1, 90)


def test_group_alpha_of_two_coders_is_the_pair_alpha():
    codings = [(1, A, THEME, 0, 8), (1, B, THEME, 4, 12)]
    assert group_report({1: 20}, codings, [A, B], [THEME]).themes[THEME] == Fraction(3, 16)
    assert krippendorff_alpha({0: 5}, coders=3) is None


def test_segments_match_on_overlap_with_a_threshold():
    codings = [(1, A, THEME, 0, 10), (1, A, THEME, 50, 60), (1, A, THEME, 90, 95),
               (1, B, THEME, 5, 10), (1, B, THEME, 52, 60), (1, B, THEME, 200, 210), (1, B, OTHER, 90, 95)]
    themes, pooled = segment_report(codings, [A, B], [THEME, OTHER])
    assert (themes[THEME].a_matched, themes[THEME].a_total, themes[THEME].b_matched, themes[THEME].b_total) == (
        2, 3, 2, 3)
    assert themes[THEME].agreement == Fraction(4, 6)
    assert themes[OTHER].agreement == Fraction(0, 1)
    assert overlap((50, 60), (52, 60)) == Fraction(8, 10)
    strict, _pooled = segment_report(codings, [A, B], [THEME], threshold=Fraction(3, 4))
    assert (strict[THEME].a_matched, strict[THEME].b_matched) == (1, 1)  # [0,10) ∩ [5,10) is only half
    assert pooled.a_total == 3 and pooled.b_total == 4
    with pytest.raises(ValueError):
        segment_report(codings, [A, B], [THEME], threshold=Fraction(2))
