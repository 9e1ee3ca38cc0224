"""Fairness (first version): fairlearn group metrics and disparities per sensitive feature."""

from __future__ import annotations

import numpy as np
import pandas as pd
from fairlearn.metrics import (
    MetricFrame,
    count,
    false_negative_rate,
    false_positive_rate,
    selection_rate,
    true_positive_rate,
)
from sklearn.metrics import accuracy_score

from audit.config import FairnessSettings
from audit.errors import AuditInputError
from audit.results import Figure, Metric, Section, Table
from audit.subject import Subject

__all__ = ["GROUP_METRICS", "disparities", "run"]

SECTION_ID = "fairness"
TITLE = "Fairness"

#: Group metrics, named as fairlearn names them.
GROUP_METRICS = {
    "count": count,
    "selection_rate": selection_rate,
    "accuracy": accuracy_score,
    "true_positive_rate": true_positive_rate,
    "false_positive_rate": false_positive_rate,
    "false_negative_rate": false_negative_rate,
}

ONE_CLASS_GROUP = (
    "sensitive_test[{feature!r}]: expected every group to hold both classes of y_test, got group "
    "{group!r} with only class {label} ({rows} rows); its true/false positive rates are undefined. "
    "Merge it with another group, or set fairness.on_degenerate_group: warn."
)


def disparities(by_group: pd.DataFrame) -> dict[str, float]:
    """Demographic parity and equalized odds, as differences and ratios, from group rates.

    Follows fairlearn's definitions (``agg="worst_case"``): the difference is the
    largest between-group gap, the ratio the smallest ``min / max`` (1 when all are 0);
    equalized odds takes the worse of the true and false positive rates.

    Examples
    --------
    >>> import pandas as pd
    >>> rates = pd.DataFrame({"selection_rate": [0.5, 0.4], "true_positive_rate": [0.8, 0.6],
    ...                       "false_positive_rate": [0.2, 0.1]})
    >>> round(disparities(rates)["demographic_parity_ratio"], 2)
    0.8
    """

    def diff_ratio(column: str) -> tuple[float, float]:
        values = by_group[column].to_numpy(dtype=np.float64)
        values = values[~np.isnan(values)]
        if values.size == 0:
            return float("nan"), float("nan")
        low, high = values.min(), values.max()
        return float(high - low), float(low / high) if high > 0 else 1.0

    dp_diff, dp_ratio = diff_ratio("selection_rate")
    tpr_diff, tpr_ratio = diff_ratio("true_positive_rate")
    fpr_diff, fpr_ratio = diff_ratio("false_positive_rate")
    return {
        "demographic_parity_difference": dp_diff,
        "demographic_parity_ratio": dp_ratio,
        "equalized_odds_difference": max(tpr_diff, fpr_diff),
        "equalized_odds_ratio": min(tpr_ratio, fpr_ratio),
    }


_DESCRIPTIONS = {
    "demographic_parity_difference": "largest gap in selection rate between groups",
    "demographic_parity_ratio": (
        "smallest over largest group selection rate (four-fifths rule: >= 0.8)"
    ),
    "equalized_odds_difference": "largest gap in true or false positive rate between groups",
    "equalized_odds_ratio": "smallest ratio of group true or false positive rates",
}


