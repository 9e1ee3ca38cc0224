"""The mitigation what-if on counted cells: fairlearn's ThresholdOptimizer, before and after.

As on rows (:mod:`audit.fairness._whatif`), thresholds are chosen on a seeded half and
judged on the other half; here the halves split each cell's count (binomial, seeded),
thresholds are fit on at most ``fairness.mitigation_max_rows`` rows drawn from the fit
half (each at its cell's mean score, scores in 1/1000 bins), and the other half's
outcome is the expectation of the randomised thresholds (fairlearn's probability of a
positive decision per cell, times the cell's count): no row is ever materialised
beyond the fit sample.
"""

from __future__ import annotations

import warnings

import numpy as np

from audit.engines._cells import DECISION, LABEL, TOTAL, PredictionCells
from audit.fairness._figures import tradeoff_figure
from audit.fairness._groups import GroupCodes, GroupEncoder
from audit.fairness._mitigation import CONSTRAINTS, ScoreModel
from audit.fairness._rates import disparities, rates_from_counts
from audit.fairness._whatif import MITIGATION_MAX_GROUPS, too_many_groups
from audit.results import Section, Table
from audit.settings import FairnessSettings

__all__ = ["add_cell_mitigation", "expected_outcome"]

COLUMNS = [
    "sensitive_feature",
    "method",
    "accuracy",
    "demographic_parity_difference",
    "equalized_odds_difference",
    "demographic_parity_ratio",
    "equalized_odds_ratio",
]


def add_cell_mitigation(
    section: Section,
    cells: PredictionCells,
    encoder: GroupEncoder,
    groups: GroupCodes,
    settings: FairnessSettings,
    *,
    seed: int = 0,
) -> None:
    """Add the before/after table and trade-off figure for each sensitive feature."""
    if not cells.has_scores:
        section.notes.append("Mitigation needs scores (probabilities); none were given.")
        return
    frame = cells.cells
    n = cells.counts()
    labels = frame[LABEL].to_numpy(dtype=np.int64)
    decisions = frame[DECISION].to_numpy(dtype=np.float64)
    scores = frame[TOTAL].to_numpy(dtype=np.float64) / np.maximum(n, 1)
    rng = np.random.default_rng(seed)
    fit = rng.binomial(n, 0.5)
    judged = n - fit
    if fit.sum() > settings.mitigation_max_rows:
        fit = rng.multivariate_hypergeometric(fit, settings.mitigation_max_rows, method="marginals")
    rows_of = np.repeat(np.arange(len(n)), fit)
    most = int(getattr(settings, "mitigation_max_groups", MITIGATION_MAX_GROUPS))
    rows = []
    for feature in encoder.features:
        names, codes = groups.names[feature], groups.codes[feature]
        if len(names) < 2:
            continue
        if len(names) > most:
            section.notes.append(too_many_groups(feature, len(names), most))
            continue
        present = np.bincount(codes, weights=fit, minlength=len(names)) > 0
        needed = np.bincount(codes, weights=judged, minlength=len(names)) > 0
        if not present[needed].all():
            section.notes.append(
                f"Mitigation for {feature} skipped: some of its groups are missing where "
                "the thresholds are chosen."
            )
            continue
        rows.append(
            [feature, "none (model as is)", *expected_outcome(labels, decisions, codes, judged)]
        )
        for constraint, label in CONSTRAINTS.items():
            try:
                positive = _positive_probability(
                    scores[rows_of], labels[rows_of], codes[rows_of], scores, codes, constraint
                )
            except ValueError as error:  # fairlearn refuses degenerate groups
                section.notes.append(f"Mitigation for {feature} ({label}) failed: {error}")
                continue
            outcome = expected_outcome(labels, positive, codes, judged)
            rows.append([feature, f"ThresholdOptimizer ({label})", *outcome])
    if not rows:
        return
    section.tables.append(
        Table(
            id="mitigation",
            title="Mitigation: before and after",
            columns=COLUMNS,
            rows=rows,
            caption="fairlearn ThresholdOptimizer, prefit on the model's scores; thresholds "
            f"chosen on a seeded half of the counted rows ({int(fit.sum())} drawn, scores in "
            f"1/1000 bins), measured on the other {int(judged.sum())} rows as the expected "
            "outcome of the randomised thresholds. A what-if: the model itself is not changed.",
        )
    )
    section.figures.append(tradeoff_figure(COLUMNS, rows))


def _positive_probability(fit_scores, fit_labels, fit_groups, scores, groups, constraint):
    """fairlearn's probability of a positive decision for each cell (score, group)."""
    from fairlearn.postprocessing import ThresholdOptimizer
    from pandas.errors import PerformanceWarning

    optimizer = ThresholdOptimizer(
        estimator=ScoreModel().fit(fit_scores[:, None], fit_labels),
        constraints=constraint,
        objective="accuracy_score",
        prefit=True,
        predict_method="predict_proba",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        warnings.simplefilter("ignore", PerformanceWarning)
        optimizer.fit(fit_scores[:, None], fit_labels, sensitive_features=fit_groups)
        pmf = optimizer._pmf_predict(scores[:, None], sensitive_features=groups)
    return np.asarray(pmf, dtype=np.float64)[:, 1]


def expected_outcome(
    labels: np.ndarray, positive: np.ndarray, codes: np.ndarray, weights: np.ndarray
) -> list[float]:
    """Accuracy and disparities of cells decided positive with probability ``positive``.

    Examples
    --------
    >>> out = expected_outcome(np.array([1, 0]), np.array([1.0, 0.0]), np.array([0, 1]),
    ...                        np.array([5, 5]))
    >>> out[0]
    1.0
    """
    w = weights.astype(np.float64)
    size = (int(codes.max()) + 1) * 4
    base = codes.astype(np.int64) * 4 + labels.astype(np.int64) * 2
    counts = np.bincount(base + 1, weights=w * positive, minlength=size) + np.bincount(
        base, weights=w * (1.0 - positive), minlength=size
    )
    counts = counts.reshape(-1, 2, 2)
    counts = counts[counts.sum(axis=(1, 2)) > 0]
    gaps = disparities(rates_from_counts(counts))
    total = counts.sum()
    return [
        float((counts[:, 0, 0].sum() + counts[:, 1, 1].sum()) / total),
        float(gaps["demographic_parity_difference"]),
        float(gaps["equalized_odds_difference"]),
        float(gaps["demographic_parity_ratio"]),
        float(gaps["equalized_odds_ratio"]),
    ]
