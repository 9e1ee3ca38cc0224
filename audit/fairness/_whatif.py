"""The mitigation what-if: fairlearn's ThresholdOptimizer before and after, as a table."""

from __future__ import annotations

import numpy as np
import pandas as pd

from audit.fairness._figures import tradeoff_figure
from audit.fairness._groups import GroupCodes, GroupEncoder
from audit.fairness._mitigation import CONSTRAINTS, mitigate
from audit.fairness._rates import confusion_counts, disparities, rates_from_counts
from audit.results import Section, Table
from audit.settings import FairnessSettings

__all__ = ["MITIGATION_MAX_GROUPS", "MitigationData", "add_mitigation"]


class MitigationData:
    """Rows on which mitigation thresholds are chosen: scores, labels, sensitive features."""

    def __init__(
        self, scores: np.ndarray, labels: np.ndarray, sensitive: pd.DataFrame, *, source: str
    ):
        self.scores, self.labels, self.sensitive, self.source = scores, labels, sensitive, source


#: Mitigation is skipped for a feature with more groups than this, unless settings say otherwise.
MITIGATION_MAX_GROUPS = 50


def add_mitigation(
    section: Section,
    y_true: np.ndarray,
    y_pred: np.ndarray,
    sensitive: pd.DataFrame,
    encoder: GroupEncoder,
    groups: GroupCodes,
    scores: np.ndarray | None,
    data: MitigationData | None,
    settings: FairnessSettings,
    *,
    seed: int = 0,
) -> None:
    """Add the before/after table and trade-off figure for each sensitive feature.

    Thresholds are chosen on ``data`` (or on a seeded half of the rows, then judged
    on the other half) and measured on the audited rows, whose groups ``groups``
    holds (``encoder.encode(sensitive)``). fairlearn sees integer group codes, ordered
    as the group names are, so it finds the same thresholds as on the names, faster.
    A feature with one group, or with more than ``settings.mitigation_max_groups``
    groups, is skipped.
    """
    if scores is None:
        section.notes.append("Mitigation needs scores (probabilities); none were given.")
        return
    rng = np.random.default_rng(seed)
    fit_sensitive = None
    if data is None:  # choose thresholds on one half, judge them on the other
        order = rng.permutation(len(y_true))
        fit_rows, eval_rows = order[: len(order) // 2], order[len(order) // 2 :]
        fit_scores, fit_labels, source = scores[fit_rows], y_true[fit_rows], "a seeded half"
    else:
        eval_rows = np.arange(len(y_true))
        fit_scores, fit_labels, source = data.scores, data.labels, data.source
        fit_sensitive = data.sensitive
    if len(fit_labels) > settings.mitigation_max_rows:
        keep = rng.choice(len(fit_labels), settings.mitigation_max_rows, replace=False)
        fit_scores, fit_labels = fit_scores[keep], fit_labels[keep]
        if fit_sensitive is None:
            fit_rows = fit_rows[keep]
        else:
            fit_sensitive = fit_sensitive.iloc[keep]
    if fit_sensitive is None:  # a part of the audited rows: their codes
        fit_names = groups.names
        fit_codes = {f: groups.codes[f][fit_rows] for f in encoder.features}
    else:  # rows of their own: their groups, on the audited rows' bins
        fitted = encoder.encode(fit_sensitive.reset_index(drop=True))
        fit_names, fit_codes = fitted.names, fitted.codes
    most = int(getattr(settings, "mitigation_max_groups", MITIGATION_MAX_GROUPS))
    rows = []
    truth, base = y_true[eval_rows], y_pred[eval_rows]
    for feature in encoder.features:
        names = groups.names[feature]
        if len(names) < 2:
            continue
        if len(names) > most:
            section.notes.append(too_many_groups(feature, len(names), most))
            continue
        eval_groups, fit_groups = _shared_codes(
            names, groups.codes[feature][eval_rows], fit_names[feature], fit_codes[feature]
        )
        size = max(int(eval_groups.max()), int(fit_groups.max())) + 1
        present = np.bincount(fit_groups, minlength=size) > 0
        if not present[np.bincount(eval_groups, minlength=size) > 0].all():
            section.notes.append(
                f"Mitigation for {feature} skipped: some of its groups are missing where "
                "the thresholds are chosen."
            )
            continue
        rows.append([feature, "none (model as is)", *_outcome(truth, base, eval_groups)])
        for constraint, label in CONSTRAINTS.items():
            try:
                out = mitigate(
                    fit_scores,
                    fit_labels,
                    fit_groups,
                    scores[eval_rows],
                    eval_groups,
                    constraint=constraint,
                    seed=seed,
                )
            except ValueError as error:  # fairlearn refuses degenerate groups
                section.notes.append(f"Mitigation for {feature} ({label}) failed: {error}")
                continue
            rows.append(
                [
                    feature,
                    f"ThresholdOptimizer ({label})",
                    *_outcome(truth, out.y_pred, eval_groups),
                ]
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
            f"chosen on {source}, measured on {len(eval_rows)} rows. A what-if: the "
            "model itself is not changed.",
        )
    )
    section.figures.append(tradeoff_figure(columns, rows))


def _shared_codes(
    names: list[str], codes: np.ndarray, other_names: list[str], other_codes: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Recode two splits' group codes into their union of names, sorted as the names are."""
    if names == other_names:
        return codes, other_codes
    union = sorted(set(names) | set(other_names))
    where = {name: k for k, name in enumerate(union)}
    mine = np.array([where[name] for name in names], dtype=np.int64)
    theirs = np.array([where[name] for name in other_names], dtype=np.int64)
    return mine[codes], theirs[other_codes]


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


def too_many_groups(feature: str, groups: int, most: int) -> str:
    """The note of a feature whose mitigation what-if is skipped for its many groups.

    Examples
    --------
    >>> too_many_groups("zip", 900, 50)[:45]
    'Mitigation for zip skipped: 900 groups, more '
    """
    return (
        f"Mitigation for {feature} skipped: {groups:,} groups, more than "
        f"fairness.mitigation_max_groups = {most} (fairlearn's ThresholdOptimizer "
        "picks a threshold per group)."
    )
