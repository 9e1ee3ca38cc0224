"""The statistics behind the privacy verdicts: split-half ε bound, bootstrap intervals, TPR rule."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import beta
from sklearn.metrics import roc_auc_score

from audit.privacy import attack_result, epsilon_lower_bound
from audit.privacy._attacks import (
    _resample_counts,
    bootstrap_intervals,
    nonmembers_needed,
    split_half_epsilon,
    split_halves,
)

IS_MEMBER = np.r_[np.ones(100, bool), np.zeros(100, bool)]


def _by_hand(tp: int, members: int, fp: int, nonmembers: int) -> float:
    """ε bound at one threshold: one-sided 97.5% Clopper–Pearson bounds on TPR and FPR."""
    tpr_low = beta.ppf(0.025, tp, members - tp + 1)
    fpr_high = beta.ppf(0.975, fp + 1, nonmembers - fp)
    return max(math.log(tpr_low / fpr_high), math.log((1 - fpr_high) / (1 - tpr_low)), 0.0)


def _planted(rng: np.random.Generator, half_a: np.ndarray) -> np.ndarray:
    """Half A: members 10..59, non-members 0..4.9 (the best threshold there is 10).

    Half B: 40 of 50 members at 20 and 10 at 9.5; 3 of 50 non-members at 15, 47 at 1.
    """
    scores = np.empty(200)
    a_in, a_out = np.flatnonzero(half_a & IS_MEMBER), np.flatnonzero(half_a & ~IS_MEMBER)
    scores[a_in] = 10 + np.arange(50)
    scores[a_out] = np.linspace(0, 4.9, 50)
    b_in, b_out = np.flatnonzero(~half_a & IS_MEMBER), np.flatnonzero(~half_a & ~IS_MEMBER)
    scores[b_in] = rng.permutation(np.r_[np.full(40, 20.0), np.full(10, 9.5)])
    scores[b_out] = rng.permutation(np.r_[np.full(3, 15.0), np.full(47, 1.0)])
    return scores


def test_halves_are_stratified_seeded_and_disjoint():
    half_a = split_halves(IS_MEMBER, seed=3)
    assert (half_a & IS_MEMBER).sum() == 50 and (half_a & ~IS_MEMBER).sum() == 50
    assert (split_halves(IS_MEMBER, seed=3) == half_a).all()
    assert (split_halves(IS_MEMBER, seed=4) != half_a).any()


def test_threshold_chosen_on_half_a_gives_the_hand_computed_bound_on_half_b():
    half_a = split_halves(IS_MEMBER, seed=3)
    scores = _planted(np.random.default_rng(0), half_a)
    bound = split_half_epsilon(scores, IS_MEMBER, seed=3)
    assert bound.threshold == 10.0  # the lowest member score of half A
    assert (bound.tp, bound.members, bound.fp, bound.nonmembers) == (40, 50, 3, 50)
    assert bound.epsilon == pytest.approx(_by_hand(40, 50, 3, 50))
    assert round(bound.epsilon, 4) == 1.3876
    # on all rows at once the best threshold is 9.5 (every member): a larger, optimistic ε
    in_sample, _ = epsilon_lower_bound(
        np.array([100]), np.array([3]), 100, 100
    )  # threshold 9.5 flags all 100 members and the 3 non-members at 15
    assert in_sample > 2 * bound.epsilon


def test_evaluation_half_never_moves_the_threshold():
    half_a = split_halves(IS_MEMBER, seed=3)
    base = _planted(np.random.default_rng(0), half_a)
    rng = np.random.default_rng(1)
    for _ in range(5):
        scores = base.copy()
        scores[~half_a] = rng.normal(0, 30, (~half_a).sum())  # anything at all on half B
        bound = split_half_epsilon(scores, IS_MEMBER, seed=3)
        assert bound.threshold == 10.0
        b_in, b_out = scores[~half_a & IS_MEMBER], scores[~half_a & ~IS_MEMBER]
        tp, fp = int((b_in >= 10).sum()), int((b_out >= 10).sum())
        assert (bound.tp, bound.fp) == (tp, fp)
        assert bound.epsilon == pytest.approx(_by_hand(tp, 50, fp, 50))
    # half A alone decides: members scored like non-members there leave nothing to prove
    scores = base.copy()
    scores[half_a & IS_MEMBER] = scores[half_a & ~IS_MEMBER]
    assert split_half_epsilon(scores, IS_MEMBER, seed=3).threshold is None


def test_split_half_bound_rarely_exceeds_a_true_epsilon_of_1():
    """Randomized response at ε = 1 (the optimal test has exactly e^ε = TPR / FPR)."""
    rng = np.random.default_rng(0)
    p = math.e / (1 + math.e)
    exceed = []
    for _ in range(100):
        flags = np.r_[rng.random(250) < p, rng.random(250) < 1 - p].astype(float)
        member = np.r_[np.ones(250, bool), np.zeros(250, bool)]
        exceed.append(split_half_epsilon(flags, member, seed=int(rng.integers(1 << 30))).epsilon)
    exceed = np.array(exceed)
    assert (exceed > 1.0).sum() == 0 and 0.3 < np.median(exceed) < 1.0


def test_tpr_at_a_false_positive_rate_needs_ten_over_that_rate_nonmembers():
    assert [nonmembers_needed(f) for f in (0.001, 0.01, 0.05, 0.1)] == [10000, 1000, 200, 100]
    rng = np.random.default_rng(0)
    scores = np.r_[rng.normal(1, 1, 300), rng.normal(0, 1, 300)]
    result = attack_result(scores, np.r_[np.ones(300), np.zeros(300)])
    assert result.tpr_at_01pct_fpr is None and result.tpr_at_1pct_fpr is None
    assert result.tpr_at_fpr[0.05] is not None and set(result.tpr_ci) == {0.05, 0.1, 0.25, 0.5}
    just = attack_result(np.r_[scores, rng.normal(0, 1, 700)], np.r_[np.ones(300), np.zeros(1000)])
    assert just.tpr_at_1pct_fpr is not None and 0.01 in just.tpr_ci
    fewer = attack_result(np.r_[scores, rng.normal(0, 1, 699)], np.r_[np.ones(300), np.zeros(999)])
    assert fewer.tpr_at_1pct_fpr is None


def test_auc_interval_brackets_the_auc_and_is_seeded():
    rng = np.random.default_rng(0)
    scores = np.r_[rng.normal(0.5, 1, 300), rng.normal(0, 1, 300)]
    member = np.r_[np.ones(300), np.zeros(300)]
    result = attack_result(scores, member, seed=1)
    low, high = result.auc_ci
    assert result.auc == pytest.approx(roc_auc_score(member, scores))
    assert low < result.auc < high
    # Hanley–McNeil's standard error at AUC 0.63 with 300 + 300 rows is 0.0226
    assert high - low == pytest.approx(2 * 1.96 * 0.0226, rel=0.15)
    assert attack_result(scores, member, seed=1).auc_ci == result.auc_ci
    assert attack_result(scores, member, seed=2).auc_ci != result.auc_ci
    wider = attack_result(scores, member, seed=1, confidence=0.99).auc_ci
    assert wider[0] < low and wider[1] > high


def test_vectorized_bootstrap_equals_resampling_row_by_row():
    rng = np.random.default_rng(3)
    members = np.round(rng.normal(0.5, 1, 120), 1)  # rounded: ties between the classes
    others = np.round(rng.normal(0, 1, 200), 1)
    auc_ci, tpr_ci = bootstrap_intervals(members, others, fprs=(0.05,), rounds=50, seed=7)
    draw = np.random.default_rng(7)
    w, v = _resample_counts(draw, 120, 50), _resample_counts(draw, 200, 50)
    aucs, tprs = [], []
    for i in range(50):  # the same resamples, as rows
        a, b = np.repeat(np.sort(members), w[i]), np.repeat(np.sort(others), v[i])
        labels, values = np.r_[np.ones(len(a)), np.zeros(len(b))], np.r_[a, b]
        aucs.append(roc_auc_score(labels, values))
        tprs.append((a > np.sort(b)[::-1][10]).mean())  # above the 11th highest non-member
    assert auc_ci == pytest.approx(tuple(np.quantile(aucs, [0.025, 0.975])))
    assert tpr_ci[0.05] == pytest.approx(tuple(np.quantile(tprs, [0.025, 0.975])))
