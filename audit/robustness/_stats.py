"""Intervals of robustness figures: paired bootstrap ratios, group rates and their gap."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["GroupRates", "exact_interval", "group_rates", "ratio_interval"]


def ratio_interval(
    perturbed: np.ndarray,
    clean: np.ndarray,
    *,
    rng: np.random.Generator,
    resamples: int = 1000,
    alpha: float = 0.05,
) -> tuple[float | None, list[float | None]]:
    """``mean(perturbed) / mean(clean)`` and its percentile bootstrap interval over rows.

    Parameters
    ----------
    perturbed : ndarray of bool, shape (k, n) or (n,)
        Per row, whether it is right under each of ``k`` perturbations (averaged).
    clean : ndarray of bool, shape (n,)
        Per row, whether it is right on the clean input.
    rng : numpy.random.Generator
    resamples : int
    alpha : float
        Two-sided level.

    Returns
    -------
    value, [low, high]
        ``None`` where the clean accuracy is 0.

    Examples
    --------
    >>> clean = np.ones(100, bool)
    >>> value, ci = ratio_interval(np.r_[np.ones(80), np.zeros(20)].astype(bool), clean,
    ...                            rng=np.random.default_rng(0))
    >>> value, ci[0] < 0.8 < ci[1]
    (0.8, True)
    """
    perturbed = np.atleast_2d(np.asarray(perturbed, dtype=np.float64))
    clean = np.asarray(clean, dtype=np.float64)
    if clean.sum() == 0:
        return None, [None, None]
    value = float(perturbed.mean() / clean.mean())
    n = clean.shape[0]
    rows = rng.integers(0, n, size=(resamples, n))
    per_row = perturbed.mean(axis=0)
    num, den = per_row[rows].mean(axis=1), clean[rows].mean(axis=1)
    keep = den > 0
    ratios = num[keep] / den[keep]
    low, high = np.quantile(ratios, [alpha / 2, 1 - alpha / 2])
    return value, [float(low), float(high)]


def exact_interval(events: int, n: int, *, alpha: float = 0.05) -> list[float | None]:
    """Clopper–Pearson interval of ``events / n`` (statsmodels' ``beta`` method).

    Examples
    --------
    >>> [round(v, 4) for v in exact_interval(0, 100)]
    [0.0, 0.0362]
    """
    from statsmodels.stats.proportion import proportion_confint

    if n == 0:
        return [None, None]
    low, high = proportion_confint(events, n, alpha=alpha, method="beta")
    return [float(np.nan_to_num(low)), float(np.nan_to_num(high, nan=1.0))]


@dataclass
class GroupRates:
    """A rate per group (Wilson intervals) and the gap between the largest and smallest.

    ``gap_ci`` is the worst-case difference interval over every pair of groups
    (Newcombe's hybrid score, Bonferroni-adjusted over the pairs), from
    :func:`audit.fairness._contrasts.contrast_bounds`.
    """

    groups: list[str]
    events: np.ndarray
    trials: np.ndarray
    low: np.ndarray
    high: np.ndarray
    gap: float | None
    gap_ci: list[float] | None

    @property
    def rates(self) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            return self.events / self.trials


def group_rates(
    hits: np.ndarray, groups: pd.Series | np.ndarray, *, alpha: float = 0.05, min_rows: int = 1
) -> GroupRates:
    """Per group of ``groups``, the share of rows with ``hits``, with intervals, and their gap.

    Parameters
    ----------
    hits : ndarray of bool, shape (n,)
    groups : Series or ndarray, shape (n,)
        Group labels; missing labels are left out.
    alpha : float
        Two-sided level of each group's interval and of the gap's (adjusted over pairs).
    min_rows : int
        Groups with fewer rows are left out of the gap.

    Examples
    --------
    >>> rates = group_rates(np.array([1, 0, 0, 0, 1, 1, 1, 0], bool), np.array(list("aaaabbbb")))
    >>> rates.rates.tolist(), rates.gap
    ([0.25, 0.75], 0.5)
    """
    from statsmodels.stats.proportion import proportion_confint

    from audit.fairness._contrasts import contrast_bounds

    labels = pd.Series(np.asarray(groups, dtype=object)).astype("string")
    hits = np.asarray(hits, dtype=bool)
    present = labels.notna().to_numpy()
    codes, names = pd.factorize(labels[present], sort=True)
    events = np.bincount(codes, weights=hits[present], minlength=len(names)).astype(np.int64)
    trials = np.bincount(codes, minlength=len(names)).astype(np.int64)
    low, high = proportion_confint(events, np.maximum(trials, 1), alpha=alpha, method="wilson")
    big = trials >= min_rows
    gap, gap_ci = None, None
    if big.sum() >= 2:
        rates = events[big] / trials[big]
        pairs = big.sum() * (big.sum() - 1) / 2
        bounds = contrast_bounds(events[big], trials[big], alpha=alpha / pairs)
        gap, gap_ci = float(rates.max() - rates.min()), bounds.difference
    return GroupRates(
        [str(n) for n in names], events, trials, np.asarray(low), np.asarray(high), gap, gap_ci
    )
