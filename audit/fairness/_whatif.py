"""The mitigation what-if: fairlearn's ThresholdOptimizer before and after, as a table."""

from __future__ import annotations

import numpy as np
import pandas as pd

from audit.fairness._figures import tradeoff_figure
from audit.fairness._groups import GroupEncoder
from audit.fairness._mitigation import CONSTRAINTS, mitigate
from audit.fairness._rates import confusion_counts, disparities, rates_from_counts
from audit.results import Section, Table
from audit.settings import FairnessSettings

__all__ = ["MitigationData", "add_mitigation"]


class MitigationData:
    """Rows on which mitigation thresholds are chosen: scores, labels, sensitive features."""

    def __init__(
        self, scores: np.ndarray, labels: np.ndarray, sensitive: pd.DataFrame, *, source: str
    ):
        self.scores, self.labels, self.sensitive, self.source = scores, labels, sensitive, source


def add_mitigation(
    section: Section,
    y_true: np.ndarray,
    y_pred: np.ndarray,
    sensitive: pd.DataFrame,
    encoder: GroupEncoder,
    scores: np.ndarray | None,
    data: MitigationData | None,
    settings: FairnessSettings,
    *,
    seed: int = 0,
) -> None:
    """Add the before/after table and trade-off figure for each sensitive feature.

    Thresholds are chosen on ``data`` (or on a seeded half of the rows, then judged
    on the other half) and measured on the audited rows.
    """
    if scores is None:
        section.notes.append("Mitigation needs scores (probabilities); none were given.")
        return
    rng = np.random.default_rng(seed)
    if data is None:  # choose thresholds on one half, judge them on the other
        order = rng.permutation(len(y_true))
        fit_rows, eval_rows = order[: len(order) // 2], order[len(order) // 2 :]
        data = MitigationData(
            scores[fit_rows], y_true[fit_rows], sensitive.iloc[fit_rows], source="a seeded half"
        )
    else:
        eval_rows = np.arange(len(y_true))
    if len(data.labels) > settings.mitigation_max_rows:
        keep = rng.choice(len(data.labels), settings.mitigation_max_rows, replace=False)
        data = MitigationData(
            data.scores[keep], data.labels[keep], data.sensitive.iloc[keep], source=data.source
        )
    fit_groups = encoder.transform(data.sensitive.reset_index(drop=True))
    eval_groups = encoder.transform(sensitive.iloc[eval_rows].reset_index(drop=True))
    rows = []
    truth, base = y_true[eval_rows], y_pred[eval_rows]
    for feature in encoder.features:
        groups = eval_groups[feature].to_numpy()
        if not set(groups) <= set(fit_groups[feature]):
            section.notes.append(
                f"Mitigation for {feature} skipped: some of its groups are missing where "
                "the thresholds are chosen."
            )
            continue
        rows.append([feature, "none (model as is)", *_outcome(truth, base, groups)])
        for constraint, label in CONSTRAINTS.items():
            try:
                out = mitigate(
                    data.scores,
                    data.labels,
                    fit_groups[feature].to_numpy(),
                    scores[eval_rows],
                    groups,
                    constraint=constraint,
                    seed=seed,
                )
            except ValueError as error:  # fairlearn refuses degenerate groups
                section.notes.append(f"Mitigation for {feature} ({label}) failed: {error}")
                continue
            rows.append(
                [feature, f"ThresholdOptimizer ({label})", *_outcome(truth, out.y_pred, groups)]
            )
    if not rows:
        return
    columns = [
        "sensitive_feature",
        "method",
        "accuracy",
        "demographic_parity_difference",
        "equalized_odds_difference",
        "demographic_parity_ratio",
        "equalized_odds_ratio",
    ]
    section.tables.append(
        Table(
            id="mitigation",
            title="Mitigation: before and after",
            columns=columns,
            rows=rows,
            caption="fairlearn ThresholdOptimizer, prefit on the model's scores; thresholds "
            f"chosen on {data.source}, measured on {len(eval_rows)} rows. A what-if: the "
            "model itself is not changed.",
        )
    )
    section.figures.append(tradeoff_figure(columns, rows))


def _outcome(y_true: np.ndarray, y_pred: np.ndarray, groups: np.ndarray) -> list[float]:
    codes, names = pd.factorize(groups)
    rates = rates_from_counts(confusion_counts(y_true, y_pred, codes, len(names)))
    gaps = disparities(rates)
    return [
        float(np.mean(y_true == y_pred)),
        float(gaps["demographic_parity_difference"]),
        float(gaps["equalized_odds_difference"]),
        float(gaps["demographic_parity_ratio"]),
        float(gaps["equalized_odds_ratio"]),
    ]
