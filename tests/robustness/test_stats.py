"""Intervals: per-group Wilson and Newcombe intervals, Clopper–Pearson, bootstrap ratios."""

from __future__ import annotations

import numpy as np
import pytest
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

from audit.robustness import exact_interval, group_rates, ratio_interval


def test_group_rates_match_statsmodels():
    hits = np.r_[np.ones(12), np.zeros(48), np.ones(30), np.zeros(30)].astype(bool)
    groups = np.array(["a"] * 60 + ["b"] * 60)
    r = group_rates(hits, groups, alpha=0.05)
    assert r.groups == ["a", "b"] and r.events.tolist() == [12, 30]
    low, high = proportion_confint([12, 30], [60, 60], alpha=0.05, method="wilson")
    assert np.allclose(r.low, low) and np.allclose(r.high, high)
    assert r.gap == pytest.approx(0.3)
    # two groups: one pair, so the gap's interval is Newcombe's for b − a at the same level
    d_low, d_high = confint_proportions_2indep(30, 60, 12, 60, method="newcomb", compare="diff")
    assert r.gap_ci == pytest.approx([d_low, d_high])


def test_small_groups_are_left_out_of_the_gap():
    hits = np.array([1, 0, 0, 0, 0, 0, 1], bool)
    r = group_rates(hits, np.array(list("aaaaaab")), min_rows=2)
    assert (r.gap, r.gap_ci) == (None, None)
    assert r.trials.tolist() == [6, 1]


def test_exact_interval_is_clopper_pearson():
    assert exact_interval(7, 50) == pytest.approx(list(proportion_confint(7, 50, method="beta")))
    assert exact_interval(0, 0) == [None, None]


def test_ratio_interval_is_deterministic_and_brackets_the_ratio():
    rng = np.random.default_rng(1)
    clean = rng.random(300) < 0.9
    perturbed = clean & (rng.random((3, 300)) < 0.8)
    a = ratio_interval(perturbed, clean, rng=np.random.default_rng(5))
    b = ratio_interval(perturbed, clean, rng=np.random.default_rng(5))
    assert a == b
    value, (low, high) = a
    assert value == pytest.approx(perturbed.mean() / clean.mean())
    assert low < value < high and 0.7 < low and high < 0.9
    assert ratio_interval(perturbed, np.zeros(300, bool), rng=rng) == (None, [None, None])
