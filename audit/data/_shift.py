"""Pure computations of the data check: counts by split, and train/test shift.

Shift is measured per column with the standardised mean difference (SMD) and the
population stability index (PSI), each with a two-sample test (:mod:`audit.data._stats`).
Nothing here builds a section.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from audit.data._stats import chi_square_homogeneity, mean_difference_p, smd_standard_error

__all__ = [
    "MISSING_GROUP",
    "PSI_FLOOR",
    "ColumnShift",
    "Shares",
    "column_shift",
    "crosstab",
    "factorize",
    "psi",
    "shares",
    "smd",
]

#: Shares below this are raised to it before the logarithm of the PSI.
PSI_FLOOR = 1e-4
#: The name of the group of rows whose value is missing.
MISSING_GROUP = "(missing)"


def crosstab(
    split_of_row: np.ndarray,
    codes: np.ndarray,
    shape: tuple[int, int],
    weights: np.ndarray | None = None,
) -> np.ndarray:
    """Counts (or sums of ``weights``) of rows by split (rows) and level (columns).

    Examples
    --------
    >>> import numpy as np
    >>> crosstab(np.array([0, 0, 1]), np.array([1, 1, 0]), (2, 2)).tolist()
    [[0, 2], [1, 0]]
    """
    cells = split_of_row * shape[1] + codes
    return np.bincount(cells, weights, minlength=shape[0] * shape[1]).reshape(shape)


@dataclass
class Shares:
    """Rows by split and level: ``counts`` (splits x levels), ``total`` per level, the
    level's ``share`` of all rows and its ``split_share`` of each split's rows."""

    counts: np.ndarray
    total: np.ndarray
    share: np.ndarray
    split_share: np.ndarray

    @property
    def gap(self) -> float:
        """The largest ``|share in a split - share in all rows|`` over levels and splits."""
        return float(np.abs(self.split_share - self.share).max())

    def rates(self, hits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Share of hits per level, over all rows and per split (NaN where a split has none).

        ``hits`` is :func:`crosstab` of the same rows weighted by a 0/1 outcome.
        """
        rate = hits.sum(axis=0) / np.maximum(self.total, 1)
        split_rate = np.where(self.counts > 0, hits / np.maximum(self.counts, 1), np.nan)
        return rate, split_rate


def shares(split_of_row: np.ndarray, codes: np.ndarray, shape: tuple[int, int]) -> Shares:
    """Count the rows of each split (``split_of_row``) at each level (``codes``).

    Examples
    --------
    >>> import numpy as np
    >>> s = shares(np.array([0, 0, 0, 1]), np.array([0, 0, 1, 1]), (2, 2))
    >>> s.share.tolist(), s.split_share.tolist(), round(s.gap, 4)
    ([0.5, 0.5], [[0.6666666666666666, 0.3333333333333333], [0.0, 1.0]], 0.5)
    """
    counts = crosstab(split_of_row, codes, shape)
    total = counts.sum(axis=0)
    sizes = counts.sum(axis=1, keepdims=True)
    return Shares(counts, total, total / total.sum(), counts / np.maximum(sizes, 1))


