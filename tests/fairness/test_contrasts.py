"""Simultaneous contrast intervals: statsmodels' numbers, worst cases, too few events."""

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.proportion import confint_proportions_2indep

from audit.fairness import disparities, fairness_section, pair_intervals, rate_counts, worst_case
from audit.policy import Policy
from audit.settings import FairnessSettings

EVENTS, TRIALS = np.array([30, 50, 41]), np.array([100, 100, 90])


def test_pair_intervals_are_statsmodels_both_ways():
    pairs = pair_intervals(EVENTS, TRIALS, alpha=0.01)
    for i, j in [(0, 1), (0, 2), (1, 2)]:
        args = (EVENTS[i], TRIALS[i], EVENTS[j], TRIALS[j])
        ratio = confint_proportions_2indep(*args, method="log-adjusted", compare="ratio", alpha=0.01)
        diff = confint_proportions_2indep(*args, method="newcomb", compare="diff", alpha=0.01)
        assert [pairs.ratio_low[i, j], pairs.ratio_high[i, j]] == pytest.approx(ratio)
        assert [pairs.diff_low[i, j], pairs.diff_high[i, j]] == pytest.approx(diff)
        # the reverse pair: reciprocal ratio bounds, negated difference bounds
        assert pairs.ratio_low[j, i] == pytest.approx(1 / ratio[1])
        assert pairs.diff_high[j, i] == pytest.approx(-diff[0])
    assert np.isnan(np.diag(pairs.ratio_low)).all()


def test_worst_cases_bracket_fairlearns_estimates():
    pairs = pair_intervals(EVENTS, TRIALS, alpha=0.05)
    rates = EVENTS / TRIALS
    point = disparities({name: rates for name in (
        "selection_rate", "true_positive_rate", "false_positive_rate", "false_negative_rate"
    )})
    low, high = worst_case(pairs, "ratio")
    assert low < point["demographic_parity_ratio"] < high <= 1.0
    low, high = worst_case(pairs, "difference")
    assert 0.0 <= low < point["demographic_parity_difference"] < high
    # a group with no trials takes no part
    pairs = pair_intervals(np.array([3, 0]), np.array([10, 0]), alpha=0.05)
    assert worst_case(pairs, "ratio") is None and worst_case(pairs, "difference") is None


def test_rate_counts_follow_the_confusion_cells():
    counts = np.array([[[50, 10], [5, 35]]])  # tn fp / fn tp
    assert rate_counts(counts, "selection_rate") == (45, 100)
    assert rate_counts(counts, "precision") == (35, 45)
    assert rate_counts(counts, "false_negative_rate") == (5, 40)


def _text_like():
    """Two groups of 149 negatives and 151 positives, nearly perfect: FP 0 and 1."""
    y_true = np.array(([0] * 149 + [1] * 151) * 2)
    y_pred = y_true.copy()
    y_pred[300 + 5] = 1  # one false positive in group b
    groups = pd.DataFrame({"g": ["a"] * 300 + ["b"] * 300})
    return y_true, y_pred, groups


def test_a_rate_on_one_event_is_not_judged_and_0_over_0_is_no_number():
    section = Policy().apply(
        fairness_section(*_text_like(), settings=FairnessSettings(mitigation=False))
    )
    fpr = section.metric("false_positive_rate_ratio[g]")
    assert fpr.value == 0.0 and fpr.events == 1 and fpr.verdict == "info"
    assert fpr.note == "too few events to judge: 1 (the policy asks for 10)"
    fnr = section.metric("false_negative_rate_ratio[g]")  # no false negatives: 0/0
    assert fnr.value is None and fnr.verdict == "info"
    # 300 rows a group cannot confirm a ratio above 0.9 simultaneously: inconclusive, not FAIL
    assert section.metric("demographic_parity_ratio[g]").verdict == "warn"
    assert section.verdict == "warn"


def test_an_interval_across_the_limit_is_an_inconclusive_warn_saying_how_many_rows():
    rng = np.random.default_rng(0)
    y_true = rng.integers(0, 2, 160)
    y_pred = np.r_[rng.random(80) < 0.38, rng.random(80) < 0.5].astype(int)
    groups = pd.DataFrame({"g": ["a"] * 80 + ["b"] * 80})
    section = Policy().apply(
        fairness_section(y_true, y_pred, groups, settings=FairnessSettings(mitigation=False))
    )
    metric = section.metric("demographic_parity_ratio[g]")
    assert metric.ci[0] < 0.8 < metric.ci[1] and metric.verdict == "warn"
    assert metric.note.startswith("inconclusive: the interval")
    assert "more rows (per group, for a contrast) would likely decide it" in metric.note
    assert metric.n == 80
