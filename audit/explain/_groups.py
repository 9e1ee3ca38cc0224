"""Attributions in the user's own features: encoded columns grouped by original feature.

Gradient methods and SHAP are additive over columns, so a group's attribution is the
sum of its columns' (completeness still holds for the group). Perturbation methods
perturb a whole group at once through captum's ``feature_mask``; captum then gives
every column of a group the group's value, so the group takes that value once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import torch

from audit.errors import bad_input

__all__ = [
    "GROUPING_BY_KIND",
    "feature_mask",
    "group_attributions",
    "group_index",
    "sensitive_proxies",
]

#: How each kind of method is grouped, as the report states it.
GROUPING_BY_KIND = {
    "gradient": "sum of the encoded columns' attributions",
    "shap": "sum of the encoded columns' SHAP values",
    "perturbation": "the whole group perturbed at once (captum feature_mask)",
    "layer": "sum of the encoded columns' attributions",
}


def group_index(
    feature_names: Sequence[str], groups: Mapping[str, Sequence[str]]
) -> tuple[list[str], np.ndarray]:
    """``(group names, group of each column)``; columns in no group form their own group.

    Examples
    --------
    >>> group_index(["a=x", "a=y", "b"], {"a": ["a=x", "a=y"]})
    (['a', 'b'], array([0, 0, 1]))
    """
    of_column: dict[str, str] = {}
    for group, columns in groups.items():
        for column in columns:
            if column in of_column:
                raise bad_input("feature_groups", "each column in one group", f"{column!r} in two")
            of_column[column] = group
    missing = sorted(set(of_column) - set(feature_names))
    if missing:
        raise bad_input(
            "feature_groups", "columns of the model input", f"unknown columns {missing[:5]}"
        )
    names: list[str] = []
    index = np.empty(len(feature_names), dtype=np.int64)
    for i, column in enumerate(feature_names):
        group = of_column.get(column, column)
        if group not in names:
            names.append(group)
        index[i] = names.index(group)
    return names, index


def feature_mask(index: np.ndarray) -> torch.Tensor:
    """captum's ``feature_mask`` for one input row: the group number of each column."""
    return torch.as_tensor(index, dtype=torch.int64).unsqueeze(0)


def group_attributions(
    attributions: np.ndarray, index: np.ndarray, *, perturbed_as_groups: bool = False
) -> np.ndarray:
    """Attributions per group, shape ``(rows, groups)``.

    Additive methods: the sum over each group's columns. A perturbation method run with
    the group ``feature_mask`` already holds the group's value in each of its columns:
    take it once (the first column of the group).

    Examples
    --------
    >>> import numpy as np
    >>> group_attributions(np.array([[1.0, 2.0, 4.0]]), np.array([0, 0, 1])).tolist()
    [[3.0, 4.0]]
    """
    n_groups = int(index.max()) + 1
    if perturbed_as_groups:
        first = np.array([np.nonzero(index == g)[0][0] for g in range(n_groups)])
        return attributions[:, first]
    out = np.zeros((attributions.shape[0], n_groups), dtype=np.float64)
    np.add.at(out.T, index, attributions.T)
    return out


def sensitive_proxies(
    raw: pd.DataFrame, sensitive: pd.DataFrame, *, threshold: float = 0.3
) -> dict[str, list[tuple[str, float]]]:
    """Original features associated with each sensitive feature beyond ``threshold``.

    The association is Cramér's V for two categorical columns, the correlation ratio
    (η) for a numeric and a categorical one, both in [0, 1]; the sensitive features
    themselves are left out.
    """
    out: dict[str, list[tuple[str, float]]] = {}
    for s in sensitive.columns:
        groups = sensitive[s].astype(str).to_numpy()
        found = []
        for column in raw.columns:
            if column == s:
                continue
            values = raw[column]
            if pd.api.types.is_numeric_dtype(values) and values.nunique() > 10:
                strength = _correlation_ratio(values.to_numpy(np.float64), groups)
            else:
                strength = _cramers_v(values.astype(str).to_numpy(), groups)
            if strength >= threshold:
                found.append((str(column), float(strength)))
        out[str(s)] = sorted(found, key=lambda item: -item[1])
    return out


def _cramers_v(a: np.ndarray, b: np.ndarray) -> float:
    table = pd.crosstab(a, b).to_numpy(np.float64)
    n = table.sum()
    if n == 0 or min(table.shape) < 2:
        return 0.0
    expected = table.sum(1, keepdims=True) * table.sum(0, keepdims=True) / n
    chi2 = ((table - expected) ** 2 / expected).sum()
    return float(np.sqrt(chi2 / (n * (min(table.shape) - 1))))


def _correlation_ratio(values: np.ndarray, groups: np.ndarray) -> float:
    codes, _ = pd.factorize(groups)
    counts = np.bincount(codes)
    means = np.bincount(codes, weights=values) / counts
    between = (counts * (means - values.mean()) ** 2).sum()
    total = ((values - values.mean()) ** 2).sum()
    return float(np.sqrt(between / total)) if total > 0 else 0.0
