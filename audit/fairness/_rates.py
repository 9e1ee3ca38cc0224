"""Group rates: confusion counts per group, fairlearn's MetricFrame on them, disparities.

Rows are first collapsed into one cell per (group, true label, predicted label) with
its count. fairlearn's ``MetricFrame`` computes every group metric on the cells with
the counts as sample weights (:func:`group_metric_frame`): the same numbers as on the
raw rows (frequency weights), at a cost that does not grow with the number of rows,
but that grows with the number of groups (a scikit-learn call per group and metric).
The section therefore uses :func:`group_rates_frame`, the same table from
:func:`rates_from_counts` in a few array operations, whose definitions tests check
against fairlearn's, number for number.
"""

from __future__ import annotations

import contextlib
import warnings

import numpy as np
import pandas as pd
from fairlearn.metrics import (
    MetricFrame,
    false_negative_rate,
    false_positive_rate,
    selection_rate,
    true_positive_rate,
)
from sklearn.metrics import accuracy_score, balanced_accuracy_score, precision_score

__all__ = [
    "RATE_NAMES",
    "confusion_counts",
    "disparities",
    "group_metric_frame",
    "group_rates_frame",
    "rates_from_counts",
    "reference_ratios",
]

#: The group metrics, named as fairlearn and scikit-learn name them.
RATE_NAMES = (
    "count",
    "base_rate",
    "selection_rate",
    "accuracy",
    "balanced_accuracy",
    "true_positive_rate",
    "false_positive_rate",
    "false_negative_rate",
    "precision",
)


@contextlib.contextmanager
def quiet():
    """Silence numpy's warnings about all-NaN slices and 0/0 inside a block."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


def _count(y_true, y_pred, sample_weight):
    return float(np.sum(sample_weight))


def _base_rate(y_true, y_pred, sample_weight):
    return float(np.average(y_true, weights=sample_weight))


def _precision(y_true, y_pred, sample_weight):
    return precision_score(y_true, y_pred, sample_weight=sample_weight, zero_division=np.nan)


def _balanced_accuracy(y_true, y_pred, sample_weight):

    with warnings.catch_warnings():  # a one-class group: mean recall over its one class
        warnings.simplefilter("ignore", UserWarning)
        return balanced_accuracy_score(y_true, y_pred, sample_weight=sample_weight)


_METRICS = {
    "count": _count,
    "base_rate": _base_rate,
    "selection_rate": selection_rate,
    "accuracy": accuracy_score,
    "balanced_accuracy": _balanced_accuracy,
    "true_positive_rate": true_positive_rate,
    "false_positive_rate": false_positive_rate,
    "false_negative_rate": false_negative_rate,
    "precision": _precision,
}


def confusion_counts(
    y_true: np.ndarray, y_pred: np.ndarray, codes: np.ndarray, n_groups: int
) -> np.ndarray:
    """Counts of shape ``(n_groups, 2, 2)``: ``[group, true label, predicted label]``.

    Examples
    --------
    >>> import numpy as np
    >>> y_true, y_pred, codes = np.array([1, 0, 1]), np.array([1, 1, 0]), np.array([0, 0, 1])
    >>> confusion_counts(y_true, y_pred, codes, 2)[0].tolist()
    [[0, 1], [0, 1]]
    """
    key = codes.astype(np.int64) * 4 + y_true.astype(np.int64) * 2 + y_pred.astype(np.int64)
    return np.bincount(key, minlength=n_groups * 4).reshape(n_groups, 2, 2)


def group_metric_frame(counts: np.ndarray, groups: list[str], feature: str) -> pd.DataFrame:
    """fairlearn's group metrics (:data:`RATE_NAMES`) from confusion counts, one row per group."""
    flat = counts.reshape(-1)
    cells = np.nonzero(flat)[0]
    group_of, y_true, y_pred = cells // 4, (cells % 4) // 2, cells % 2
    weights = flat[cells].astype(np.float64)
    frame = MetricFrame(
        metrics=_METRICS,
        y_true=y_true,
        y_pred=y_pred,
        sensitive_features=pd.Series(np.asarray(groups, dtype=object)[group_of], name=feature),
        sample_params={name: {"sample_weight": weights} for name in _METRICS},
    )
    present = set(frame.by_group.index)
    by_group = frame.by_group.reindex([g for g in groups if g in present])
    by_group["count"] = by_group["count"].astype(np.int64)
    return by_group


