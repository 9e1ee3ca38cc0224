"""The smallest flipping perturbation: a closed form, captum's own search, groups, embeddings."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from captum.robust import FGSM, MinParamPerturbation

from audit.robustness._embedding import EmbeddingForward, embeddings_of
from audit.robustness._minimal import group_distances, median_interval, minimal_perturbation


def _linear(seed: int = 0) -> torch.nn.Linear:
    torch.manual_seed(seed)
    return torch.nn.Linear(6, 2).eval()


def test_a_linear_model_flips_at_its_margin_over_the_l1_norm_of_the_weight_difference():
    model = _linear()
    X = torch.randn(200, 6)
    found = minimal_perturbation(model, X, radius=10.0, iters=20)
    with torch.no_grad():
        logits = model(X)
    w = model.weight.detach()
    margin = (logits.max(dim=1).values - logits.min(dim=1).values).numpy()
    expected = margin / float((w[0] - w[1]).abs().sum())
    inside = expected < 10.0
    assert inside.mean() > 0.9
    np.testing.assert_allclose(found[inside], expected[inside], atol=10.0 / 2**20 + 1e-6)
    assert np.isinf(found[~inside]).all()


def _cross_entropy(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    return torch.nn.functional.cross_entropy(logits, target, reduction="none")


def test_it_agrees_with_captums_min_param_perturbation_row_by_row():
    model = _linear(1)
    X = torch.randn(8, 6)
    ours = minimal_perturbation(model, X, radius=4.0, iters=14)
    step = 4.0 / 2**14
    for i in range(len(X)):
        x = X[i : i + 1]
        target = int(model(x).argmax())
        search = MinParamPerturbation(
            forward_func=model,
            attack=FGSM(model, loss_func=_cross_entropy),
            arg_name="epsilon",
            arg_min=0.0,
            arg_max=4.0,
            arg_step=step,
            mode="binary",
        )
        with pytest.warns(UserWarning, match="require"):
            _, theirs = search.evaluate(
                x, target=target, attack_kwargs={"target": torch.tensor([target])}
            )
        if theirs is None:
            assert np.isinf(ours[i])
        else:
            assert abs(ours[i] - theirs) <= 2 * step, i


def test_inputs_are_clamped_to_their_range():
    model = _linear()
    X = torch.rand(50, 6)
    free = minimal_perturbation(model, X, radius=5.0)
    boxed = minimal_perturbation(model, X, radius=5.0, lower=0.0, upper=1.0)
    assert (boxed[np.isfinite(free)] >= free[np.isfinite(free)] - 1e-3).all()
    assert (boxed[np.isfinite(free)] > free[np.isfinite(free)] + 1e-3).any()


def test_the_median_interval_is_the_order_statistic_one():
    median, low, high = median_interval(np.arange(1.0, 101.0), alpha=0.05)
    assert (median, low, high) == (50.5, 40.0, 61.0)  # x(40), x(61): coverage 0.965


def test_a_group_twice_as_close_to_the_boundary_is_found_and_equal_groups_are_not():
    rng = np.random.default_rng(0)
    labels = np.repeat(["a", "b"], 150)
    close = np.r_[rng.exponential(0.2, 150), rng.exponential(0.4, 150)]
    found = group_distances(close, labels, cap=2.0, rng=np.random.default_rng(1))
    assert found.ratio == pytest.approx(found.median[0] / found.median[1])
    assert found.ratio_ci[1] < 0.8 and 0.3 < found.ratio < 0.7
    same = group_distances(rng.exponential(0.3, 300), labels, cap=2.0, rng=np.random.default_rng(1))
    assert same.ratio_ci[0] < 0.8 < same.ratio_ci[1] or same.ratio_ci[0] > 0.8
    assert same.ratio_ci[1] == pytest.approx(1.0) or same.ratio_ci[1] > same.ratio


def test_token_models_are_attacked_through_their_embedding_layer():
    torch.manual_seed(0)
    emb = torch.nn.Embedding(20, 4)
    model = torch.nn.Sequential(emb, torch.nn.Flatten(), torch.nn.Linear(12, 2)).eval()
    ids = torch.randint(0, 20, (30, 3))
    forward = EmbeddingForward(model, emb, ids)
    embedded = embeddings_of(model, emb, ids)
    assert torch.allclose(forward(embedded), model(ids))
    found = minimal_perturbation(forward, embedded, radius=5.0)
    assert np.isfinite(found).mean() > 0.9
    assert torch.allclose(forward(embedded.repeat(2, 1, 1))[30:], model(ids))
    with pytest.raises(ValueError, match="a multiple of 30 rows"):
        forward(embedded[:3])


def test_bad_inputs_are_named():
    from audit.errors import AuditInputError

    model = _linear()
    with pytest.raises(AuditInputError, match=r"^X: expected float inputs \(token ids cannot"):
        minimal_perturbation(model, torch.zeros(3, 6, dtype=torch.long), radius=1.0)
    with pytest.raises(AuditInputError, match=r"^radius: expected a number > 0, got 0"):
        minimal_perturbation(model, torch.zeros(3, 6), radius=0)
    unused = torch.nn.Embedding(4, 2)
    with pytest.raises(ValueError, match=r"explain\.embedding_layer: expected a layer that runs"):
        embeddings_of(torch.nn.Sequential(torch.nn.Embedding(4, 2)), unused, torch.zeros(1, 2).long())
