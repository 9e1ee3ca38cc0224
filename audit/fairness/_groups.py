"""Sensitive groups: categorical columns as they are, continuous ones in quantile bins."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from audit.errors import bad_input

__all__ = ["INTERSECTION_SEPARATOR", "GroupEncoder"]

INTERSECTION_SEPARATOR = " & "
MISSING = "(missing)"


@dataclass
class GroupEncoder:
    """Turn sensitive features into string group labels, the same way for every split.

    A numeric column with more than ``max_categories`` distinct values is cut into
    ``bins`` quantile bins whose edges come from the data passed to :meth:`fit`;
    other columns keep their values (as strings). With ``intersection`` and two or
    more features, a column named ``"a & b"`` holds each row's combined group.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"sex": ["f", "m", "m", "f"], "age": [20, 30, 40, 50]})
    >>> enc = GroupEncoder(bins=2, max_categories=3).fit(frame)
    >>> enc.transform(frame)["age"].tolist()
    ['[20, 35]', '[20, 35]', '(35, 50]', '(35, 50]']
    """

    bins: int = 4
    max_categories: int = 10
    intersection: bool = True
    edges: dict[str, np.ndarray] = field(default_factory=dict)
    features: list[str] = field(default_factory=list)

    def fit(self, sensitive: pd.DataFrame) -> GroupEncoder:
        """Learn which columns to bin, and their bin edges."""
        if not isinstance(sensitive, pd.DataFrame) or sensitive.shape[1] == 0:
            raise bad_input("sensitive", "a DataFrame with at least one column", sensitive)
        self.features = [str(c) for c in sensitive.columns]
        self.edges = {}
        for column in sensitive.columns:
            values = sensitive[column]
            is_numeric = pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(
                values
            )
            if is_numeric and values.nunique() > self.max_categories:
                quantiles = np.nanquantile(
                    values.to_numpy(dtype=np.float64), np.linspace(0, 1, self.bins + 1)
                )
                self.edges[str(column)] = np.unique(quantiles[~np.isnan(quantiles)])
        return self

    @property
    def binned(self) -> list[str]:
        """The features that are cut into bins."""
        return list(self.edges)

    def transform(self, sensitive: pd.DataFrame) -> pd.DataFrame:
        """Return string group labels per feature (and their intersection)."""
        missing = [f for f in self.features if f not in sensitive.columns]
        if missing:
            raise bad_input(
                "sensitive", f"the columns {self.features}", f"a frame missing {missing}"
            )
        out = {}
        for feature in self.features:
            values = sensitive[feature]
            if feature in self.edges:
                out[feature] = _bin_labels(values.to_numpy(dtype=np.float64), self.edges[feature])
            else:
                labels = values.astype(object).where(values.notna(), MISSING)
                out[feature] = labels.astype(str).to_numpy()
        frame = pd.DataFrame(out, index=sensitive.index)
        if self.intersection and len(self.features) > 1:
            joined = frame[self.features[0]].astype(object)
            for feature in self.features[1:]:
                joined = joined + INTERSECTION_SEPARATOR + frame[feature]
            frame[INTERSECTION_SEPARATOR.join(self.features)] = joined.to_numpy()
        return frame


def _bin_labels(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Label each value by its bin: ``[lo, hi]`` for the first bin, ``(lo, hi]`` after.

    Values outside the fitted range fall into the first or last bin.
    """
    if edges.size < 2:
        return np.full(values.shape, f"[{_num(edges[0])}, {_num(edges[0])}]", dtype=object)
    inner = edges[1:-1]
    which = np.searchsorted(inner, values, side="left")
    missing = np.isnan(values)
    labels = np.array(
        [
            f"{'[' if i == 0 else '('}{_num(edges[i])}, {_num(edges[i + 1])}]"
            for i in range(edges.size - 1)
        ],
        dtype=object,
    )
    out = labels[which]
    out[missing] = MISSING
    return out


def _num(value: float) -> str:
    return f"{value:.4g}"
