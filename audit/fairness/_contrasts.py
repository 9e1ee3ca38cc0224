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

:func:`pair_intervals` keeps every pair (``groups x groups`` arrays);
:func:`contrast_bounds` gives the section what it needs from them (the worst cases,
each group against the reference) in blocks of :data:`PAIR_BLOCK` pairs, so that
memory stays bounded and Ctrl-C is heard between blocks, with the same numbers.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

__all__ = [
    "PAIR_BLOCK",
    "RATE_PARTS",
    "ContrastBounds",
    "PairIntervals",
    "contrast_bounds",
    "pair_intervals",
    "rate_counts",
    "worst_case",
]

#: Pairs of groups whose intervals are computed in one vectorised call.
PAIR_BLOCK = 65_536

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
    g = len(events)
    shape = (g, g)
    out = PairIntervals(*(np.full(shape, np.nan) for _ in range(4)))
    i, j = np.triu_indices(g, k=1)
    keep = (trials[i] > 0) & (trials[j] > 0)
    i, j = i[keep], j[keep]
    if i.size == 0:
        return out
    r_low, r_high, d_low, d_high = _pair_bounds(events, trials, i, j, alpha)
    out.ratio_low[i, j], out.ratio_high[i, j] = r_low, r_high
    out.diff_low[i, j], out.diff_high[i, j] = d_low, d_high
    with np.errstate(divide="ignore"):
        out.ratio_low[j, i], out.ratio_high[j, i] = 1 / r_high, 1 / r_low
    out.diff_low[j, i], out.diff_high[j, i] = -d_high, -d_low
    return out


def _pair_bounds(
    events: np.ndarray, trials: np.ndarray, i: np.ndarray, j: np.ndarray, alpha: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """statsmodels' ratio and difference intervals of ``p_i`` against ``p_j``, pair by pair."""
    from statsmodels.stats.proportion import confint_proportions_2indep

    args = (events[i], trials[i], events[j], trials[j])
    with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        r_low, r_high = confint_proportions_2indep(
            *args, method="log-adjusted", compare="ratio", alpha=alpha
        )
        d_low, d_high = confint_proportions_2indep(
            *args, method="newcomb", compare="diff", alpha=alpha
        )
    return tuple(
        np.asarray(v, dtype=np.float64).reshape(-1) for v in (r_low, r_high, d_low, d_high)
    )


@dataclass
class ContrastBounds:
    """What a section judges from the pair intervals of one rate, without keeping the pairs.

    ``ratio`` and ``difference`` are :func:`worst_case` of the pairs (``None`` when no
    pair is defined); ``to_reference_low[i]`` and ``to_reference_high[i]`` bound
    ``p_i / p_reference`` (NaN for the reference itself and for undefined pairs).
    """

    ratio: list[float] | None
    difference: list[float] | None
    to_reference_low: np.ndarray
    to_reference_high: np.ndarray


def contrast_bounds(
    events: np.ndarray,
    trials: np.ndarray,
    *,
    alpha: float,
    reference: int | None = None,
    block: int = PAIR_BLOCK,
) -> ContrastBounds:
    """The worst-case intervals over every pair of groups, and each group against ``reference``.

    The same numbers as :func:`worst_case` on :func:`pair_intervals`, computed in
    blocks of about ``block`` pairs: memory grows with the block, not with the square
    of the number of groups, and Python gets control back between blocks.

    Parameters
    ----------
    events, trials : ndarray of int
        Per group, the events and trials of one rate.
    alpha : float
        Two-sided level of each pair's interval (already Bonferroni-adjusted).
    reference : int, optional
        Index of the reference group; without it the ``to_reference_*`` arrays are NaN.
    block : int
        Pairs per vectorised call.

    Returns
    -------
    ContrastBounds

    Examples
    --------
    >>> events, trials = np.array([30, 50, 40]), np.array([100, 100, 100])
    >>> bounds = contrast_bounds(events, trials, alpha=0.05, reference=1)
    >>> bounds.ratio == worst_case(pair_intervals(events, trials, alpha=0.05), "ratio")
    True
    >>> [round(float(v), 3) for v in (bounds.to_reference_low[0], bounds.to_reference_high[0])]
    [0.424, 0.861]
    """
    g = len(events)
    ratio_low = ratio_high = diff_low = diff_high = np.nan
    for i, j in _pair_blocks(g, block):
        keep = (trials[i] > 0) & (trials[j] > 0)
        i, j = i[keep], j[keep]
        if i.size == 0:
            continue
        r_low, r_high, d_low, d_high = _pair_bounds(events, trials, i, j, alpha)
        with np.errstate(divide="ignore"):
            ratio_low = np.fmin.reduce(np.r_[r_low, 1 / r_high], initial=ratio_low)
            ratio_high = np.fmin.reduce(np.r_[r_high, 1 / r_low], initial=ratio_high)
        diff_low = np.fmax.reduce(np.r_[d_low, -d_high], initial=diff_low)
        diff_high = np.fmax.reduce(np.r_[d_high, -d_low], initial=diff_high)
    to_low, to_high = np.full(g, np.nan), np.full(g, np.nan)
    if reference is not None and g > 1:
        others = np.delete(np.arange(g), reference)
        first, second = np.minimum(others, reference), np.maximum(others, reference)
        keep = (trials[first] > 0) & (trials[second] > 0)
        others, first, second = others[keep], first[keep], second[keep]
        if others.size:
            r_low, r_high, _, _ = _pair_bounds(events, trials, first, second, alpha)
            before = others < reference  # (group, reference) as computed; else its reverse
            with np.errstate(divide="ignore"):
                to_low[others] = np.where(before, r_low, 1 / r_high)
                to_high[others] = np.where(before, r_high, 1 / r_low)
    return ContrastBounds(
        ratio=None if np.isnan(ratio_low) else [float(ratio_low), float(min(1.0, ratio_high))],
        difference=None if np.isnan(diff_low) else [float(max(0.0, diff_low)), float(diff_high)],
        to_reference_low=to_low,
        to_reference_high=to_high,
    )


def _pair_blocks(g: int, block: int):
    """Pairs ``i < j`` of ``g`` groups, as index arrays of about ``block`` pairs each."""
    step = max(1, block // max(g, 1))
    columns = np.arange(g)
    for start in range(0, g, step):
        rows = np.arange(start, min(start + step, g))
        i, j = np.nonzero(rows[:, None] < columns[None, :])
        yield rows[i], j


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
