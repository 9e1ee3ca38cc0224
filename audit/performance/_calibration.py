"""Calibration math: top-label reliability bins and expected calibration error."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Calibration", "calibration"]


@dataclass
class Calibration:
    """Reliability bins of the predicted class's probability.

    Arrays have one entry per bin; a bin without rows has NaN confidence and accuracy.
    """

    ece: float
    edges: np.ndarray
    counts: np.ndarray
    confidence: np.ndarray
    accuracy: np.ndarray


def calibration(y_true: np.ndarray, proba: np.ndarray, *, n_bins: int = 10) -> Calibration:
    """Expected calibration error over ``n_bins`` equal-width bins of confidence.

    The confidence of a row is its largest class probability; bin ``b`` holds the
    rows with confidence in ``(edges[b], edges[b+1]]`` (the first bin includes 0).
    ECE is ``sum_b (n_b / n) * |accuracy_b - confidence_b|``.

    Examples
    --------
    >>> import numpy as np
    >>> proba = np.array([[0.1, 0.9], [0.1, 0.9], [0.4, 0.6], [0.4, 0.6]])
    >>> round(calibration(np.array([1, 0, 1, 1]), proba, n_bins=5).ece, 3)
    0.4
    """
    confidence = proba.max(axis=1)
    correct = (proba.argmax(axis=1) == y_true).astype(np.float64)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    which = np.clip(np.searchsorted(edges, confidence, side="left") - 1, 0, n_bins - 1)
    counts = np.bincount(which, minlength=n_bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_conf = np.bincount(which, weights=confidence, minlength=n_bins) / counts
        mean_acc = np.bincount(which, weights=correct, minlength=n_bins) / counts
    filled = counts > 0
    ece = float(np.sum(counts[filled] / len(y_true) * np.abs(mean_acc[filled] - mean_conf[filled])))
    return Calibration(ece=ece, edges=edges, counts=counts, confidence=mean_conf, accuracy=mean_acc)
