"""Membership-inference attacks and the empirical ε bound, on hand-made and synthetic data."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy.stats import beta
from sklearn.metrics import roc_auc_score

from audit.models import MLP
from audit.privacy import (
    attack_result,
    clopper_pearson,
    epsilon_lower_bound,
    lira_offline,
    logit_confidence,
    loss_threshold_attack,
    make_trainer,
    shadow_scores,
)
from audit.training import Recipe


def test_clopper_pearson_bound_checked_by_hand():
    # TPR 50 of 100 members, FPR 1 of 100 non-members, two-sided 95% intervals
    tpr_low = beta.ppf(0.025, 50, 51)
    fpr_high = beta.ppf(0.975, 2, 99)
    assert (round(tpr_low, 4), round(fpr_high, 4)) == (0.3983, 0.0545)
    low, high = clopper_pearson(np.array([50, 1]), 100)
    assert low[0] == pytest.approx(tpr_low) and high[1] == pytest.approx(fpr_high)
    eps, _ = epsilon_lower_bound(np.array([50]), np.array([1]), 100, 100)
    assert eps == pytest.approx(math.log(tpr_low / fpr_high))  # 1.99 > the mirror term 0.45
    with_delta, _ = epsilon_lower_bound(np.array([50]), np.array([1]), 100, 100, delta=0.1)
    assert with_delta == pytest.approx(math.log((tpr_low - 0.1) / fpr_high))
    wider, _ = epsilon_lower_bound(np.array([50]), np.array([1]), 100, 100, confidence=0.99)
    assert wider < eps


def test_bound_is_zero_for_attacks_no_better_than_chance():
    same = attack_result(np.zeros(200), np.r_[np.ones(100), np.zeros(100)])
    assert same.auc == 0.5 and same.epsilon_lower_bound == 0.0
    rng = np.random.default_rng(0)
    noise = loss_threshold_attack(rng.normal(size=300), rng.normal(size=300))
    assert abs(noise.auc - 0.5) < 0.06 and noise.epsilon_lower_bound == 0.0
    assert noise.tpr_at_fpr[0.05] < 0.1 and noise.bound.threshold is None


def test_loss_attack_uses_sklearn_roc_and_keeps_200_points():
    rng = np.random.default_rng(1)
    members, others = rng.gamma(1.0, 0.5, 1000), rng.gamma(1.5, 0.5, 1000)
    result = loss_threshold_attack(members, others)
    labels = np.r_[np.ones(1000), np.zeros(1000)]
    assert result.auc == pytest.approx(roc_auc_score(labels, -np.r_[members, others]))
    assert len(result.roc_fpr) <= 200 and result.roc_fpr[0] == 0 and result.roc_fpr[-1] == 1
    assert np.all(np.diff(result.roc_fpr) >= 0) and np.all(np.diff(result.roc_tpr) >= 0)
    assert result.tpr_at_fpr[0.01] == result.tpr_at_1pct_fpr  # 1000 non-members: 10 FP at 1%
    assert result.tpr_at_1pct_fpr <= result.tpr_at_fpr[0.1]
    assert result.tpr_at_01pct_fpr is None  # needs 10,000 non-members
    low, high = result.tpr_ci[0.01]
    assert low <= result.tpr_at_1pct_fpr <= high
    assert set(result.tpr_ci) == {0.01, 0.05, 0.1, 0.25, 0.5}
    assert 0.5 < result.balanced_accuracy < 1 and result.confidence == 0.95


def test_logit_confidence_is_the_logit_of_the_true_class_probability():
    torch.manual_seed(0)
    model = torch.nn.Linear(3, 4)
    X, y = torch.randn(10, 3), torch.randint(0, 4, (10,))
    p = torch.softmax(model(X).double(), dim=1)[torch.arange(10), y].detach().numpy()
    assert logit_confidence(model, X, y) == pytest.approx(np.log(p / (1 - p)))


@pytest.mark.parametrize("outputs", [4, 1])
def test_the_cached_log_probabilities_give_the_same_confidence_as_the_logits(outputs):
    import audit
    from audit.privacy._shadows import confidence_from_log_proba

    torch.manual_seed(0)
    model = torch.nn.Linear(3, outputs)
    X = 6 * torch.randn(50, 3)  # confident rows too: p_y rounds to 1 in float32
    y = torch.randint(0, max(outputs, 2), (50,))
    subject = audit.Subject(model, (X, y), (X, y))
    phi = confidence_from_log_proba(subject.log_proba("test"), y.numpy())
    assert phi == pytest.approx(logit_confidence(model, X, y), rel=1e-6, abs=1e-6)
    assert np.allclose(np.exp(subject.log_proba("test")), subject.predict_proba("test"), atol=1e-6)


def test_shadow_rows_are_in_exactly_half_the_shadows():
    X, y = torch.randn(30, 2), torch.randint(0, 2, (30,))
    calls = []

    def trainer(X_part, y_part, seed):
        calls.append((len(X_part), seed))
        return torch.nn.Linear(2, 2)

    in_mask, scores = shadow_scores(trainer, X, y, k=4, seed=7)
    assert in_mask.shape == scores.shape == (4, 30)
    assert (in_mask.sum(axis=0) == 2).all()
    assert [s for _, s in calls] == [7, 8, 9, 10] and sum(n for n, _ in calls) == 60


@pytest.fixture(scope="module")
def memorised() -> dict[str, object]:
    """An MLP that memorises noisy labels of half the rows; 4 shadows of the same recipe."""
    g = torch.Generator().manual_seed(0)
    X = torch.randn(400, 8, generator=g)
    y = ((X[:, 0] + 0.8 * torch.randn(400, generator=g)) > 0).long()
    trainer = make_trainer(
        lambda: MLP(8, 2, hidden=(64, 64), dropout=0.0), Recipe(epochs=60, batch_size=32, lr=3e-3)
    )
    member = np.zeros(400, bool)
    member[np.random.default_rng(1).permutation(400)[:200]] = True
    rows = torch.as_tensor(member)
    phi = logit_confidence(trainer(X[rows], y[rows], 100), X, y)
    in_mask, shadows = shadow_scores(trainer, X, y, k=4, seed=0)
    return {"phi": phi, "member": member, "in_mask": in_mask, "shadows": shadows}


def test_lira_beats_the_loss_attack_at_low_fpr_on_memorised_members(memorised):
    phi, member = memorised["phi"], memorised["member"]
    loss = np.logaddexp(0.0, -phi)
    loss_result = loss_threshold_attack(loss[member], loss[~member])
    lira = lira_offline(phi, memorised["shadows"], member, out_mask=~memorised["in_mask"])
    assert lira.auc > 0.6 and lira.auc > loss_result.auc
    assert lira.tpr_at_fpr[0.05] >= loss_result.tpr_at_fpr[0.05]
    assert lira.tpr_at_1pct_fpr is None  # 200 non-members: 1% FPR needs 1000
    assert lira.auc_ci[0] > 0.6  # the interval excludes chance (and the warn limit)
    # 100 held-out members and non-members prove no ε at 95% at an AUC of 0.68
    assert lira.bound.members == 100 and lira.epsilon_lower_bound >= 0


def test_lira_variance_options_and_missing_out_shadows(memorised):
    phi, member, in_mask = memorised["phi"], memorised["member"], memorised["in_mask"]
    shadows = memorised["shadows"]
    fixed = lira_offline(phi, shadows, member, out_mask=~in_mask, fixed_variance=True)
    auto = lira_offline(phi, shadows, member, out_mask=~in_mask)
    assert fixed.auc == auto.auc  # 2 out-shadows per row: the pooled variance is the default
    masked = np.where(in_mask, np.nan, shadows)  # NaN marks "trained on it" as well
    assert lira_offline(phi, masked, member).auc == auto.auc
    per_example = lira_offline(phi, shadows, member, out_mask=~in_mask, fixed_variance=False)
    assert 0.5 < per_example.auc < 1
    with pytest.raises(ValueError, match="out-shadow"):
        lira_offline(phi, shadows, member, out_mask=np.zeros_like(in_mask))
