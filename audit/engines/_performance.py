"""The performance section of predictions, from their values or from counted cells.

:func:`performance_from_cells` gives the numbers of the pandas path
(:func:`audit.predictions.performance_section`) from :class:`PredictionCells`: the
confusion counts exactly, the ROC AUC by Mann–Whitney over the score histogram (ties
count half, as in scikit-learn), and the calibration bins from each histogram key's
count and score sum.
"""

from __future__ import annotations

import numpy as np

from audit.engines._cells import COUNT, DECISION, KEY, LABEL, TOTAL, PredictionCells
from audit.performance._calibration import Calibration
from audit.results import Metric, Section

__all__ = ["histogram_auc", "performance_from_cells", "performance_from_values"]


def performance_from_values(
    values: dict[str, float], cal: Calibration | None, *, n_rows: int
) -> Section:
    """The section from its metric values (``test_accuracy``, ...) and calibration.

    Examples
    --------
    >>> section = performance_from_values({"test_accuracy": 0.9}, None, n_rows=10)
    >>> section.summary
    'Accuracy 0.900 on 10 predictions.'
    """
    from audit.performance._section import reliability_figure

    section = Section(id="performance", title="Performance")
    if cal is not None:
        section.figures.append(reliability_figure(cal))
    else:
        section.notes.append("No scores: ROC AUC and calibration were not measured.")
    for key, value in values.items():
        section.metrics.append(
            Metric(
                key,
                value,
                description=f"{key.removeprefix('test_').replace('_', ' ')} of the predictions",
            )
        )
    section.summary = f"Accuracy {values['test_accuracy']:.3f} on {n_rows:,} predictions" + (
        f", ROC AUC {values['test_roc_auc']:.3f}." if "test_roc_auc" in values else "."
    )
    return section


def performance_from_cells(cells: PredictionCells, *, n_bins: int = 10) -> Section:
    """Accuracy, balanced accuracy, F1 and, with scores, ROC AUC and calibration, from cells.

    Examples
    --------
    >>> import pandas as pd
    >>> from audit.engines import duckdb_cells
    >>> df = pd.DataFrame({"y": [0, 1, 1, 0], "s": [0.2, 0.9, 0.4, 0.1], "g": list("abab")})
    >>> section = performance_from_cells(duckdb_cells(df, y_true="y", y_score="s", sensitive=["g"]))
    >>> section.metric("test_roc_auc").value
    1.0
    """
    frame = cells.cells
    n = frame[COUNT].to_numpy(dtype=np.int64)
    key = frame[LABEL].to_numpy(dtype=np.int64) * 2 + frame[DECISION].to_numpy(dtype=np.int64)
    tn, fp, fn, tp = (int(v) for v in np.bincount(key, weights=n, minlength=4))
    total = tn + fp + fn + tp
    with np.errstate(invalid="ignore", divide="ignore"):
        tpr = tp / (tp + fn) if tp + fn else np.nan
        tnr = tn / (tn + fp) if tn + fp else np.nan
    recalls = [r for r in (tnr, tpr) if not np.isnan(r)]
    values = {
        "test_accuracy": float((tp + tn) / total),
        "test_balanced_accuracy": float(np.mean(recalls)),
        "test_f1": float(2 * tp / (2 * tp + fp + fn)) if tp else 0.0,
    }
    cal = None
    if cells.has_scores and tp + fn and tn + fp:
        values["test_roc_auc"] = histogram_auc(cells)
        cal = cells_calibration(cells, n_bins=n_bins)
        values["ece"] = cal.ece
    return performance_from_values(values, cal, n_rows=total)


def histogram_auc(cells: PredictionCells) -> float:
    """ROC AUC (Mann–Whitney, ties at half) of the score histogram.

    Exact when ``cells.exact_scores``; otherwise scores in one bin count as ties, which
    moves the AUC by at most ``sum_k P(pos in k) P(neg in k) / 2``.
    """
    table = cells.histogram
    keys = table[KEY].to_numpy()
    uniq, where = np.unique(keys, return_inverse=True)
    n = table[COUNT].to_numpy(dtype=np.float64)
    label = table[LABEL].to_numpy(dtype=np.int64)
    pos = np.bincount(where, weights=n * (label == 1), minlength=uniq.size)
    neg = np.bincount(where, weights=n * (label == 0), minlength=uniq.size)
    below = np.cumsum(neg) - neg
    return float(np.sum(pos * (below + neg / 2)) / (pos.sum() * neg.sum()))


def cells_calibration(cells: PredictionCells, *, n_bins: int = 10) -> Calibration:
    """The reliability bins of :func:`audit.performance.calibration` from the histogram.

    A histogram key's rows share a side of 0.5 (bins are aligned with it), so each
    key's confidence sum is its score sum or its count minus it.
    """
    table = cells.histogram
    n = table[COUNT].to_numpy(dtype=np.float64)
    sums = table[TOTAL].to_numpy(dtype=np.float64)
    label = table[LABEL].to_numpy(dtype=np.int64)
    mean = sums / n
    positive = mean > 1.0 - mean  # the predicted class is 1 (argmax of [1 - s, s])
    confidence = np.maximum(1.0 - mean, mean)
    confidence_sum = np.where(positive, sums, n - sums)
    correct = n * (positive.astype(np.int64) == label)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    which = np.clip(np.searchsorted(edges, confidence, side="left") - 1, 0, n_bins - 1)
    counts = np.bincount(which, weights=n, minlength=n_bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_conf = np.bincount(which, weights=confidence_sum, minlength=n_bins) / counts
        mean_acc = np.bincount(which, weights=correct, minlength=n_bins) / counts
    filled = counts > 0
    ece = float(np.sum(counts[filled] / n.sum() * np.abs(mean_acc[filled] - mean_conf[filled])))
    return Calibration(
        ece=ece,
        edges=edges,
        counts=counts.astype(np.int64),
        confidence=mean_conf,
        accuracy=mean_acc,
    )
