"""Attributions in the user's own features: encoded columns grouped by original feature.

Gradient methods and SHAP are additive over columns, so a group's attribution is the
sum of its columns' (completeness still holds for the group). Perturbation methods
perturb a whole group at once through captum's ``feature_mask``; captum then gives
every column of a group the group's value, so the group takes that value once.

What the group sum means: take the game whose players are the groups, ``v(S) =
f(x_S, b_rest)`` (the groups in ``S`` at the row's values, the others at the
baseline ``b``), and its exact Shapley values (:func:`exact_group_shapley`,
enumerating the 2^G coalitions). For a model additive across groups (a linear
model, say) the group sum of Integrated Gradients *is* that Shapley value, since
both equal ``Σ_{i in g} w_i (x_i − b_i)``; DeepLift and SHAP's DeepExplainer with
the same baseline give the same. For a non-linear model the group sum of
Integrated Gradients is the Aumann–Shapley value of the group (the path integral
along the straight line), which approximates the Shapley value and, on small
MLPs, ranks the groups alike (``tests/explain/test_groups.py``). Saliency's sum of
|gradient| over a group is not a share of the output: it grows with the number of
columns, and the model-randomization test flags it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import torch

from audit.errors import bad_input

__all__ = [
    "GROUPING_BY_KIND",
    "exact_group_shapley",
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


def exact_group_shapley(
    model: torch.nn.Module,
    X: torch.Tensor,
    baseline: torch.Tensor,
    index: np.ndarray,
    target: torch.Tensor,
) -> np.ndarray:
    """Exact Shapley values of each group for ``target``'s output, ``(rows, groups)``.

    The game of row ``x`` is ``v(S) = f(x_S, b_rest)[target]`` with the groups in
    ``S`` at the row's values and the others at ``baseline``; all ``2^G``
    coalitions go through the model in one batch (so keep G small, ≤ 12).

    Examples
    --------
    >>> model = torch.nn.Linear(3, 2)
    >>> with torch.no_grad():
    ...     _ = model.weight.copy_(torch.tensor([[0.0, 0.0, 0.0], [1.0, 2.0, -1.0]]))
    ...     _ = model.bias.zero_()
    >>> phi = exact_group_shapley(model, torch.tensor([[1.0, 1.0, 1.0]]), torch.zeros(3),
    ...                           np.array([0, 0, 1]), torch.tensor([1]))
    >>> phi.round(6).tolist()
    [[3.0, -1.0]]
    """
    from math import factorial

    n_groups = int(index.max()) + 1
    if n_groups > 12:
        raise ValueError("exact Shapley values enumerate 2^G coalitions: at most 12 groups")
    coalitions = (np.arange(2**n_groups)[:, None] >> np.arange(n_groups)) & 1  # (2^G, G)
    member = torch.as_tensor(coalitions[:, index].astype(bool))  # (2^G, columns)
    n = len(X)
    inputs = torch.where(member[None], X[:, None], baseline.reshape(1, 1, -1))
    with torch.no_grad():
        out = model(inputs.reshape(n * len(coalitions), -1)).reshape(n, len(coalitions), -1)
    value = out.gather(2, target.reshape(n, 1, 1).expand(n, len(coalitions), 1))[..., 0]
    value = value.double().numpy()
    sizes = coalitions.sum(1)
    weight = np.array(
        [factorial(k) * factorial(n_groups - k - 1) / factorial(n_groups) for k in range(n_groups)]
    )
    phi = np.zeros((n, n_groups))
    for g in range(n_groups):
        without = np.flatnonzero(coalitions[:, g] == 0)
        with_g = without | (1 << g)
        phi[:, g] = ((value[:, with_g] - value[:, without]) * weight[sizes[without]]).sum(1)
    return phi


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
