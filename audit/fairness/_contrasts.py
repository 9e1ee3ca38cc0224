"""Simultaneous intervals for group contrasts, and the worst-case disparities built on them.

A worst-case disparity such as fairlearn's demographic parity ratio (min over max of
the groups' selection rates) is a maximum over group pairs; the percentile bootstrap
of such a maximum is invalid near ties (Andrews 2000; Fang & Santos 2019). Instead,
every pair of groups gets an interval for the ratio (log-adjusted) and the difference
(Newcombe's hybrid score) of their rates, computed by statsmodels, at the level
``1 - alpha / m`` where ``m`` counts every contrast the section judges (Bonferroni).
The pairs then hold simultaneously with probability at least ``1 - alpha``, and so do
the worst cases built from them: a ratio ``min_ij p_i / p_j`` lies between the
smallest lower and the smallest upper pairwise bound; a difference ``max_ij p_i - p_j``
between the largest lower and the largest upper bound. The section's false-FAIL rate
is so controlled family-wise, over its metrics, groups and sensitive features.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

__all__ = ["RATE_PARTS", "PairIntervals", "pair_intervals", "rate_counts", "worst_case"]

#: Each judged rate as (numerator, denominator) of the confusion counts ``[true, pred]``.
RATE_PARTS: dict[str, tuple[tuple[tuple[int, int], ...], tuple[tuple[int, int], ...]]] = {
    "selection_rate": (((0, 1), (1, 1)), ((0, 0), (0, 1), (1, 0), (1, 1))),
    "accuracy": (((0, 0), (1, 1)), ((0, 0), (0, 1), (1, 0), (1, 1))),
    "precision": (((1, 1),), ((0, 1), (1, 1))),
    "true_positive_rate": (((1, 1),), ((1, 0), (1, 1))),
    "false_positive_rate": (((0, 1),), ((0, 0), (0, 1))),
    "false_negative_rate": (((1, 0),), ((1, 0), (1, 1))),
}


def rate_counts(counts: np.ndarray, rate: str) -> tuple[np.ndarray, np.ndarray]:
    """Events and trials of ``rate`` per group, from counts ``(groups, 2, 2)``.

    Examples
    --------
    >>> counts = np.array([[[5, 1], [2, 2]]])  # tn, fp / fn, tp
    >>> rate_counts(counts, "false_positive_rate")
    (array([1]), array([6]))
    """
    top, bottom = RATE_PARTS[rate]
    events = sum(counts[:, a, b] for a, b in top)
    trials = sum(counts[:, a, b] for a, b in bottom)
    return np.asarray(events, dtype=np.int64), np.asarray(trials, dtype=np.int64)


@dataclass
class PairIntervals:
    """Intervals of every ordered pair ``(i, j)`` of groups; the diagonal is NaN.

    ``ratio_*[i, j]`` bound ``p_i / p_j``, ``diff_*[i, j]`` bound ``p_i - p_j``.
    """

    ratio_low: np.ndarray
    ratio_high: np.ndarray
    diff_low: np.ndarray
    diff_high: np.ndarray


def pair_intervals(events: np.ndarray, trials: np.ndarray, *, alpha: float) -> PairIntervals:
    """Two-sided ``1 - alpha`` intervals of the ratio and difference of every pair's rates.

    Groups with no trials (an undefined rate) get NaN rows and columns.

    Examples
    --------
    >>> pairs = pair_intervals(np.array([30, 50]), np.array([100, 100]), alpha=0.05)
    >>> [round(float(v), 3) for v in (pairs.ratio_low[0, 1], pairs.ratio_high[0, 1])]
    [0.424, 0.861]
    >>> round(float(pairs.ratio_low[1, 0]), 3)  # the reverse pair: reciprocal bounds
    1.162
    """
    from statsmodels.stats.proportion import confint_proportions_2indep

    g = len(events)
    shape = (g, g)
    out = PairIntervals(*(np.full(shape, np.nan) for _ in range(4)))
    i, j = np.triu_indices(g, k=1)
    keep = (trials[i] > 0) & (trials[j] > 0)
    i, j = i[keep], j[keep]
    if i.size == 0:
        return out
    args = (events[i], trials[i], events[j], trials[j])
    with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        r_low, r_high = confint_proportions_2indep(
            *args, method="log-adjusted", compare="ratio", alpha=alpha
        )
        d_low, d_high = confint_proportions_2indep(
            *args, method="newcomb", compare="diff", alpha=alpha
        )
        out.ratio_low[i, j], out.ratio_high[i, j] = r_low, r_high
        out.ratio_low[j, i], out.ratio_high[j, i] = 1 / np.asarray(r_high), 1 / np.asarray(r_low)
    out.diff_low[i, j], out.diff_high[i, j] = d_low, d_high
    out.diff_low[j, i], out.diff_high[j, i] = -np.asarray(d_high), -np.asarray(d_low)
    return out


def worst_case(pairs: PairIntervals, kind: str) -> list[float] | None:
    """The interval of the worst-case ratio (``min_ij p_i/p_j``) or difference (max).

    ``None`` when no pair is defined.

    Examples
    --------
    >>> pairs = pair_intervals(np.array([30, 50, 40]), np.array([100, 100, 100]), alpha=0.05)
    >>> low, high = worst_case(pairs, "ratio")
    >>> low < 0.6 < high <= 1.0
    True
    """
    off = ~np.eye(pairs.ratio_low.shape[0], dtype=bool)
    if kind == "ratio":
        low, high = pairs.ratio_low[off], pairs.ratio_high[off]
        if np.isnan(low).all():
            return None
        return [float(np.nanmin(low)), float(min(1.0, np.nanmin(high)))]
    low, high = pairs.diff_low[off], pairs.diff_high[off]
    if np.isnan(low).all():
        return None
    return [float(max(0.0, np.nanmax(low))), float(np.nanmax(high))]
