"""The fairness section from counted cells, with the numbers of the pandas path.

The pandas path (:func:`audit.fairness.fairness_section`) reduces rows to confusion
counts per group first; here the engine already did, so the same steps run on the
cells: groups from the same :class:`GroupEncoder` (quantile edges from the cells'
counts, :func:`grouped_encoder`), confusion counts per group, the same disparities,
simultaneous intervals and notes. The mitigation what-if runs on the per-group score
cells (:mod:`audit.engines._whatif`).
"""

from __future__ import annotations

import numpy as np

from audit.engines._cells import COUNT, DECISION, LABEL, PredictionCells, weighted_quantiles
from audit.fairness._contrasts import RATE_PARTS
from audit.fairness._degenerate import judgeable, one_class_groups, small_group_notes
from audit.fairness._disparity_metrics import (
    add_disparities,
    add_reference_ratios,
    contrasts,
    reference_group,
)
from audit.fairness._figures import group_rates_figure
from audit.fairness._groups import GroupCodes, GroupEncoder, max_groups_of
from audit.fairness._rates import RATE_NAMES, group_rates_frame
from audit.fairness._section import (
    INTERSECTION_LEFT_OUT,
    NOTHING_JUDGED,
    SECTION_ID,
    TITLE,
    group_interval_rows,
)
from audit.results import Section, Table
from audit.settings import FairnessSettings

__all__ = ["fairness_from_cells", "grouped_encoder"]


def grouped_encoder(encoder: GroupEncoder, cells: PredictionCells) -> GroupEncoder:
    """Fit ``encoder`` on the cells' sensitive values, with quantile edges of their rows.

    Which columns are binned, and the cap on groups, depend only on the distinct values
    (the same in the cells as in the rows); the edges are the rows' quantiles, from the
    cells' counts (:func:`weighted_quantiles`).

    Examples
    --------
    >>> import pandas as pd
    >>> from audit.engines import duckdb_cells
    >>> df = pd.DataFrame({"y": [0, 1] * 20, "p": [1, 0] * 20, "age": range(40)})
    >>> cells = duckdb_cells(df, y_true="y", y_pred="p", sensitive=["age"])
    >>> grouped_encoder(GroupEncoder(bins=2), cells).edges["age"].tolist()
    [0.0, 19.5, 39.0]
    """
    frame = cells.cells[cells.sensitive]
    encoder.fit(frame)
    counts = cells.counts()
    for feature in encoder.binned:
        values = frame[feature].to_numpy(dtype=np.float64)
        quantiles = weighted_quantiles(values, counts, np.linspace(0, 1, encoder.bins + 1))
        encoder.edges[feature] = np.unique(quantiles[~np.isnan(quantiles)])
    return encoder


def fairness_from_cells(
    cells: PredictionCells,
    *,
    positive_name: str = "class 1",
    settings: FairnessSettings | None = None,
    seed: int = 0,
) -> Section:
    """Group metrics, disparities with simultaneous intervals, and mitigation, from cells.

    The same section as :func:`audit.fairness.fairness_section` on the rows.

    Examples
    --------
    >>> import pandas as pd
    >>> from audit.engines import duckdb_cells
    >>> df = pd.DataFrame({"y": [1, 0] * 40, "p": [1, 1, 0, 0] * 20, "g": ["a"] * 40 + ["b"] * 40})
    >>> cells = duckdb_cells(df, y_true="y", y_pred="p", sensitive=["g"])
    >>> fairness_from_cells(cells).metric("demographic_parity_ratio[g]").value
    1.0
    """
    settings = settings or FairnessSettings()
    encoder = grouped_encoder(
        GroupEncoder(
            settings.bins,
            settings.max_categories,
            settings.intersection,
            max_groups=max_groups_of(settings),
        ),
        cells,
    )
    section = Section(id=SECTION_ID, title=TITLE)
    groups = encoder.encode(cells.cells[cells.sensitive])
    for feature in encoder.binned:
        section.notes.append(
            f"{feature} is numeric with many values: cut into {settings.bins} quantile bins."
        )
    for name, count in groups.left_out.items():
        section.notes.append(
            INTERSECTION_LEFT_OUT.format(name=name, count=count, cap=encoder.max_groups)
        )
    counts_of = {feature: group_counts(cells, groups, feature) for feature in groups.features}
    for feature in encoder.features:
        one_class_groups(feature, groups, counts_of[feature], settings, section)
    _judge(section, groups, counts_of, settings, positive_name)
    if settings.mitigation:
        from audit.engines._whatif import add_cell_mitigation

        add_cell_mitigation(section, cells, encoder, groups, settings, seed=seed)
    return section


def group_counts(cells: PredictionCells, groups: GroupCodes, feature: str) -> np.ndarray:
    """Confusion counts ``(groups, 2, 2)`` of ``feature`` from the cells."""
    frame = cells.cells
    key = (
        groups.codes[feature] * 4
        + frame[LABEL].to_numpy(dtype=np.int64) * 2
        + frame[DECISION].to_numpy(dtype=np.int64)
    )
    size = len(groups.names[feature]) * 4
    counts = np.bincount(key, weights=frame[COUNT].to_numpy(dtype=np.float64), minlength=size)
    return np.rint(counts).astype(np.int64).reshape(-1, 2, 2)


def _judge(
    section: Section, groups: GroupCodes, counts_of: dict, settings, positive_name: str
) -> None:
    """The steps of ``fairness_section`` after the counts: tables, disparities, notes."""
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
