"""An empirical lower bound on ε from a membership attack's counts (Clopper–Pearson).

The threshold is chosen on one half of the trials and the bound evaluated on the other
(Jagielski et al. 2020; Nasr et al. 2021).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import beta

__all__ = [
    "EpsilonBound",
    "clopper_pearson",
    "epsilon_lower_bound",
    "split_half_epsilon",
    "split_halves",
]


def clopper_pearson(k: np.ndarray, n: int, confidence: float = 0.95) -> tuple[np.ndarray, ...]:
    """Two-sided Clopper–Pearson interval ``(low, high)`` of ``k`` successes in ``n`` trials.

    Examples
    --------
    >>> low, high = clopper_pearson(np.array([50]), 100)
    >>> round(float(low[0]), 4), round(float(high[0]), 4)
    (0.3983, 0.6017)
    """
    k = np.asarray(k, dtype=float)
    alpha = 1.0 - confidence
    with np.errstate(invalid="ignore"):
        low = np.where(k > 0, beta.ppf(alpha / 2, k, n - k + 1), 0.0)
        high = np.where(k < n, beta.ppf(1 - alpha / 2, k + 1, n - k), 1.0)
    return low, high


def epsilon_lower_bound(
    tp: np.ndarray,
    fp: np.ndarray,
    n_members: int,
    n_nonmembers: int,
    *,
    delta: float = 0.0,
    confidence: float = 0.95,
) -> tuple[float, int]:
    """The largest ε lower bound over thresholds, and the index of its threshold.

    At a threshold with ``tp`` of ``n_members`` members and ``fp`` of ``n_nonmembers``
    non-members flagged, (ε, δ)-DP implies TPR ≤ e^ε FPR + δ and
    1 − FPR ≤ e^ε (1 − TPR) + δ, so ε ≥ log((TPR_low − δ) / FPR_high) and
    ε ≥ log((1 − FPR_high − δ) / (1 − TPR_low)). ``TPR_low`` and ``FPR_high`` are the
    ends of two-sided Clopper–Pearson intervals at ``confidence``, i.e. one-sided bounds
    at 1 − α/2 each: by the union bound both hold, and so does the bound on ε, with
    probability at least ``confidence`` (α = 1 − confidence) at one threshold fixed in
    advance. The largest over many thresholds of the same rows is optimistic: the
    audit chooses the threshold on other rows (:func:`split_half_epsilon`). 0 when no
    threshold proves anything.

    Examples
    --------
    >>> eps, _ = epsilon_lower_bound(np.array([50]), np.array([1]), 100, 100)
    >>> round(eps, 3)
    1.99
    """
    tpr_low, _ = clopper_pearson(tp, n_members, confidence)
    _, fpr_high = clopper_pearson(fp, n_nonmembers, confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        direct = np.log(np.clip(tpr_low - delta, 0, None) / fpr_high)
        mirror = np.log(np.clip(1 - fpr_high - delta, 0, None) / (1 - tpr_low))
    bounds = np.nan_to_num(np.maximum(direct, mirror), nan=0.0, neginf=0.0, posinf=np.inf)
    index = int(np.argmax(bounds))
    return max(float(bounds[index]), 0.0), index


@dataclass(frozen=True)
class EpsilonBound:
    """A split-half ε bound: the threshold chosen on half A; half B's counts at it.

    A row is flagged when its score is at least ``threshold`` (``None``: nothing was
    proved on half A; the bound is 0); ``tp`` of ``members``, ``fp`` of ``nonmembers``.
    """

    epsilon: float
    threshold: float | None
    tp: int
    fp: int
    members: int
    nonmembers: int
    confidence: float

    @property
    def tpr(self) -> float | None:
        return None if self.threshold is None else self.tp / self.members

    @property
    def fpr(self) -> float | None:
        return None if self.threshold is None else self.fp / self.nonmembers


def split_halves(is_member: np.ndarray, seed: int = 0) -> np.ndarray:
    """Half A of a seeded split, stratified: True for ⌊n/2⌋ members and ⌊n/2⌋ non-members."""
    is_member = np.asarray(is_member).astype(bool)
    rng = np.random.default_rng(seed)
    half_a = np.zeros(len(is_member), bool)
    for label in (True, False):
        rows = rng.permutation(np.flatnonzero(is_member == label))
        half_a[rows[: len(rows) // 2]] = True
    return half_a


def _counts_at(scores: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """How many of ``scores`` are at least each threshold."""
    return len(scores) - np.searchsorted(np.sort(scores), thresholds, side="left")


def split_half_epsilon(
    scores: np.ndarray,
    is_member: np.ndarray,
    *,
    delta: float = 0.0,
    confidence: float = 0.95,
    seed: int = 0,
) -> EpsilonBound:
    """ε lower bound with the threshold chosen on half A and evaluated on half B.

    Jagielski et al. (2020), Nasr et al. (2021): the trials (members and non-members)
    are split in halves (:func:`split_halves`); on half A every score is a candidate
    threshold and the one with the largest :func:`epsilon_lower_bound` is kept; on
    half B, which played no part in the choice, the bound at that one threshold holds
    with probability at least ``confidence`` (one-sided Clopper–Pearson bounds at
    1 − α/2 on TPR and on FPR, joined by the union bound).

    Examples
    --------
    >>> scores = np.r_[np.arange(100, 200), np.arange(100)]  # members all score higher
    >>> bound = split_half_epsilon(scores, np.r_[np.ones(100), np.zeros(100)])
    >>> bound.tp, bound.fp, round(bound.epsilon, 2)
    (48, 0, 2.5)
    """
    scores, is_member = np.asarray(scores, dtype=float), np.asarray(is_member).astype(bool)
    half_a = split_halves(is_member, seed)
    members_a, others_a = scores[half_a & is_member], scores[half_a & ~is_member]
    members_b, others_b = scores[~half_a & is_member], scores[~half_a & ~is_member]
    n_in, n_out = len(members_b), len(others_b)
    candidates = np.unique(np.r_[members_a, others_a])
    best, index = 0.0, 0
    if len(members_a) and len(others_a):
        tp, fp = _counts_at(members_a, candidates), _counts_at(others_a, candidates)
        best, index = epsilon_lower_bound(
            tp, fp, len(members_a), len(others_a), delta=delta, confidence=confidence
        )
    if best <= 0:
        return EpsilonBound(0.0, None, 0, 0, n_in, n_out, confidence)
    threshold = float(candidates[index])
    tp_b = int(_counts_at(members_b, np.array([threshold]))[0])
    fp_b = int(_counts_at(others_b, np.array([threshold]))[0])
    epsilon, _ = epsilon_lower_bound(
        np.array([tp_b]), np.array([fp_b]), n_in, n_out, delta=delta, confidence=confidence
    )
    return EpsilonBound(epsilon, threshold, tp_b, fp_b, n_in, n_out, confidence)
