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
from audit.fairness._degenerate import one_class_groups
from audit.fairness._groups import GroupCodes, GroupEncoder, max_groups_of
from audit.fairness._section import INTERSECTION_LEFT_OUT, SECTION_ID, TITLE, judge_counts
from audit.results import Section
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
    judge_counts(section, groups, counts_of, settings, positive_name)
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


