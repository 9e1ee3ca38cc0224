"""Tests behind the data check's shift flags: two-sample tests per column and Holm's step-down.

Pure functions of counts and moments; scipy is imported where a p-value is computed.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "ALPHA",
    "MIN_EXPECTED",
    "chi_square_homogeneity",
    "holm",
    "mean_difference_p",
    "smd_standard_error",
    "two_sided_z",
]

#: The family-wise error rate of the shift flags (over all the tests of one section).
ALPHA = 0.05
#: Levels whose expected count in the smaller split is below this are pooled before the
#: chi-square test (Cochran's rule), so that sparse levels do not inflate it.
MIN_EXPECTED = 5.0


def holm(p_values: np.ndarray) -> np.ndarray:
    """Holm's step-down adjusted p-values (family-wise error control, any dependence).

    The ``k``-th smallest p-value of ``m`` is multiplied by ``m - k + 1``, made
    non-decreasing in that order and capped at 1; a test is rejected at level ``α``
    when its adjusted p-value is at most ``α`` (Holm 1979).

    Examples
    --------
    >>> holm(np.array([0.01, 0.04, 0.03])).round(4).tolist()
    [0.03, 0.06, 0.06]
    """
    p = np.asarray(p_values, dtype=np.float64)
    m = p.size
    if m == 0:
        return p.copy()
    order = np.argsort(p, kind="stable")
    scaled = np.maximum.accumulate(p[order] * (m - np.arange(m)))
    adjusted = np.empty(m)
    adjusted[order] = np.minimum(scaled, 1.0)
    return adjusted


def two_sided_z(alpha: float, m: int) -> float:
    """The normal quantile of a two-sided Bonferroni interval at level ``1 - alpha`` over ``m``.

    Examples
    --------
    >>> round(two_sided_z(0.05, 1), 3), round(two_sided_z(0.05, 20), 3)
    (1.96, 3.023)
    """
    from scipy.special import ndtri

    return float(-ndtri(alpha / (2 * max(m, 1))))


def smd_standard_error(d: float, n_train: int, n_test: int) -> float:
    """Large-sample standard error of a standardised mean difference ``d``.

    ``sqrt(1/n1 + 1/n2 + d**2 / (2 (n1 + n2)))`` (Hedges & Olkin 1985, eq. 5.14).

    Examples
    --------
    >>> round(smd_standard_error(0.0, 500, 500), 4)
    0.0632
    """
    return float(np.sqrt(1 / n_train + 1 / n_test + d * d / (2 * (n_train + n_test))))


def mean_difference_p(
    mean_train: float,
    var_train: float,
    n_train: int,
    mean_test: float,
    var_test: float,
    n_test: int,
) -> float:
    """Two-sided p-value of Welch's z-test of equal means (large samples).

    ``z = (mean_test - mean_train) / sqrt(var_train/n1 + var_test/n2)``; 1 when the
    means are equal, 0 when they differ and both splits are constant.

    Examples
    --------
    >>> round(mean_difference_p(0.0, 1.0, 100, 0.3, 1.0, 100), 4)
    0.0339
    """
    from scipy.special import erfc

    diff = mean_test - mean_train
    se = np.sqrt(var_train / n_train + var_test / n_test)
    if diff == 0:
        return 1.0
    if se == 0:
        return 0.0
    return float(erfc(abs(diff) / se / np.sqrt(2.0)))


def chi_square_homogeneity(
    train_counts: np.ndarray, test_counts: np.ndarray
) -> tuple[float, int, float]:
    """Pearson's chi-square test that two splits share one distribution over levels.

    Levels whose expected count in the smaller split falls below :data:`MIN_EXPECTED`
    are pooled into one level first (a pooled level still expected below 1 joins the
    smallest other level). Returns ``(statistic, degrees of freedom, p-value)``; with
    fewer than two levels left, ``(0.0, 0, 1.0)``.

    Examples
    --------
    >>> stat, df, p = chi_square_homogeneity(np.array([30, 70]), np.array([50, 50]))
    >>> round(stat, 3), df, round(p, 4)
    (8.333, 1, 0.0039)
    """
    from scipy.special import chdtrc

    counts = np.vstack([train_counts, test_counts]).astype(np.float64)
    sizes = counts.sum(axis=1)
    if sizes.min() == 0:
        return 0.0, 0, 1.0
    counts = counts[:, counts.sum(axis=0) > 0]
    smaller = sizes.min() / sizes.sum()
    sparse = counts.sum(axis=0) * smaller < MIN_EXPECTED
    if sparse.any():
        pooled = counts[:, sparse].sum(axis=1, keepdims=True)
        counts = np.hstack([counts[:, ~sparse], pooled])
        if pooled.sum() * smaller < 1 and counts.shape[1] > 2:
            smallest = int(np.argmin(counts[:, :-1].sum(axis=0)))
            counts[:, smallest] += counts[:, -1]
            counts = counts[:, :-1]
    if counts.shape[1] < 2:
        return 0.0, 0, 1.0
    expected = np.outer(sizes, counts.sum(axis=0)) / sizes.sum()
    stat = float(((counts - expected) ** 2 / expected).sum())
    df = counts.shape[1] - 1
    return stat, df, float(chdtrc(df, stat))