def run(subject: Subject, settings: FairnessSettings | None = None) -> Section:
    """Group metrics and disparities of the test predictions, per sensitive feature.

    Uses one fairlearn :class:`~fairlearn.metrics.MetricFrame` per sensitive feature;
    the positive class is class 1 and predictions are the most probable class.

    Parameters
    ----------
    subject : Subject
        Needs ``sensitive_test`` and a binary task for disparities.
    settings : FairnessSettings, optional

    Returns
    -------
    Section
        Table ``by_group`` (``sensitive_feature``, ``group`` and the columns of
        :data:`GROUP_METRICS`) and metrics such as ``demographic_parity_ratio[sex]``.

    Raises
    ------
    AuditInputError
        When a group holds one class only and ``on_degenerate_group`` is ``"error"``.

    Examples
    --------
    >>> from audit import reference
    >>> from audit.config import TrainingConfig
    >>> section = run(reference("credit", training=TrainingConfig(epochs=3)))
    >>> section.table("by_group").columns[:3]
    ['sensitive_feature', 'group', 'count']
    """
    settings = settings or FairnessSettings()
    section = Section(id=SECTION_ID, title=TITLE)
    if subject.sensitive_test is None:
        section.summary = "No sensitive features were given, so group fairness was not measured."
        section.notes.append("Pass sensitive_test to Subject to audit fairness.")
        return section
    if subject.n_classes != 2:
        section.summary = (
            "Group disparities need a binary task; this model has more than two classes."
        )
        section.notes.append(f"{subject.n_classes} classes: fairness metrics were not computed.")
        return section

    y_true = subject.y_test.numpy()
    y_pred = subject.predict_proba("test").argmax(axis=1)
    rows: list[list] = []
    for feature in subject.sensitive_test.columns:
        groups = subject.sensitive_test[feature].astype(str).to_numpy()
        degenerate = _one_class_groups(feature, groups, y_true, settings, section)
        frame = MetricFrame(
            metrics=GROUP_METRICS, y_true=y_true, y_pred=y_pred, sensitive_features=groups
        )
        by_group = frame.by_group.copy()
        for group, label in degenerate.items():  # rates fairlearn reports as 0 are undefined
            undefined = (
                ["false_positive_rate"]
                if label == 1
                else ["true_positive_rate", "false_negative_rate"]
            )
            by_group.loc[group, undefined] = np.nan
        for group, values in by_group.iterrows():
            rows.append([feature, str(group), int(values["count"]), *values.iloc[1:].tolist()])
            if values["count"] < settings.min_group_size:
                section.notes.append(
                    f"Group {feature} = {group} has {int(values['count'])} test rows, fewer than "
                    f"{settings.min_group_size}: its rates are uncertain."
                )
        for name, value in disparities(by_group).items():
            section.metrics.append(
                Metric(name, value, scope=feature, description=_DESCRIPTIONS[name])
            )
        section.figures.append(_group_figure(feature, by_group))

    section.tables.append(
        Table(
            id="by_group",
            title="Metrics by group (test split)",
            columns=["sensitive_feature", "group", *GROUP_METRICS],
            rows=rows,
            caption="Positive class: "
            f"{subject.class_names[1]!r}. Selection rate is the share predicted positive.",
        )
    )
    worst = min(
        (
            m
            for m in section.metrics
            if m.name == "demographic_parity_ratio" and m.value is not None
        ),
        key=lambda m: m.value,
        default=None,
    )
    features = ", ".join(subject.sensitive_test.columns)
    section.summary = f"Group metrics for {features} on {len(y_true)} test rows." + (
        f" Lowest demographic parity ratio: {worst.value:.3f} ({worst.scope})." if worst else ""
    )
    return section


def _one_class_groups(
    feature: str,
    groups: np.ndarray,
    y_true: np.ndarray,
    settings: FairnessSettings,
    section: Section,
) -> dict[str, int]:
    """Return ``{group: its only label}`` for one-class groups; raise unless told to warn."""
    degenerate: dict[str, int] = {}
    for group in np.unique(groups):
        labels = np.unique(y_true[groups == group])
        if labels.size == 1:
            message = ONE_CLASS_GROUP.format(
                feature=feature,
                group=str(group),
                label=int(labels[0]),
                rows=int((groups == group).sum()),
            )
            if settings.on_degenerate_group == "error":
                raise AuditInputError(message)
            section.notes.append(message)
            section.verdict = "warn"
            degenerate[str(group)] = int(labels[0])
    return degenerate


def _group_figure(feature: str, by_group: pd.DataFrame) -> Figure:
    series = {
        name: [None if np.isnan(v) else float(v) for v in by_group[name].to_numpy(dtype=np.float64)]
        for name in ("selection_rate", "true_positive_rate", "false_positive_rate")
    }
    categories = [str(g) for g in by_group.index]
    alt = f"Bar chart of group rates by {feature}. " + "; ".join(
        f"{group}: "
        + ", ".join(
            f"{name.replace('_', ' ')} {'undefined' if values[i] is None else f'{values[i]:.3f}'}"
            for name, values in series.items()
        )
        for i, group in enumerate(categories)
    )
    return Figure(
        id=f"group_rates_{feature}",
        title=f"Group rates by {feature}",
        alt=alt,
        kind="bars",
        data={"categories": categories, "series": series},
        caption="The same numbers are in the table 'Metrics by group'.",
    )