def factorize(column: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Codes and names of a column's levels, sorted where the values sort.

    A missing value is a level of its own, named :data:`MISSING_GROUP`.

    Examples
    --------
    >>> import pandas as pd
    >>> codes, names = factorize(pd.Series(["m", None, "f", "m"]))
    >>> codes.tolist(), names
    ([1, 2, 0, 1], ['f', 'm', '(missing)'])
    """
    try:
        codes, uniques = pd.factorize(column, sort=True, use_na_sentinel=False)
    except TypeError:  # mixed types that do not sort
        codes, uniques = pd.factorize(column, use_na_sentinel=False)
    return codes, [MISSING_GROUP if pd.isna(u) else str(u) for u in uniques]


@dataclass
class ColumnShift:
    """The shift of one feature: ``kind`` is ``"numeric"`` or ``"categorical"``.

    ``smd_se`` and ``p_smd`` (numeric only) are the SMD's standard error and the p-value
    of Welch's test of equal means; ``p_psi`` is the p-value of the chi-square test of
    equal distributions over the bins (or levels) the PSI is computed on. The
    p-values are raw: the section adjusts them over all its tests.
    """

    feature: str
    kind: str
    smd: float | None
    psi: float
    smd_se: float | None = None
    p_smd: float | None = None
    p_psi: float = 1.0


def psi(expected: np.ndarray, actual: np.ndarray) -> float:
    """Population stability index of two share vectors over the same bins.

    ``PSI = sum((actual - expected) * ln(actual / expected))``, with each share
    floored at :data:`PSI_FLOOR` so that an empty bin gives no ``log(0)``.

    Examples
    --------
    >>> import numpy as np
    >>> round(psi(np.array([0.5, 0.5]), np.array([0.8, 0.2])), 4)
    0.4159
    """
    p = np.maximum(np.asarray(expected, dtype=np.float64), PSI_FLOOR)
    q = np.maximum(np.asarray(actual, dtype=np.float64), PSI_FLOOR)
    return float(np.sum((q - p) * np.log(q / p)))


def smd(train: np.ndarray, test: np.ndarray) -> float | None:
    """Standardised mean difference of ``test`` against ``train``, NaN ignored.

    ``(mean_test - mean_train) / sqrt((var_train + var_test) / 2)`` with sample
    variances (``ddof=1``); 0 when both variances are 0; ``None`` when a split has
    fewer than two values.

    Examples
    --------
    >>> import numpy as np
    >>> smd(np.array([0.0, 2.0, 4.0]), np.array([2.0, 4.0, 6.0]))
    1.0
    """
    a = np.asarray(train, dtype=np.float64)
    b = np.asarray(test, dtype=np.float64)
    a, b = a[~np.isnan(a)], b[~np.isnan(b)]
    if a.size < 2 or b.size < 2:
        return None
    pooled = (a.var(ddof=1) + b.var(ddof=1)) / 2
    if pooled == 0:
        return 0.0
    value = (b.mean() - a.mean()) / np.sqrt(pooled)
    return float(value) if np.isfinite(value) else None


def _shares(counts: np.ndarray) -> np.ndarray:
    return counts / max(int(counts.sum()), 1)


def _numeric_bins(train: np.ndarray, test: np.ndarray, n_bins: int) -> tuple[np.ndarray, ...]:
    """Counts of each split over ``n_bins`` quantile bins of the train values
    (right-closed), NaN a bin of its own."""
    finite_train = train[~np.isnan(train)]
    inner = np.empty(0)
    if finite_train.size:
        inner = np.unique(np.quantile(finite_train, np.linspace(0, 1, n_bins + 1)[1:-1]))
        inner = inner[np.isfinite(inner)]
    nan_bin = inner.size + 1  # bins 0..inner.size are the edges (-inf, e1], ..., (ek, inf)

    def counts(values: np.ndarray) -> np.ndarray:
        index = np.searchsorted(inner, values, side="left")
        return np.bincount(np.where(np.isnan(values), nan_bin, index), minlength=nan_bin + 1)

    return counts(train), counts(test)


def _level_counts(train: pd.Series, test: pd.Series) -> tuple[np.ndarray, ...]:
    """Counts of each split over the levels of both (a missing value is a level)."""
    both = pd.concat([train, test], ignore_index=True)
    codes, levels = pd.factorize(both, use_na_sentinel=False)
    n = len(levels)
    return np.bincount(codes[: len(train)], minlength=n), np.bincount(
        codes[len(train) :], minlength=n
    )


def _numeric_psi(train: np.ndarray, test: np.ndarray, n_bins: int) -> float:
    """PSI over ``n_bins`` quantile bins of the train values (right-closed), NaN its own bin."""
    a, b = _numeric_bins(train, test, n_bins)
    return psi(_shares(a), _shares(b))


def _more_distinct_than(values: np.ndarray, limit: int, head: int = 10_000) -> bool:
    """Whether ``values`` hold more than ``limit`` distinct non-NaN values.

    The first ``head`` values settle most columns; only a column with few values
    there is counted in full.
    """
    for part in (values[:head], values):
        distinct = pd.unique(part)
        if np.count_nonzero(~np.isnan(distinct)) > limit:
            return True
    return False


def column_shift(
    feature: str, train: pd.Series, test: pd.Series, *, max_categories: int, psi_bins: int
) -> ColumnShift:
    """Measure and test the shift of one column between the train and test splits.

    A numeric column with more than ``max_categories`` distinct values gets its
    SMD (with its standard error and Welch's test of equal means) and a PSI over
    ``psi_bins`` quantile bins of the train values (edges from the train quantiles,
    duplicates dropped, outer edges at -inf and +inf); any other column gets a PSI
    over its levels. The PSI comes with the chi-square test of equal distributions
    over the same bins (:func:`audit.data._stats.chi_square_homogeneity`).

    Examples
    --------
    >>> import pandas as pd
    >>> shift = column_shift("x", pd.Series(["a", "b"]), pd.Series(["a", "b"]),
    ...                      max_categories=20, psi_bins=10)
    >>> shift.kind, shift.smd, shift.psi, shift.p_psi
    ('categorical', None, 0.0, 1.0)
    """
    numeric = pd.api.types.is_numeric_dtype(train.dtype) and pd.api.types.is_numeric_dtype(
        test.dtype
    )
    numeric = numeric and not pd.api.types.is_bool_dtype(train.dtype)
    if numeric:
        a = train.to_numpy(dtype=np.float64, na_value=np.nan)
        b = test.to_numpy(dtype=np.float64, na_value=np.nan)
        if _more_distinct_than(np.concatenate([a, b]), max_categories):
            counts = _numeric_bins(a, b, psi_bins)
            shift = ColumnShift(feature, "numeric", smd(a, b), psi(*map(_shares, counts)))
            shift.p_psi = chi_square_homogeneity(*counts)[2]
            a, b = a[~np.isnan(a)], b[~np.isnan(b)]
            if shift.smd is not None:
                shift.smd_se = smd_standard_error(shift.smd, a.size, b.size)
                shift.p_smd = mean_difference_p(
                    a.mean(), a.var(ddof=1), a.size, b.mean(), b.var(ddof=1), b.size
                )
            return shift
    counts = _level_counts(train, test)
    shift = ColumnShift(feature, "categorical", None, psi(*map(_shares, counts)))
    shift.p_psi = chi_square_homogeneity(*counts)[2]
    return shift
