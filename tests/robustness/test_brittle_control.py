"""The issue's control: a brittle model, one that keys on a tiny high-frequency pattern,
fails the corruption test, while a smooth model does not fail it (rows near its one
boundary still flip under noise, so at 256 rows it warns as inconclusive, 0.93)."""

from __future__ import annotations

import pandas as pd
import torch
from torch import nn

import audit

SETTINGS = {
    "rows": 256,
    "severities": [1, 3],
    "attacks": [],
    "counterfactual": False,
    "resamples": 300,
}


class Frequency(nn.Module):
    """Logits (0, sin(k·x0)): class 1 where the sine of the first feature is positive."""

    def __init__(self, k: float) -> None:
        super().__init__()
        self.k = k

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        z = torch.sin(self.k * x[:, :1]) * 10
        return torch.cat([torch.zeros_like(z), z], dim=1)


def _subject(k: float) -> audit.Subject:
    generator = torch.Generator().manual_seed(0)
    X = torch.rand(512, 3, generator=generator) * 2 - 1  # uniform on [-1, 1]
    y = (torch.sin(k * X[:, 0]) > 0).long()  # what the model computes: clean accuracy 1
    groups = pd.DataFrame({"group": ["a", "b"] * 256})
    return audit.Subject(
        Frequency(k), (X, y), (X, y), sensitive_train=groups, sensitive_test=groups, seed=0
    )


def _ratio(k: float):
    config = {"robustness": SETTINGS, "seed": 0}
    result = audit.run(_subject(k), checks=["robustness"], config=config)
    return result.section("robustness").metric("corruption_accuracy_ratio")


def test_a_high_frequency_model_fails_and_a_smooth_one_does_not():
    brittle, smooth = _ratio(200.0), _ratio(1.0)
    # noise moves x0 across many periods of sin(200·x0): a coin toss, accuracy ratio 0.51
    assert brittle.verdict == "fail" and brittle.ci[1] < 0.75
    assert 0.4 < brittle.value < 0.6
    # sin(x0) > 0 is x0 > 0: one boundary; only rows near it flip
    assert smooth.verdict != "fail" and smooth.value > 0.9 and smooth.ci[0] > 0.75
