"""The fairness section from labels, predictions, scores and sensitive features.

Used by the model check (``audit.checks._fairness``) and by the predictions mode.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from audit.errors import AuditInputError, bad_input
from audit.fairness._contrasts import RATE_PARTS, pair_intervals, rate_counts, worst_case
from audit.fairness._figures import group_rates_figure
from audit.fairness._groups import GroupEncoder
from audit.fairness._rates import (
    RATE_NAMES,
    confusion_counts,
    disparities,
    group_metric_frame,
    reference_ratios,
)
from audit.fairness._whatif import MitigationData, add_mitigation
from audit.results import Metric, Section, Table
from audit.settings import REFERENCE_RATES, FairnessSettings

__all__ = ["REFERENCE_RATES", "MitigationData", "fairness_section"]

SECTION_ID, TITLE = "fairness", "Fairness"

ONE_CLASS_GROUP = (
    "sensitive_test[{feature!r}]: expected every group to hold both classes of y_test, got group "
    "{group!r} with only class {label} ({rows} rows); its true/false positive rates are undefined. "
    "Merge it with another group, or set fairness.on_degenerate_group: warn."
)
DESCRIPTIONS = {
    "demographic_parity_difference": "largest gap in selection rate between groups",
    "demographic_parity_ratio": "smallest over largest selection rate (four-fifths rule: >= 0.8)",
    "equalized_odds_difference": "largest gap in true or false positive rate between groups",
    "equalized_odds_ratio": "smallest ratio of group true or false positive rates",
    "equal_opportunity_difference": "largest gap in true positive rate between groups",
    "equal_opportunity_ratio": "smallest over largest true positive rate",
    "false_positive_rate_ratio": "smallest over largest false positive rate",
    "false_negative_rate_ratio": "smallest over largest false negative rate",
}


def fairness_section(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    sensitive: pd.DataFrame,
    *,
    scores: np.ndarray | None = None,
    mitigation_data: MitigationData | None = None,
    positive_name: str = "class 1",
    settings: FairnessSettings | None = None,
    seed: int = 0,
) -> Section:
    """Group metrics, disparities with bootstrap intervals, and mitigation, for a binary task.

    Parameters
    ----------
    y_true, y_pred : ndarray of 0/1
        Labels and predictions (1 is the positive class).
    sensitive : DataFrame
        Sensitive features, one row per label.
    scores : ndarray, optional
        P(class 1); needed for mitigation.
    mitigation_data : MitigationData, optional
        Rows to choose mitigation thresholds on (e.g. the training split); default:
        a seeded half of these rows, evaluated on the other half.
    positive_name : str
        Name of class 1, for the report.
    settings : FairnessSettings, optional
    seed : int
        Seed of the bootstrap and of the mitigation split.

    Returns
    -------
    Section

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> y = np.array([1, 0] * 40); p = np.array([1, 1, 0, 0] * 20)
    >>> s = pd.DataFrame({"g": ["a"] * 40 + ["b"] * 40})
    >>> fairness_section(y, p, s).metric("demographic_parity_ratio[g]").value
    1.0
    """
    settings = settings or FairnessSettings()
    n = len(y_true)
    if len(y_pred) != n or len(sensitive) != n:
        raise bad_input(
            "y_pred / sensitive", f"{n} rows, one per label", f"{len(y_pred)} / {len(sensitive)}"
        )
    section = Section(id=SECTION_ID, title=TITLE)
    encoder = GroupEncoder(settings.bins, settings.max_categories, settings.intersection).fit(
        sensitive
    )
    groups = encoder.transform(sensitive)
    for feature in encoder.binned:
        section.notes.append(
            f"{feature} is numeric with many values: cut into {settings.bins} quantile bins."
        )
    for feature in encoder.features:  # the intersection's small cells are flagged, not refused
        _one_class_groups(feature, groups[feature].to_numpy(), y_true, settings, section)

    joint_label = pd.Series(groups[encoder.features[0]].to_numpy(dtype=object))
    for feature in encoder.features[1:]:
        joint_label = joint_label + "\x1f" + groups[feature].to_numpy(dtype=object)
    joint_codes, joint_groups = pd.factorize(joint_label, sort=True)
    joint_counts = confusion_counts(y_true, y_pred, joint_codes, len(joint_groups))
    first_row = np.unique(joint_codes, return_index=True)[1]

    features = []  # (feature, group names, counts per group, judged mask, fairlearn's frame)
    for feature in groups.columns:
        labels_of_joint = groups[feature].to_numpy(dtype=object)[first_row]
        names = sorted(set(labels_of_joint))
        membership = (labels_of_joint[:, None] == np.asarray(names, dtype=object)[None, :]).astype(
            np.int64
        )
        counts = np.einsum("jab,jg->gab", joint_counts, membership)
        by_group = group_metric_frame(counts, names, feature)
        _blank_undefined(by_group, counts)
        judged = by_group["count"].to_numpy() >= settings.min_group_size
        for group in by_group.index[~judged]:
            section.notes.append(
                f"Group {feature} = {group} has {int(by_group.loc[group, 'count'])} rows, "
                f"fewer than {settings.min_group_size}: shown, but left out of the disparities "
                "and verdicts."
            )
        features.append((feature, names, counts, judged, by_group))
    # every pair of judged groups, every rate, every feature: one family (Bonferroni)
    family = sum(int(j.sum()) * (int(j.sum()) - 1) // 2 for *_, j, _ in features) * len(RATE_PARTS)
    alpha = (1 - settings.ci_level) / max(family, 1)
    rows, interval_rows = [], []
    for feature, names, counts, judged, by_group in features:
        rates = {name: by_group[name].to_numpy(dtype=np.float64) for name in RATE_NAMES}
        for group, values in by_group.iterrows():
            rows.append([feature, str(group), *values.tolist(), bool(judged[names.index(group)])])
        contrasts = None
        if settings.intervals:
            interval_rows += group_interval_rows(feature, names, counts, settings.ci_level)
            contrasts = _contrasts(counts[judged], alpha)
        _add_disparities(section, feature, rates, judged, contrasts)
        _add_reference_ratios(section, feature, names, rates, judged, by_group, settings, contrasts)
        section.figures.append(group_rates_figure(feature, by_group))
    if settings.intervals and family:
        section.notes.append(
            f"Verdicts judge intervals, not estimates: every interval of a disparity is a "
            f"simultaneous {settings.ci_level:.0%} interval over the {family} group contrasts "
            "this section judges (pairs of groups x rates x sensitive features; Bonferroni, "
            "each pair's ratio by the log-adjusted and its difference by Newcombe's interval, "
            "statsmodels), so the chance of a false FAIL anywhere in the section is at most "
            f"{1 - settings.ci_level:.0%}. A metric whose interval straddles a limit is an "
            "inconclusive WARN."
        )

    section.tables.append(
        Table(
            id="by_group",
            title="Metrics by group",
            columns=["sensitive_feature", "group", *RATE_NAMES, "judged"],
            rows=rows,
            caption=f"Positive class: {positive_name!r}. Selection rate is the share predicted "
            "positive; base rate the share truly positive. 'judged' groups are large enough to "
            "enter the verdicts.",
        )
    )
    if interval_rows:
        pct = round(settings.ci_level * 100, 1)
        section.tables.append(
            Table(
                id="group_intervals",
                title=f"{pct:g}% intervals of group rates",
                columns=["sensitive_feature", "group", "metric", "value", "ci_low", "ci_high"],
                rows=interval_rows,
                caption="Wilson score intervals (statsmodels), one group and rate at a time; "
                "the verdicts use the simultaneous intervals of the contrasts instead.",
            )
        )
    if settings.mitigation:
        add_mitigation(
            section,
            y_true,
            y_pred,
            sensitive,
            encoder,
            scores,
            mitigation_data,
            settings,
            seed=seed,
        )
    return section


def _one_class_groups(
    feature: str,
    groups: np.ndarray,
    y_true: np.ndarray,
    settings: FairnessSettings,
    section: Section,
) -> None:
    """Raise on a one-class group, or note it and warn when ``on_degenerate_group`` says so."""
    codes, names = pd.factorize(groups)
    positives = np.bincount(codes, weights=y_true, minlength=len(names))
    totals = np.bincount(codes, minlength=len(names))
    for i, group in enumerate(names):
        if positives[i] in (0, totals[i]):
            label = int(positives[i] > 0)
            message = ONE_CLASS_GROUP.format(
                feature=feature, group=str(group), label=label, rows=int(totals[i])
            )
            if settings.on_degenerate_group == "error":
                raise AuditInputError(message)
            section.notes.append(message)
            section.verdict = "warn"


def _blank_undefined(by_group: pd.DataFrame, counts: np.ndarray) -> None:
    """Rates fairlearn reports as 0 for a group without positives (or negatives) are undefined."""
    no_positives = counts[:, 1, :].sum(axis=1) == 0
    no_negatives = counts[:, 0, :].sum(axis=1) == 0
    by_group.loc[no_positives, ["true_positive_rate", "false_negative_rate"]] = np.nan
    by_group.loc[no_negatives, ["false_positive_rate"]] = np.nan


#: The rates behind each worst-case disparity, and how it combines them.
_DISPARITY_RATES = {
    "demographic_parity": ("selection_rate",),
    "equalized_odds": ("true_positive_rate", "false_positive_rate"),
    "equal_opportunity": ("true_positive_rate",),
    "false_positive_rate": ("false_positive_rate",),
    "false_negative_rate": ("false_negative_rate",),
}


def _contrasts(counts: np.ndarray, alpha: float) -> dict[str, tuple]:
    """Per rate: (events, trials, pair intervals) of the judged groups."""
    out = {}
    for rate in RATE_PARTS:
        events, trials = rate_counts(counts, rate)
        out[rate] = (events, trials, pair_intervals(events, trials, alpha=alpha))
    return out


def group_interval_rows(feature, names, counts, level: float) -> list[list]:
    """Wilson intervals of each group's rates, for the descriptive table."""
    from statsmodels.stats.proportion import proportion_confint

    rows = []
    for rate in RATE_PARTS:
        events, trials = rate_counts(counts, rate)
        with np.errstate(invalid="ignore", divide="ignore"):
            low, high = proportion_confint(events, trials, alpha=1 - level, method="wilson")
            value = events / np.where(trials > 0, trials, np.nan)
        for i, group in enumerate(names):
            defined = trials[i] > 0
            rows.append(
                [feature, group, rate, value[i], *((low[i], high[i]) if defined else (None, None))]
            )
    return rows


