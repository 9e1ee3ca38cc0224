"""The fairness section from labels, predictions, scores and sensitive features.

Used by the model check (``audit.checks._fairness``) and by the predictions mode.
Rows are reduced to confusion counts per group first (one ``bincount`` per sensitive
feature); everything after works on groups, not rows. A feature with more than
``fairness.max_groups`` groups is refused before that, and one with fewer than two
groups to compare is shown but not judged.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from audit.errors import bad_input
from audit.fairness._contrasts import RATE_PARTS, rate_counts
from audit.fairness._degenerate import judgeable, one_class_groups, small_group_notes
from audit.fairness._disparity_metrics import (
    DESCRIPTIONS,
    add_disparities,
    add_reference_ratios,
    contrasts,
    reference_group,
)
from audit.fairness._figures import group_rates_figure
from audit.fairness._groups import GroupCodes, GroupEncoder, max_groups_of
from audit.fairness._rates import RATE_NAMES, confusion_counts, group_rates_frame
from audit.fairness._whatif import MitigationData, add_mitigation
from audit.results import Section, Table
from audit.settings import REFERENCE_RATES, FairnessSettings

__all__ = [
    "DESCRIPTIONS",
    "REFERENCE_RATES",
    "MitigationData",
    "check_group_counts",
    "fairness_section",
]

SECTION_ID, TITLE = "fairness", "Fairness"

NOTHING_JUDGED = "No sensitive feature has two groups to compare: disparities were not judged."
INTERSECTION_LEFT_OUT = (
    "The intersection {name} has {count:,} groups, more than fairness.max_groups = {cap:,}: "
    "left out (raise fairness.max_groups, or set fairness.intersection: false)."
)


def check_group_counts(
    sensitive: pd.DataFrame, *, settings: FairnessSettings | None = None
) -> None:
    """Refuse a sensitive feature with more groups than ``settings.max_groups``, cheaply.

    Counts distinct values only (a numeric column with many values is binned, so it
    passes): call it before any heavy work. :func:`fairness_section` calls it first.

    Parameters
    ----------
    sensitive : DataFrame
        Sensitive features, one row per label.
    settings : FairnessSettings, optional
        Its ``max_groups`` (default :data:`~audit.fairness._groups.MAX_GROUPS`),
        ``bins`` and ``max_categories``.

    Raises
    ------
    AuditInputError
        Naming the feature, its number of distinct values and the cap.

    Examples
    --------
    >>> import pandas as pd
    >>> check_group_counts(pd.DataFrame({"sex": ["f", "m"]}))
    >>> ids = pd.DataFrame({"user": [f"u{i}" for i in range(300)]})
    >>> check_group_counts(ids)
    Traceback (most recent call last):
    ...
    audit.errors.AuditInputError: sensitive feature 'user': expected at most 200 groups \
(fairness.max_groups), got 300 distinct values; cut it into fewer groups (bin or merge its \
values) or raise fairness.max_groups.
    """
    _encoder(settings or FairnessSettings()).fit(sensitive)


def _encoder(settings: FairnessSettings) -> GroupEncoder:
    return GroupEncoder(
        settings.bins,
        settings.max_categories,
        settings.intersection,
        max_groups=max_groups_of(settings),
    )


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
    """Group metrics, disparities with simultaneous intervals, and mitigation, for a binary task.

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
        Seed of the mitigation split and thresholds.

    Returns
    -------
    Section
        A feature with fewer than two groups to compare (one value, or one group of
        ``min_group_size`` rows) is in the tables but has no disparity metric, and a
        note says so; a section with nothing to judge has verdict ``info``.

    Raises
    ------
    AuditInputError
        When a feature has more than ``max_groups`` groups (before any work), and when
        a group holds one class only and ``on_degenerate_group`` is ``"error"``.

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
    encoder = _encoder(settings).fit(sensitive)  # refuses too many groups, before any work
    section = Section(id=SECTION_ID, title=TITLE)
    groups = encoder.encode(sensitive)
    for feature in encoder.binned:
        section.notes.append(
            f"{feature} is numeric with many values: cut into {settings.bins} quantile bins."
        )
    for name, count in groups.left_out.items():
        section.notes.append(
            INTERSECTION_LEFT_OUT.format(name=name, count=count, cap=encoder.max_groups)
        )
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    counts_of = {
        feature: confusion_counts(y_true, y_pred, groups.codes[feature], len(groups.names[feature]))
        for feature in groups.features
    }
    for feature in encoder.features:  # the intersection's small cells are flagged, not refused
        one_class_groups(feature, groups, counts_of[feature], settings, section)

    judge_counts(section, groups, counts_of, settings, positive_name)
    if settings.mitigation:
        add_mitigation(
            section,
            y_true,
            y_pred,
            sensitive,
            encoder,
            groups,
            scores,
            mitigation_data,
            settings,
            seed=seed,
        )
    return section


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


def judge_counts(
    section: Section,
    groups: GroupCodes,
    counts_of: dict[str, np.ndarray],
    settings: FairnessSettings,
    positive_name: str,
) -> None:
    """The steps of :func:`fairness_section` after the counts: tables, disparities, notes.

    ``counts_of`` maps each feature of ``groups`` (the encoder's group codes) to its
    confusion counts ``(groups, 2, 2)``; the predictions engines count those cells where
    the data lives and call this with them, so every path judges the same way.
    """
    features = []
    for feature in groups.features:
        names, counts = groups.names[feature], counts_of[feature]
        by_group = group_rates_frame(counts, names, feature)
        judged = by_group["count"].to_numpy() >= settings.min_group_size
        section.notes += small_group_notes(feature, names, counts, judged, settings)
        features.append((feature, names, counts, judged, by_group))
    family = sum(int(j.sum()) * (int(j.sum()) - 1) // 2 for *_, j, _ in features) * len(RATE_PARTS)
    alpha = (1 - settings.ci_level) / max(family, 1)
    rows, interval_rows = [], []
    for feature, names, counts, judged, by_group in features:
        rates = {name: by_group[name].to_numpy(dtype=np.float64) for name in RATE_NAMES}
        values = by_group.to_numpy(dtype=np.float64).tolist()
        rows += [[feature, g, *v, bool(j)] for g, v, j in zip(names, values, judged, strict=True)]
        if settings.intervals:
            interval_rows += group_interval_rows(feature, names, counts, settings.ci_level)
        if judgeable(section, feature, names, judged, settings):
            reference = reference_group(
                feature, names, judged, by_group["count"].to_numpy(), settings
            )
            found = None
            if settings.intervals:
                position = int(np.cumsum(judged)[reference] - 1) if judged[reference] else None
                found = contrasts(counts[judged], alpha, position)
            add_disparities(section, feature, rates, judged, found)
            add_reference_ratios(section, feature, names, rates, judged, reference, found)
        section.figures.append(group_rates_figure(feature, by_group))
    if not section.metrics:
        section.summary = NOTHING_JUDGED
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
