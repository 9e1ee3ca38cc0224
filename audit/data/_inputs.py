"""Inputs of the data section: splits, their validation, and grouped sensitive features."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from audit.errors import bad_input
from audit.settings import DataSettings

__all__ = ["SplitData", "grouped", "n_classes", "validated"]


@dataclass
class SplitData:
    """One split of a data set, row-aligned.

    ``features`` holds readable columns (categorical columns and missing values
    allowed), ``labels`` integer class labels ``0..C-1`` and ``sensitive`` the
    sensitive features, or ``None``.
    """

    features: pd.DataFrame
    labels: np.ndarray
    sensitive: pd.DataFrame | None = None


def grouped(
    splits: dict[str, SplitData], settings: DataSettings
) -> tuple[dict[str, SplitData], list[str]]:
    """Bin numeric sensitive features with many values, as the fairness check does."""
    first = next(iter(splits.values()))
    if first.sensitive is None or first.sensitive.shape[1] == 0:
        return splits, []
    from audit.fairness import GroupEncoder

    encoder = GroupEncoder(
        bins=settings.sensitive_bins,
        max_categories=settings.sensitive_max_categories,
        intersection=False,
    ).fit(pd.concat([s.sensitive for s in splits.values()], ignore_index=True))
    grouped = {
        name: SplitData(s.features, s.labels, encoder.transform(s.sensitive))
        for name, s in splits.items()
    }
    return grouped, encoder.binned


def validated(splits: object) -> dict[str, SplitData]:
    """Check the splits; return copies with int64 labels, a fresh index, columns in order."""
    if not isinstance(splits, Mapping) or not splits:
        raise bad_input("splits", "a non-empty dict of split name to SplitData", splits)
    out: dict[str, SplitData] = {}
    for name, split in splits.items():
        if not isinstance(name, str):
            raise bad_input("splits", "split names that are str", repr(name))
        arg = f"splits[{name!r}]"
        if not isinstance(split, SplitData):
            raise bad_input(arg, "an audit.data.SplitData", split)
        features, labels, sensitive = _validated_split(arg, split)
        if out:
            ref_name, ref = next(iter(out.items()))
            if set(features.columns) != set(ref.features.columns):
                expected = f"the same columns as splits[{ref_name!r}].features"
                got = f"columns {[str(c) for c in features.columns][:5]}"
                raise bad_input(f"{arg}.features", expected, got)
            features = features[list(ref.features.columns)]
            want = None if ref.sensitive is None else list(ref.sensitive.columns)
            got = None if sensitive is None else list(sensitive.columns)
            if got != want:
                expected = f"the same sensitive columns as splits[{ref_name!r}], {want}"
                raise bad_input(f"{arg}.sensitive", expected, str(got))
        out[name] = SplitData(features, labels, sensitive)
    return out


def _validated_split(arg: str, split: SplitData) -> tuple:
    features, labels, sensitive = split.features, split.labels, split.sensitive
    if not isinstance(features, pd.DataFrame):
        raise bad_input(f"{arg}.features", "a pandas DataFrame", features)
    if features.columns.has_duplicates:
        dups = sorted({str(c) for c in features.columns[features.columns.duplicated()]})
        raise bad_input(f"{arg}.features", "unique column names", f"duplicates {dups[:5]}")
    labels = np.asarray(labels.to_numpy() if hasattr(labels, "to_numpy") else labels)
    integer = np.issubdtype(labels.dtype, np.integer) or labels.dtype == np.bool_
    if labels.ndim != 1 or not integer or (labels.size and labels.min() < 0):
        raise bad_input(f"{arg}.labels", "a 1-D array of integer class labels 0..C-1", labels)
    if isinstance(sensitive, pd.Series):
        sensitive = sensitive.to_frame()
    if sensitive is not None and not isinstance(sensitive, pd.DataFrame):
        raise bad_input(f"{arg}.sensitive", "a pandas DataFrame or None", sensitive)
    counts = [len(features), labels.size] + ([] if sensitive is None else [len(sensitive)])
    if len(set(counts)) > 1:
        got = f"{len(features)} feature rows, {labels.size} labels"
        got += "" if sensitive is None else f" and {len(sensitive)} sensitive rows"
        raise bad_input(arg, "features, labels and sensitive with the same number of rows", got)
    if labels.size == 0:
        raise bad_input(arg, "at least one row", "0 rows")
    if sensitive is not None:
        sensitive = sensitive.reset_index(drop=True)
    return features.reset_index(drop=True), labels.astype(np.int64), sensitive


def n_classes(splits: dict[str, SplitData], class_names: list[str] | None) -> int:
    top = max(int(s.labels.max()) for s in splits.values())
    if class_names is None:
        return max(2, top + 1)
    if not isinstance(class_names, (list, tuple)) or not all(
        isinstance(n, str) for n in class_names
    ):
        raise bad_input("class_names", "a list of str", class_names)
    if len(class_names) <= top:
        expected = f"at least {top + 1} names, one per class (labels go up to {top})"
        raise bad_input("class_names", expected, f"{len(class_names)} names")
    return len(class_names)
