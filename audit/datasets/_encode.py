"""Encode a user's DataFrame for a model, and keep the map back to its original features."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from audit._frames import duplicated_columns, unique_columns
from audit.errors import bad_input, clip

__all__ = ["TabularEncoder", "encode_columns"]


@dataclass
class TabularEncoder:
    """One-hot encode categorical columns and standardise numeric ones, fitted on training rows.

    Encoded columns are named ``feature=value``; :attr:`feature_groups` maps each
    original feature to its encoded columns, so that explanations can speak in the
    original features. :meth:`subject_hints` gives what a :class:`~audit.Subject` needs.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"color": ["red", "blue", "red"], "size": [1.0, 2.0, 3.0]})
    >>> enc = TabularEncoder().fit(df)
    >>> list(enc.transform(df).columns), enc.feature_groups["color"]
    (['color=blue', 'color=red', 'size'], ['color=blue', 'color=red'])
    """

    categorical: list[str] | None = None
    levels: dict[str, list[str]] = field(default_factory=dict)
    scales: dict[str, tuple[float, float]] = field(default_factory=dict)
    columns: list[str] = field(default_factory=list)

    def fit(self, frame: pd.DataFrame) -> TabularEncoder:
        """Learn the levels of categorical columns (object, category, bool by default) and
        the mean and standard deviation of numeric ones."""
        if not isinstance(frame, pd.DataFrame) or frame.empty:
            raise bad_input("frame", "a non-empty pandas DataFrame", frame)
        unique_columns(frame, "frame")
        categorical = self.categorical
        if categorical is None:
            categorical = [
                c
                for c in frame.columns
                if not pd.api.types.is_numeric_dtype(frame[c])
                or pd.api.types.is_bool_dtype(frame[c])
            ]
        missing = [c for c in categorical if c not in frame.columns]
        if missing:
            raise bad_input("categorical", "columns of the frame", f"unknown {missing}")
        self.columns = [str(c) for c in frame.columns]
        self.levels = {str(c): sorted(frame[c].astype(str).unique()) for c in categorical}
        for c in frame.columns:
            if str(c) in self.levels:
                continue
            values = frame[c].to_numpy(np.float64)
            if np.isnan(values).any():
                raise bad_input(f"frame[{c!r}]", "no missing values in numeric columns", "NaN")
            self.scales[str(c)] = (float(values.mean()), float(values.std()) or 1.0)
        encoded = [column for columns in self.feature_groups.values() for column in columns]
        clashes = duplicated_columns(encoded)
        if clashes:
            raise bad_input(
                "frame",
                "columns whose encoded names differ (feature=level)",
                f"{clip(str(clashes))} from two columns",
            )
        return self

    @property
    def feature_groups(self) -> dict[str, list[str]]:
        """Original feature → its encoded columns."""
        return {
            c: [f"{c}={level}" for level in self.levels[c]] if c in self.levels else [c]
            for c in self.columns
        }

    def transform(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Encode ``frame`` (float32 columns); unseen levels get all-zero dummies."""
        if not isinstance(frame, pd.DataFrame):
            raise bad_input("frame", "a pandas DataFrame", frame)
        unique_columns(frame, "frame")
        missing = [c for c in self.columns if c not in frame.columns]
        if missing:
            raise bad_input("frame", f"the columns {self.columns}", f"a frame missing {missing}")
        out: dict[str, np.ndarray] = {}
        for c in self.columns:
            if c in self.levels:
                values = frame[c].astype(str).to_numpy()
                for level in self.levels[c]:
                    out[f"{c}={level}"] = (values == level).astype(np.float32)
            else:
                mean, std = self.scales[c]
                out[c] = ((frame[c].to_numpy(np.float64) - mean) / std).astype(np.float32)
        return pd.DataFrame(out, index=frame.index)

    def subject_hints(self, raw_train: pd.DataFrame, raw_test: pd.DataFrame) -> dict[str, Any]:
        """``feature_groups``, ``raw_train`` and ``raw_test``: ``Subject(..., **hints)``."""
        return {
            "feature_groups": self.feature_groups,
            "raw_train": raw_train.reset_index(drop=True),
            "raw_test": raw_test.reset_index(drop=True),
        }


def encode_columns(
    raw: pd.DataFrame, categorical: list[str], numeric: list[str], *, fit_rows: np.ndarray
) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    """One-hot encode ``categorical`` (levels of all rows), standardise ``numeric`` on ``fit_rows``.

    Categorical columns come first, each as ``name=level`` in sorted level order; the
    groups map each original column to its encoded ones. The embedded data sets use
    this; :class:`TabularEncoder` is the fit/transform form for a user's frames.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> raw = pd.DataFrame({"c": ["b", "a"], "x": [1.0, 3.0]})
    >>> encoded, groups = encode_columns(raw, ["c"], ["x"], fit_rows=np.arange(2))
    >>> list(encoded.columns), encoded["x"].tolist()
    (['c=a', 'c=b', 'x'], [-1.0, 1.0])
    """
    columns: dict[str, np.ndarray] = {}
    groups: dict[str, list[str]] = {}
    for name in categorical:
        values = raw[name].astype(str)
        groups[name] = []
        for level in sorted(values.unique()):
            column = f"{name}={level}"
            columns[column] = (values == level).to_numpy(dtype=np.float32)
            groups[name].append(column)
    for name in numeric:
        values = raw[name].to_numpy(dtype=np.float64)
        mean = values[fit_rows].mean()
        std = values[fit_rows].std() or 1.0
        columns[name] = ((values - mean) / std).astype(np.float32)
        groups[name] = [name]
    return pd.DataFrame(columns), groups
