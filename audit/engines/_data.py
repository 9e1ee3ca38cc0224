"""The data section from counted cells: representation, base rates, label balance, missing.

The data section's steps (:mod:`audit.data._section`) count rows per group with
``bincount``; here each cell stands for its count of rows (a weight), so the same
steps give the same tables. Duplicated rows need the rows themselves: an engine does
not keep them, and the section says so.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from audit.data._inputs import SplitData
from audit.data._section import (
    SECTION_ID,
    TITLE,
    _groups,
    _label_balance,
    _Rows,
    _summary,
    missing_table,
)
from audit.data._shift import Shares, crosstab
from audit.engines._cells import LABEL, PredictionCells
from audit.engines._fairness import grouped_encoder
from audit.fairness._groups import GroupEncoder
from audit.results import Section
from audit.settings import DataSettings

__all__ = ["data_from_cells"]

NO_DUPLICATES = (
    "Duplicated rows were not counted: the {engine} engine counts rows into cells "
    "without keeping them (audit a pandas DataFrame to count them)."
)


class _CellRows(_Rows):
    """The rows of one split, each cell standing for ``weights`` rows."""

    def __init__(self, labels: np.ndarray, weights: np.ndarray):
        super().__init__(
            names=["all"],
            sizes=np.array([int(weights.sum())]),
            split_of_row=np.zeros(len(labels), dtype=np.int64),
            labels=labels,
        )
        self.weights = weights.astype(np.float64)

    def shares(self, codes: np.ndarray, n_levels: int) -> Shares:
        counts = crosstab(self.split_of_row, codes, (1, n_levels), self.weights)
        total = counts.sum(axis=0)
        sizes = counts.sum(axis=1, keepdims=True)
        return Shares(
            np.rint(counts).astype(np.int64),
            np.rint(total).astype(np.int64),
            total / total.sum(),
            counts / np.maximum(sizes, 1),
        )

    def hits(self, codes: np.ndarray, n_levels: int, outcome: np.ndarray) -> np.ndarray:
        return crosstab(self.split_of_row, codes, (1, n_levels), outcome * self.weights)


def data_from_cells(cells: PredictionCells, *, settings: DataSettings | None = None) -> Section:
    """The data section of :func:`audit.data.data_section` for one split, from cells.

    Examples
    --------
    >>> import pandas as pd
    >>> from audit.engines import duckdb_cells
    >>> df = pd.DataFrame({"y": [0, 1, 1], "p": [0, 1, 0], "sex": ["f", "m", "m"]})
    >>> cells = duckdb_cells(df, y_true="y", y_pred="p", sensitive=["sex"])
    >>> round(data_from_cells(cells).metric("min_group_share[sex]").value, 3)
    0.333
    """
    settings = settings or DataSettings()
    encoder = grouped_encoder(
        GroupEncoder(
            bins=settings.sensitive_bins,
            max_categories=settings.sensitive_max_categories,
            intersection=False,
        ),
        cells,
    )
    labels = cells.cells[LABEL].to_numpy(dtype=np.int64)
    rows = _CellRows(labels, cells.counts().astype(np.float64))
    sensitive = encoder.transform(cells.cells[cells.sensitive].reset_index(drop=True))
    splits = {"all": SplitData(pd.DataFrame(index=range(len(labels))), labels, sensitive)}
    section = Section(id=SECTION_ID, title=TITLE)
    for feature in encoder.binned:
        section.notes.append(
            f"Sensitive feature {feature} is numeric with many values: cut into "
            f"{settings.sensitive_bins} quantile bins over all rows."
        )
    _groups(section, splits, rows, 2)
    _label_balance(section, rows, 2, ["negative", "positive"])
    _missing(section, cells)
    if not cells.features:
        section.notes.append("No feature columns: duplicates and shift were not measured.")
    else:
        section.notes.append(NO_DUPLICATES.format(engine=cells.engine))
    section.notes.append(
        "Train/test overlap and shift need a 'train' and a 'test' split: not measured."
    )
    section.summary = _summary(section, rows, 2)
    return section


def _missing(section: Section, cells: PredictionCells) -> None:
    """The missing-values table: every feature column, then the sensitive ones."""
    n = cells.n_rows
    rows = [[str(c), "feature", int(k), int(k) / n] for c, k in cells.missing.items()]
    rows += [[str(c), "sensitive", 0, 0.0] for c in cells.sensitive]
    missing_table(section, rows)
