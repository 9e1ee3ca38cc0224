"""Membership inference: the loss-threshold attack, offline LiRA and an empirical ε bound."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from scipy.stats import beta, norm
from sklearn.metrics import roc_auc_score, roc_curve
from torch import nn

from audit.errors import bad_input

__all__ = [
    "AttackResult",
    "attack_result",
    "clopper_pearson",
    "epsilon_lower_bound",
    "lira_offline",
    "lira_scores",
    "logit_confidence",
    "loss_threshold_attack",
    "shadow_scores",
]

#: Most points of the ROC curve kept for the report.
ROC_POINTS = 200
#: False-positive rates at which :attr:`AttackResult.tpr_at_fpr` holds the best TPR.
KEY_FPRS: tuple[float, ...] = (0.001, 0.01, 0.05, 0.1, 0.25, 0.5)


@dataclass
class AttackResult:
    """How well an attack's scores (higher: "member") separate members from non-members.

    ``balanced_accuracy`` is at the best threshold; ``tpr_at_*_fpr`` are the highest
    TPR at a false-positive rate of at most 1% / 0.1%. ``epsilon_lower_bound`` is the
    largest ε that the attack's TPR and FPR at one threshold prove, with two-sided
    Clopper–Pearson intervals at ``confidence`` (``bound_tpr`` / ``bound_fpr`` are the
    point estimates at that threshold). ``roc_fpr`` / ``roc_tpr`` hold at most 200 points;
    ``tpr_at_fpr`` maps each rate of :data:`KEY_FPRS` to the best TPR at that FPR or less.
    """

    auc: float
    balanced_accuracy: float
    tpr_at_1pct_fpr: float
    tpr_at_01pct_fpr: float
    epsilon_lower_bound: float
    bound_tpr: float
    bound_fpr: float
    roc_fpr: np.ndarray
    roc_tpr: np.ndarray
    n_members: int
    n_nonmembers: int
    tpr_at_fpr: dict[float, float]
    confidence: float = 0.95
    delta: float = 0.0


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
    ε ≥ log((1 − FPR_high − δ) / (1 − TPR_low)), with Clopper–Pearson bounds. The
    threshold is chosen on the same rows, so the bound is a little optimistic. 0 when
    no threshold proves anything.

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


def _downsample(fpr: np.ndarray, tpr: np.ndarray, points: int) -> tuple[np.ndarray, np.ndarray]:
    if len(fpr) <= points:
        return fpr, tpr
    # dense at low FPR (log axes) and evenly along the curve; first and last point kept
    keep = np.unique(
        np.concatenate(
            [
                np.geomspace(1, len(fpr), points // 2).astype(int) - 1,
                np.linspace(0, len(fpr) - 1, points - points // 2).astype(int),
            ]
        )
    )
    return fpr[keep], tpr[keep]


def attack_result(
    scores: np.ndarray,
    is_member: np.ndarray,
    *,
    delta: float = 0.0,
    confidence: float = 0.95,
) -> AttackResult:
    """Score an attack from per-example scores (higher: member) and true membership.

    Examples
    --------
    >>> result = attack_result(np.array([0.9, 0.8, 0.3, 0.1]), np.array([1, 1, 0, 0]))
    >>> result.auc, result.balanced_accuracy
    (1.0, 1.0)
    """
    scores, is_member = np.asarray(scores, dtype=float), np.asarray(is_member).astype(bool)
    if scores.shape != is_member.shape or scores.ndim != 1:
        raise bad_input("scores", f"a 1-D array shaped like is_member {is_member.shape}", scores)
    n_in, n_out = int(is_member.sum()), int((~is_member).sum())
    if n_in == 0 or n_out == 0:
        raise bad_input("is_member", "both members and non-members", f"{n_in} and {n_out}")
    finite = np.nan_to_num(scores, nan=-np.inf)
    finite = np.clip(finite, np.finfo(float).min, np.finfo(float).max)
    fpr, tpr, _ = roc_curve(is_member, finite, drop_intermediate=False)
    bound, at = epsilon_lower_bound(
        np.round(tpr * n_in), np.round(fpr * n_out), n_in, n_out, delta=delta, confidence=confidence
    )
    roc_fpr, roc_tpr = _downsample(fpr, tpr, ROC_POINTS)
    key = {level: float(tpr[fpr <= level].max()) for level in KEY_FPRS}
    return AttackResult(
        auc=float(roc_auc_score(is_member, finite)),
        balanced_accuracy=float(np.max((tpr + 1 - fpr) / 2)),
        tpr_at_1pct_fpr=key[0.01],
        tpr_at_01pct_fpr=key[0.001],
        epsilon_lower_bound=bound,
        bound_tpr=float(tpr[at]),
        bound_fpr=float(fpr[at]),
        roc_fpr=roc_fpr,
        roc_tpr=roc_tpr,
        n_members=n_in,
        n_nonmembers=n_out,
        tpr_at_fpr=key,
        confidence=confidence,
        delta=delta,
    )


def loss_threshold_attack(
    member_losses: np.ndarray,
    nonmember_losses: np.ndarray,
    *,
    delta: float = 0.0,
    confidence: float = 0.95,
) -> AttackResult:
    """Yeom et al. (2018): a row is a member when its loss is low (score = −loss).

    Examples
    --------
    >>> loss_threshold_attack(np.array([0.1, 0.2]), np.array([0.9, 1.5])).auc
    1.0
    """
    member_losses, nonmember_losses = np.ravel(member_losses), np.ravel(nonmember_losses)
    scores = -np.concatenate([member_losses, nonmember_losses])
    is_member = np.r_[np.ones(len(member_losses), bool), np.zeros(len(nonmember_losses), bool)]
    return attack_result(scores, is_member, delta=delta, confidence=confidence)


def lira_scores(
    target_scores: np.ndarray,
    shadow_out_scores: np.ndarray,
    out_mask: np.ndarray | None = None,
    *,
    fixed_variance: bool | None = None,
) -> np.ndarray:
    """Offline LiRA membership scores: −log P(Z > φ) with Z ~ N(μ_out, σ_out²) per example.

    ``shadow_out_scores`` is ``(shadows, examples)``; only entries where ``out_mask``
    is True (default: where finite) count. ``fixed_variance`` (default: when some example
    has fewer than 32 out-shadows) uses one pooled within-example σ for all examples.
    """
    target = np.asarray(target_scores, dtype=float)
    shadows = np.asarray(shadow_out_scores, dtype=float)
    if shadows.ndim != 2 or shadows.shape[1] != target.shape[0]:
        raise bad_input("shadow_out_scores", f"shape (shadows, {target.shape[0]})", shadows)
    mask = np.isfinite(shadows) if out_mask is None else np.asarray(out_mask, bool)
    mask = mask & np.isfinite(shadows)
    counts = mask.sum(axis=0)
    if counts.min() == 0:
        raise bad_input("shadow_out_scores", "at least one out-shadow per example", "none")
    values = np.where(mask, shadows, 0.0)
    mean = values.sum(axis=0) / counts
    residual = np.where(mask, shadows - mean, 0.0)
    if fixed_variance is None:
        fixed_variance = bool(counts.min() < 32)
    if fixed_variance:
        dof = max(int(counts.sum() - len(counts)), 1)
        std = np.full_like(mean, np.sqrt((residual**2).sum() / dof))
    else:
        std = np.sqrt((residual**2).sum(axis=0) / np.maximum(counts - 1, 1))
    return -norm.logsf(target, loc=mean, scale=np.maximum(std, 1e-8))


def lira_offline(
    target_scores: np.ndarray,
    shadow_out_scores: np.ndarray,
    is_member: np.ndarray,
    *,
    out_mask: np.ndarray | None = None,
    fixed_variance: bool | None = None,
    delta: float = 0.0,
    confidence: float = 0.95,
) -> AttackResult:
    """Carlini et al. (2022), offline LiRA: φ under the target vs φ under out-shadows.

    ``target_scores`` are the logit-scaled confidences φ = log(p / (1 − p)) of each
    example's true class under the target model (:func:`logit_confidence`);
    ``shadow_out_scores`` the same under shadow models, ``(shadows, examples)``, used
    where ``out_mask`` says the shadow did not train on the example.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> shadows = rng.normal(size=(8, 6))
    >>> target = np.array([5.0, 4.0, 6.0, 0.0, -0.5, 0.3])
    >>> lira_offline(target, shadows, np.array([1, 1, 1, 0, 0, 0])).auc
    1.0
    """
    scores = lira_scores(target_scores, shadow_out_scores, out_mask, fixed_variance=fixed_variance)
    return attack_result(scores, is_member, delta=delta, confidence=confidence)


def logit_confidence(
    model: nn.Module, X: torch.Tensor, y: torch.Tensor, *, batch_size: int = 4096
) -> np.ndarray:
    """φ = log(p_y / (1 − p_y)) of each row's true class, computed stably from the logits.

    A single binary logit ``z`` counts as the logits ``[0, z]``.

    Examples
    --------
    >>> model = torch.nn.Linear(1, 2)
    >>> phi = logit_confidence(model, torch.zeros(3, 1), torch.tensor([0, 1, 1]))
    >>> phi.shape
    (3,)
    """
    was_training = model.training
    model.eval()
    out = []
    try:
        with torch.inference_mode():
            for start in range(0, X.shape[0], batch_size):
                logits = model(X[start : start + batch_size]).to(torch.float64)
                if logits.ndim == 1 or logits.shape[1] == 1:
                    logits = torch.stack(
                        [torch.zeros_like(logits.reshape(-1)), logits.reshape(-1)], 1
                    )
                target = y[start : start + batch_size].long()
                true = logits.gather(1, target[:, None]).squeeze(1)
                others = logits.scatter(1, target[:, None], float("-inf"))
                out.append(true - torch.logsumexp(others, dim=1))
    finally:
        model.train(was_training)
    return torch.cat(out).numpy()


def shadow_scores(
    trainer: Callable[[torch.Tensor, torch.Tensor, int], nn.Module],
    X: torch.Tensor,
    y: torch.Tensor,
    *,
    k: int,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Train ``k`` shadow models on random halves of ``(X, y)``; φ of every row under each.

    As in Carlini et al.'s code, each row is in the training set of exactly
    ``k // 2`` shadows (so every row has ``k - k // 2`` out-shadows). Shadow ``i`` is
    trained by ``trainer(X[rows], y[rows], seed + i)``.

    Returns
    -------
    in_mask : ndarray of bool, shape (k, rows)
        Which rows each shadow trained on.
    scores : ndarray of float, shape (k, rows)
        φ of every row under each shadow (:func:`logit_confidence`).

    Examples
    --------
    >>> from audit.privacy import make_trainer
    >>> from audit.training import Recipe
    >>> trainer = make_trainer(lambda: torch.nn.Linear(2, 2), Recipe(epochs=1))
    >>> X, y = torch.randn(20, 2), torch.randint(0, 2, (20,))
    >>> in_mask, scores = shadow_scores(trainer, X, y, k=2)
    >>> in_mask.sum(axis=0).tolist() == [1] * 20, scores.shape
    (True, (2, 20))
    """
    if not isinstance(k, int) or k < 2:
        raise bad_input("k", "an int >= 2 (each row needs an in- and an out-shadow)", k)
    X, y = torch.as_tensor(X), torch.as_tensor(y)
    rng = np.random.default_rng(seed)
    order = rng.random((k, X.shape[0])).argsort(axis=0)
    in_mask = order < k // 2
    scores = np.empty((k, X.shape[0]))
    for i in range(k):
        rows = torch.as_tensor(np.flatnonzero(in_mask[i]))
        model = trainer(X[rows], y[rows], seed + i)
        scores[i] = logit_confidence(model, X, y)
    return in_mask, scores
