"""Counterfactual probes: zero for a model blind to the attribute, one for a model using only it."""

from __future__ import annotations

import pandas as pd
import pytest
import torch

import audit
from audit.robustness import (
    RobustnessSettings,
    default_term_pairs,
    robustness_section,
    tabular_counterfactuals,
    text_counterfactual,
)

NAMES = ["x0", "x1", "sex=female", "sex=male"]
GROUPS = {"x0": ["x0"], "x1": ["x1"], "sex": ["sex=female", "sex=male"]}
SMALL = RobustnessSettings(rows=200, severities=[3], epsilons=[0.1], attacks=["fgsm"])


def _subject(weights: list[float]) -> audit.Subject:
    """Logits [0, w·x] over two numeric columns and a one-hot sex group."""
    g = torch.Generator().manual_seed(0)
    sex = torch.randint(0, 2, (200,), generator=g)
    X = torch.cat([torch.randn(200, 2, generator=g), torch.eye(2)[sex]], dim=1)
    model = torch.nn.Linear(4, 2)
    with torch.no_grad():
        model.weight.copy_(torch.tensor([[0.0] * 4, weights]))
        model.bias.zero_()
    y = (X @ torch.tensor(weights) > 0).long()
    sensitive = pd.DataFrame({"sex": ["female" if s == 0 else "male" for s in sex.tolist()]})
    return audit.Subject(
        model,
        (X, y),
        (X, y),
        feature_names=NAMES,
        feature_groups=GROUPS,
        sensitive_train=sensitive,
        sensitive_test=sensitive,
    )


@pytest.mark.parametrize(
    ("weights", "expected"),
    [([1.0, -1.0, 0.0, 0.0], 0.0), ([0.0, 0.0, -1.0, 1.0], 1.0)],
    ids=["ignores-sex", "only-sex"],
)
def test_counterfactual_flip_rate_of_known_models(weights, expected):
    section = robustness_section(_subject(weights), SMALL)
    metric = section.metric("counterfactual_flip_rate[sex]")
    assert metric.value == expected and metric.n == 200
    low, high = metric.ci
    assert low <= expected <= high and high - low < 0.03


def test_tabular_counterfactuals_skip_what_is_not_an_input():
    X = torch.randn(5, 4)
    assert (
        tabular_counterfactuals(X, feature="age", feature_names=NAMES, feature_groups=GROUPS)
        is None
    )
    # a continuous column has no level to swap to; a two-valued one swaps its values
    assert (
        tabular_counterfactuals(X, feature="x0", feature_names=NAMES, feature_groups=GROUPS) is None
    )
    X[:, 0] = torch.tensor([1.0, -1.0, 1.0, 1.0, -1.0])
    [out] = tabular_counterfactuals(X, feature="x0", feature_names=NAMES, feature_groups=None)
    assert torch.equal(out[:, 0], -X[:, 0]) and torch.equal(out[:, 1:], X[:, 1:])


def test_text_counterfactual_swaps_group_terms_both_ways():
    vocabulary = ["[PAD]", "[CLS]", "[UNK]", "mary", "john", "she", "he", "good"]
    X = torch.tensor([[1, 3, 7, 5, 0], [1, 6, 4, 7, 0], [1, 7, 7, 7, 0]])
    out, changed = text_counterfactual(X, vocabulary=vocabulary, pairs=default_term_pairs())
    assert out.tolist() == [[1, 4, 7, 6, 0], [1, 5, 3, 7, 0], [1, 7, 7, 7, 0]]
    assert changed.tolist() == [True, True, False]
