import numpy as np
import pytest

from audit.fairness import (
    bootstrap_counts,
    confusion_counts,
    disparities,
    percentile_interval,
    rates_from_counts,
)


def test_replicates_are_seeded_and_keep_the_total():
    counts = np.array([[[30, 10], [5, 55]], [[12, 8], [9, 21]]])
    a = bootstrap_counts(counts, n_boot=50, seed=1)
    b = bootstrap_counts(counts, n_boot=50, seed=1)
    c = bootstrap_counts(counts, n_boot=50, seed=2)
    assert a.shape == (50, 2, 2, 2)
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    assert (a.sum(axis=(1, 2, 3)) == counts.sum()).all()


def test_count_bootstrap_matches_resampling_rows():
    rng = np.random.default_rng(0)
    n = 2000
    g = rng.integers(0, 2, n)
    y = rng.integers(0, 2, n)
    p = (rng.random(n) < np.where(g == 1, 0.3, 0.5)).astype(int)
    counts = confusion_counts(y, p, g, 2)
    ours = disparities(rates_from_counts(bootstrap_counts(counts, n_boot=2000, seed=0)))[
        "demographic_parity_difference"
    ]
    rows = rng.integers(0, n, size=(2000, n))  # the textbook bootstrap, row by row
    naive = np.array(
        [
            disparities(rates_from_counts(confusion_counts(y[r], p[r], g[r], 2)))[
                "demographic_parity_difference"
            ]
            for r in rows[:2000]
        ]
    )
    assert ours.mean() == pytest.approx(naive.mean(), abs=0.005)
    assert ours.std() == pytest.approx(naive.std(), rel=0.08)


def test_intervals_cover_the_true_value_at_about_the_nominal_rate():
    """Seeded simulation: a population with known rates, 300 samples of 400 rows each."""
    rng = np.random.default_rng(42)
    p_group, p_select = np.array([0.6, 0.4]), np.array([0.5, 0.35])
    true_gap = p_select[0] - p_select[1]
    hits_rate, hits_gap, trials = 0, 0, 300
    for trial in range(trials):
        g = (rng.random(400) >= p_group[0]).astype(int)
        pred = (rng.random(400) < p_select[g]).astype(int)
        y = rng.integers(0, 2, 400)
        reps = rates_from_counts(
            bootstrap_counts(confusion_counts(y, pred, g, 2), n_boot=1000, seed=trial)
        )
        low, high = percentile_interval(reps["selection_rate"][:, 0], level=0.95)
        hits_rate += low <= p_select[0] <= high
        gap = reps["selection_rate"][:, 0] - reps["selection_rate"][:, 1]
        low, high = percentile_interval(gap, level=0.95)
        hits_gap += low <= true_gap <= high
    assert 0.91 <= hits_rate / trials <= 0.98
    assert 0.91 <= hits_gap / trials <= 0.98


def test_interval_is_undefined_where_most_replicates_are():
    values = np.array([np.nan] * 6 + [0.1, 0.2, 0.3, 0.4])
    low, high = percentile_interval(values, level=0.9)
    assert np.isnan(low) and np.isnan(high)
    low, high = percentile_interval(values[4:], level=0.5)
    assert (low, high) == (pytest.approx(0.175), pytest.approx(0.325))
