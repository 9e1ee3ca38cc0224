"""Canary exposure: the formula, exact ranks on a toy model, the sampled extrapolation."""

import math

import numpy as np
import pytest
import torch
from torch import nn

from audit.lm._exposure import (
    candidate_log_probs,
    exposure_from_rank,
    exposure_from_sample,
    greedy_continuation,
    rank_of,
)


class Table(nn.Module):
    """A toy LM over ids 0..11: after any context, digit ``d`` (id d + 2) has logit ``w[d]``."""

    def __init__(self, weights):
        super().__init__()
        self.w = torch.as_tensor(weights, dtype=torch.float32)

    def forward(self, ids):
        logits = torch.full((*ids.shape, 12), -30.0)
        logits[..., 2:] = self.w
        return logits


def test_exposure_formula():
    assert exposure_from_rank(1, 10**6) == pytest.approx(math.log2(10**6))
    assert exposure_from_rank(10**6, 10**6) == 0.0
    assert exposure_from_rank(1000, 10**6) == pytest.approx(math.log2(1000))
    with pytest.raises(ValueError):
        exposure_from_rank(0, 10)


def test_exact_ranks_on_a_toy_model_whose_order_is_known():
    # digit d is likelier than d+1: secret "d1 d2" ranks by the sum of logits
    model = Table(-np.arange(10.0))
    scores = candidate_log_probs(model, [1], list(range(2, 12)), 2)
    assert np.exp(scores).sum() == pytest.approx(1.0)
    assert rank_of(scores[0], scores) == 1  # "0 0": the most likely
    assert rank_of(scores[99], scores) == 100  # "9 9": the least
    assert exposure_from_rank(rank_of(scores[0], scores), 100) == pytest.approx(math.log2(100))
    # "0 1" and "1 0" tie for the second and third places: each gets the mid-rank 2.5
    assert rank_of(scores[1], scores) == rank_of(scores[10], scores) == 2.5
    assert greedy_continuation(model, [1], 3) == [2, 2, 2]


def test_a_uniform_model_ranks_every_secret_in_the_middle_at_chance_exposure():
    # every secret equally likely: the model has learned nothing of any of them
    scores = candidate_log_probs(Table(np.zeros(10)), [1], list(range(2, 12)), 3)
    assert np.allclose(scores, math.log(1e-3))
    scores = np.full(1000, scores[123])  # exactly tied (summed in one order)
    assert rank_of(scores[123], scores) == 500.5
    assert exposure_from_rank(rank_of(scores[123], scores), 1000) == pytest.approx(1.0, abs=0.01)


def test_the_sampled_extrapolation_agrees_with_the_exact_rank_in_the_bulk():
    rng = np.random.default_rng(0)
    scores = rng.normal(-14, 2, 10**5)
    for target in (-16.0, -14.0, -11.0):
        exact = exposure_from_rank(rank_of(target, scores), len(scores))
        sampled = exposure_from_sample(target, scores[:5000], len(scores))
        assert sampled == pytest.approx(exact, abs=0.3)