def _add_disparities(section, feature, rates, judged, contrasts) -> None:
    point = disparities({k: v[judged] for k, v in rates.items()})
    for name, value in point.items():
        base = name.rsplit("_", 1)[0]
        kind = "ratio" if name.endswith("_ratio") else "difference"
        ci, events, rows = None, None, None
        if contrasts is not None:
            parts = [contrasts[rate] for rate in _DISPARITY_RATES[base]]
            bounds = [worst_case(pairs, kind) for _, _, pairs in parts]
            if all(b is not None for b in bounds):
                pick = min if kind == "ratio" else max  # equalized odds: the worse of two
                ci = [pick(b[0] for b in bounds), pick(b[1] for b in bounds)]
            events = min(int(e.sum()) for e, _, _ in parts)
            defined = [t[t > 0] for _, t, _ in parts]
            rows = min((int(t.min()) for t in defined if t.size), default=None)
        section.metrics.append(
            Metric(
                name,
                float(value),
                scope=feature,
                description=DESCRIPTIONS[name],
                ci=ci,
                events=events,
                n=rows,
            )
        )


def _add_reference_ratios(
    section, feature, names, rates, judged, by_group, settings, contrasts
) -> None:
    counts = by_group["count"].to_numpy()
    wanted = settings.reference_groups.get(feature)
    if wanted is not None and wanted not in names:
        raise bad_input(
            f"fairness.reference_groups.{feature}", f"one of the groups {names}", repr(wanted)
        )
    if wanted is None and not judged.any():
        return
    reference = (
        names.index(wanted) if wanted is not None else int(np.argmax(np.where(judged, counts, -1)))
    )
    point = reference_ratios(rates, reference, REFERENCE_RATES)
    position = np.cumsum(judged) - 1  # index of each judged group among the judged
    for i, group in enumerate(names):
        if i == reference or not judged[i]:
            continue
        for rate in REFERENCE_RATES:
            ci, events, rows = None, None, None
            if contrasts is not None and judged[reference]:
                x, t, pairs = contrasts[rate]
                a, b = position[i], position[reference]
                low, high = pairs.ratio_low[a, b], pairs.ratio_high[a, b]
                ci = None if np.isnan(low) else [float(low), float(high)]
                events, rows = int(x[a] + x[b]), int(min(t[a], t[b]))
            section.metrics.append(
                Metric(
                    f"{rate}_vs_reference",
                    float(point[rate][i]),
                    scope=f"{feature}: {group} / {names[reference]}",
                    description=f"{rate.replace('_', ' ')} of {group} over that of the "
                    f"reference group {names[reference]} (four-fifths band 0.8-1.25)",
                    ci=ci,
                    events=events,
                    n=rows,
                )
            )
