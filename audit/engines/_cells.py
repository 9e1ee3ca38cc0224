"""Prediction tables counted into cells: what every engine hands the sections.

An engine (DuckDB, Spark) reads the table where it lies and returns
:class:`PredictionCells`: one row per (sensitive values, label, decision, coarse score
bin) with its count and score sum, and one score histogram per label. Everything the
sections compute afterwards works on these cells, so its cost grows with the number of
cells, never with the number of rows.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = [
    "COARSE_BINS",
    "EXACT_SCORES",
    "HISTOGRAM_BINS",
    "LABEL",
    "PredictionCells",
    "weighted_quantiles",
]

#: Reserved column names of the cells (a user column may not take them).
LABEL, DECISION, BIN, COUNT, TOTAL, KEY = "__y", "__pred", "__bin", "__n", "__sum", "__key"

#: With at most this many distinct scores (approximate count), the histogram keeps
#: every score exactly: ROC AUC and calibration are then exact.
EXACT_SCORES = 100_000

#: Bins of the score histogram beyond :data:`EXACT_SCORES`: bin ``k`` holds the scores
#: in ``(k / B, (k + 1) / B]`` (0 in bin 0). Ties within a bin count half in the ROC AUC,
#: so the AUC is off by at most ``sum_k P(pos in k) P(neg in k) / 2`` (about ``1e-5``
#: for smooth score densities; measured below 1e-6 in the tests).
HISTOGRAM_BINS = 100_000

#: Bins of the per-group score cells (mitigation what-if), aligned with 0.5 and with
#: every calibration edge ``k / n_bins`` for ``n_bins`` dividing 1000.
COARSE_BINS = 1_000


@dataclass
class PredictionCells:
    """A prediction table counted by an engine.

    ``cells`` has the sensitive columns (raw values) and ``__y``, ``__pred`` (0/1),
    ``__bin`` (coarse score bin, 0 without scores), ``__n`` (rows) and ``__sum`` (their
    scores' sum). ``histogram`` has ``__y``, ``__key`` (the exact score, or the fine bin
    index when ``exact_scores`` is false), ``__n`` and ``__sum``, sorted by key; it is
    empty without scores. ``missing`` counts missing values per feature column (every
    column but the label, decision and score columns, in table order).
    """

    cells: pd.DataFrame
    histogram: pd.DataFrame
    sensitive: list[str]
    features: list[str]
    missing: dict[str, int]
    n_rows: int
    has_scores: bool
    exact_scores: bool
    engine: str
    source: str = ""
    notes: list[str] = field(default_factory=list)

    def sha256(self) -> str:
        """SHA-256 of the cells (as text, sorted): the same for every engine on the same data."""
        frame = self.cells.astype(str).sort_values(list(self.cells.columns))
        digest = hashlib.sha256()
        digest.update(frame.to_csv(index=False).encode())
        digest.update(self.histogram.astype(str).to_csv(index=False).encode())
        return digest.hexdigest()

    def counts(self) -> np.ndarray:
        """Rows per cell, as int64."""
        return self.cells[COUNT].to_numpy(dtype=np.int64)


def weighted_quantiles(values: np.ndarray, counts: np.ndarray, q: np.ndarray) -> np.ndarray:
    """``np.nanquantile`` of ``values`` repeated ``counts`` times, without repeating them.

    The same order statistics and the same linear interpolation as numpy's default
    method, so the bin edges equal those of the rows, number for number.

    Examples
    --------
    >>> v, c = np.array([20.0, 30.0, 50.0]), np.array([2, 1, 3])
    >>> q = np.linspace(0, 1, 5)
    >>> bool(np.allclose(weighted_quantiles(v, c, q), np.quantile(np.repeat(v, c), q)))
    True
    """
    keep = ~np.isnan(values) & (counts > 0)
    values, counts = values[keep], counts[keep].astype(np.int64)
    if values.size == 0:
        return np.full(len(q), np.nan)
    order = np.argsort(values, kind="stable")
    values, ends = values[order], np.cumsum(counts[order])
    n = int(ends[-1])
    out = np.empty(len(q))
    for k, p in enumerate(q):
        index = p * (n - 1)
        low = int(np.floor(index))
        gamma = index - low
        a = values[np.searchsorted(ends, low, side="right")]
        b = values[np.searchsorted(ends, min(low + 1, n - 1), side="right")]
        out[k] = np.quantile(np.array([a, b]), gamma)  # numpy's own interpolation
    return out
