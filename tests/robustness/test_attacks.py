"""Attacks: captum's FGSM against the closed form, PGD inside its ball, one-logit models."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from audit.errors import AuditInputError
from audit.robustness import adversarial, as_logits


def _linear(outputs: int) -> torch.nn.Module:
    torch.manual_seed(0)
    return torch.nn.Linear(5, outputs)


def test_fgsm_is_x_plus_epsilon_sign_of_the_loss_gradient():
    model = _linear(3)
    X, y = torch.randn(40, 5), torch.randint(0, 3, (40,))
    adv = adversarial(model, X, y, method="fgsm", epsilon=0.07)
    Xg = X.clone().requires_grad_(True)
    F.cross_entropy(model(Xg), y, reduction="sum").backward()
    assert torch.allclose(adv, X + 0.07 * Xg.grad.sign())


def test_fgsm_on_one_logit_moves_against_the_label_by_the_weights_sign():
    model = _linear(1)
    X, y = torch.randn(40, 5), torch.randint(0, 2, (40,))
    adv = adversarial(model, X, y, method="fgsm", epsilon=0.1, binary_logit=True)
    # d BCE / dx = (σ(z) − y) w: the step is ε sign(w) for label 0 and −ε sign(w) for label 1
    sign = torch.where(y == 1, -1.0, 1.0)[:, None] * model.weight.detach().sign()
    assert torch.allclose(adv, X + 0.1 * sign)
    probs = torch.softmax(as_logits(model, binary_logit=True)(X), dim=1)[:, 1]
    assert torch.allclose(probs, torch.sigmoid(model(X)[:, 0]))


def test_pgd_stays_in_its_ball_and_bounds_and_hurts_at_least_as_much_as_fgsm():
    model = _linear(3)
    X, y = torch.rand(200, 5), torch.randint(0, 3, (200,))
    pgd = adversarial(model, X, y, method="pgd", epsilon=0.1, steps=20, lower=0.0, upper=1.0)
    fgsm = adversarial(model, X, y, method="fgsm", epsilon=0.1, lower=0.0, upper=1.0)
    assert float((pgd - X).abs().max()) <= 0.1 + 1e-6
    assert float(pgd.min()) >= 0.0 and float(pgd.max()) <= 1.0
    loss = lambda Z: F.cross_entropy(model(Z), y).item()  # noqa: E731
    assert loss(pgd) >= loss(fgsm) - 1e-6 > loss(X)


def test_pgd_l2_stays_in_its_l2_ball_and_raises_the_loss():
    model = _linear(3)
    X, y = torch.randn(200, 5), torch.randint(0, 3, (200,))
    adv = adversarial(model, X, y, method="pgd_l2", epsilon=0.1, steps=20)
    radius = 0.1 * 5**0.5  # the L2 length of a step of 0.1 on each of the 5 values
    norms = (adv - X).norm(dim=1)
    assert float(norms.max()) <= radius + 1e-5
    assert float(norms.median()) > 0.9 * radius  # a linear loss pushes to the boundary
    assert float((adv - X).abs().max()) > 0.1  # not an L∞ ball: some value moves further
    loss = lambda Z: F.cross_entropy(model(Z), y).item()  # noqa: E731
    assert loss(adv) > loss(X)


def test_fgsm_l2_is_the_optimal_l2_step_against_a_linear_two_class_model():
    model = _linear(2)
    X, y = torch.randn(300, 5), torch.randint(0, 2, (300,))
    adv = adversarial(model, X, y, method="fgsm_l2", epsilon=0.2)
    radius = 0.2 * 5**0.5
    w = (model.weight[1] - model.weight[0]).detach()
    # d CE / dx = (p₁ − y) (w₁ − w₀): the step is r·(w₁ − w₀)/‖·‖, away from the label
    away = torch.where(y == 1, -1.0, 1.0)[:, None]
    assert torch.allclose(adv, X + radius * away * w / w.norm(), atol=1e-6)
    # the shortest L2 path across a linear boundary: a correct row flips iff its margin
    # over ‖w₁ − w₀‖ is below the radius
    with torch.no_grad():
        z = model(X)
        before, after = z.argmax(1), model(adv).argmax(1)
    distance = (z[:, 1] - z[:, 0]).abs() / w.norm()
    right = before == y
    assert torch.equal((after != before)[right], (distance < radius)[right])
    assert 0 < int((after != before).sum()) < 300


def test_token_ids_and_negative_radii_are_refused():
    model = _linear(2)
    with pytest.raises(AuditInputError, match="float inputs"):
        adversarial(
            model, torch.ones(2, 5).long(), torch.zeros(2).long(), method="fgsm", epsilon=0.1
        )
    with pytest.raises(AuditInputError, match="epsilon"):
        adversarial(model, torch.ones(2, 5), torch.zeros(2).long(), method="fgsm", epsilon=-1)