def group_rates_frame(counts: np.ndarray, groups: list[str], feature: str) -> pd.DataFrame:
    """The table of :func:`group_metric_frame` from :func:`rates_from_counts`, vectorised.

    One row per group (all groups, in the order given), the columns of
    :data:`RATE_NAMES`; an undefined rate (0/0) is NaN where fairlearn may say 0.

    Examples
    --------
    >>> counts = np.array([[[5, 1], [2, 2]], [[3, 3], [1, 4]]])  # tn fp / fn tp per group
    >>> frame = group_rates_frame(counts, ["a", "b"], "g")
    >>> frame.loc["b", ["count", "selection_rate"]].tolist()
    [11.0, 0.6363636363636364]
    """
    rates = rates_from_counts(counts)
    frame = pd.DataFrame(
        {name: rates[name] for name in RATE_NAMES},
        index=pd.Index(list(groups), name=feature),
    )
    frame["count"] = counts.sum(axis=(1, 2)).astype(np.int64)
    return frame


def rates_from_counts(counts: np.ndarray) -> dict[str, np.ndarray]:
    """The rates of :data:`RATE_NAMES` from counts ``(..., groups, 2, 2)``, vectorised.

    Leading axes (e.g. bootstrap replicates) are kept. An undefined rate (0/0) is NaN;
    balanced accuracy is the mean recall over the classes the group holds, as in
    scikit-learn.
    """
    counts = counts.astype(np.float64)
    tn, fp = counts[..., 0, 0], counts[..., 0, 1]
    fn, tp = counts[..., 1, 0], counts[..., 1, 1]
    n = tn + fp + fn + tp
    positives, negatives = tp + fn, tn + fp
    with np.errstate(invalid="ignore", divide="ignore"):
        tpr = tp / positives
        tnr = tn / negatives
        balanced = np.where(np.isnan(tpr), tnr, np.where(np.isnan(tnr), tpr, (tpr + tnr) / 2))
        return {
            "count": n,
            "base_rate": positives / n,
            "selection_rate": (tp + fp) / n,
            "accuracy": (tp + tn) / n,
            "balanced_accuracy": balanced,
            "true_positive_rate": tpr,
            "false_positive_rate": fp / negatives,
            "false_negative_rate": fn / positives,
            "precision": tp / (tp + fp),
        }


def _diff_ratio(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Largest gap and min/max ratio over the last axis, ignoring NaN groups."""
    if values.shape[-1] == 0:  # no group to compare: undefined
        undefined = np.full(values.shape[:-1], np.nan)
        return undefined, undefined
    with np.errstate(invalid="ignore", divide="ignore"), quiet():
        low, high = np.nanmin(values, axis=-1), np.nanmax(values, axis=-1)
        ratio = low / high  # 0/0 is NaN, as in fairlearn
    return high - low, ratio


def disparities(rates: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Differences and ratios between groups, as fairlearn defines them (worst case).

    ``rates`` hold arrays whose last axis is the group; the result drops that axis.
    Equalized odds takes the worse of the true and false positive rates; equal
    opportunity is the true positive rate alone.

    Examples
    --------
    >>> import numpy as np
    >>> rates = {"selection_rate": np.array([0.5, 0.4]),
    ...          "true_positive_rate": np.array([0.8, 0.6]),
    ...          "false_positive_rate": np.array([0.2, 0.1]),
    ...          "false_negative_rate": np.array([0.2, 0.4])}
    >>> round(float(disparities(rates)["equalized_odds_ratio"]), 2)
    0.5
    """
    dp_diff, dp_ratio = _diff_ratio(rates["selection_rate"])
    tpr_diff, tpr_ratio = _diff_ratio(rates["true_positive_rate"])
    fpr_diff, fpr_ratio = _diff_ratio(rates["false_positive_rate"])
    _, fnr_ratio = _diff_ratio(rates["false_negative_rate"])
    return {
        "demographic_parity_difference": dp_diff,
        "demographic_parity_ratio": dp_ratio,
        "equalized_odds_difference": np.fmax(tpr_diff, fpr_diff),
        "equalized_odds_ratio": np.fmin(tpr_ratio, fpr_ratio),
        "equal_opportunity_difference": tpr_diff,
        "equal_opportunity_ratio": tpr_ratio,
        "false_positive_rate_ratio": fpr_ratio,
        "false_negative_rate_ratio": fnr_ratio,
    }


def reference_ratios(
    rates: dict[str, np.ndarray], reference: int, names: tuple[str, ...]
) -> dict[str, np.ndarray]:
    """Each group's rate divided by the reference group's (last axis = group)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return {name: rates[name] / rates[name][..., reference : reference + 1] for name in names}
