"""The smallest perturbation that flips each prediction, and how it differs between groups.

captum's :class:`~captum.robust.MinParamPerturbation` searches, one input at a time, for
the smallest attack parameter that changes the model's answer. Here the same search runs
on every audited row at once: FGSM's direction ``sign(∇ₓ loss)`` does not depend on the
radius, so one gradient gives each row's direction and a batched bisection over the
radius finds where the predicted class changes (as captum's ``mode="binary"`` does, it
assumes the flip is monotone in the radius). A test checks it against captum's search
and against the closed form of a linear model.

Per group (Nanda et al. 2021, "robustness bias"), the median distance is compared: a
group whose predictions flip at half the distance of another's is easier to attack.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F

from audit.errors import bad_input

__all__ = ["GroupDistances", "group_distances", "median_interval", "minimal_perturbation"]


def minimal_perturbation(
    forward: Callable[[torch.Tensor], torch.Tensor],
    X: torch.Tensor,
    *,
    radius: float,
    lower: float = float("-inf"),
    upper: float = float("inf"),
    iters: int = 12,
) -> np.ndarray:
    """Per row, the smallest FGSM radius (L∞, input units) that changes the predicted class.

    Parameters
    ----------
    forward : callable
        ``X -> logits (n, C)``; the model in eval mode.
    X : Tensor
        Float inputs, rows first.
    radius : float
        The largest radius searched; rows that do not flip by then get ``inf``.
    lower, upper : float
        Bounds of valid inputs (perturbed rows are clamped to them, as captum's FGSM does).
    iters : int
        Bisection steps: the answer is within ``radius / 2**iters`` above the true one.

    Returns
    -------
    ndarray of float, shape (n,)

    Examples
    --------
    >>> model = torch.nn.Linear(1, 2)
    >>> with torch.no_grad():
    ...     _ = model.weight.copy_(torch.tensor([[-1.0], [1.0]])); _ = model.bias.zero_()
    >>> minimal_perturbation(model, torch.tensor([[0.5], [-2.0]]), radius=1.0).round(3)
    array([0.5, inf])
    """
    if not X.is_floating_point():
        raise bad_input("X", "float inputs (token ids cannot be perturbed)", str(X.dtype))
    if not radius > 0:
        raise bad_input("radius", "a number > 0", repr(radius))
    X = X.detach()
    shape = (-1,) + (1,) * (X.dim() - 1)
    with torch.enable_grad(), torch.backends.cudnn.flags(enabled=False):
        Xg = X.clone().requires_grad_(True)
        logits = forward(Xg)
        predicted = logits.argmax(dim=1).detach()
        (grad,) = torch.autograd.grad(F.cross_entropy(logits, predicted, reduction="sum"), Xg)
    direction = grad.sign()

    def flips(eps: torch.Tensor) -> torch.Tensor:
        moved = (X + eps.view(shape) * direction).clamp(lower, upper)
        with torch.no_grad():
            return forward(moved).argmax(dim=1) != predicted

    hi = torch.full((X.shape[0],), float(radius), dtype=X.dtype)
    lo = torch.zeros_like(hi)
    reached = flips(hi)
    for _ in range(iters):
        mid = (lo + hi) / 2
        flipped = flips(mid)
        hi = torch.where(flipped, mid, hi)
        lo = torch.where(flipped, lo, mid)
    return torch.where(reached, hi, torch.full_like(hi, float("inf"))).numpy().astype(np.float64)


def median_interval(values: np.ndarray, *, alpha: float = 0.05) -> tuple[float, float, float]:
    """The median and its distribution-free interval from order statistics (binomial).

    Examples
    --------
    >>> median_interval(np.arange(1.0, 101.0))
    (50.5, 40.0, 61.0)
    """
    from scipy.stats import binom

    x = np.sort(np.asarray(values, dtype=np.float64))
    n = len(x)
    if n == 0:
        return (float("nan"),) * 3
    j = int(binom.ppf(alpha / 2, n, 0.5))  # P(Bin <= j - 1) <= alpha / 2
    low = x[max(j - 1, 0)]
    high = x[min(n - j, n - 1)]
    return float(np.median(x)), float(low), float(high)


@dataclass
class GroupDistances:
    """Median minimal perturbation per group and the ratio of the smallest to the largest.

    ``ratio_ci`` holds simultaneously for every pair of groups: each pair's log ratio of
    medians has a percentile bootstrap interval at level ``alpha / pairs`` (Bonferroni),
    and the smallest ratio's interval is built from them (its ends are the smallest
    possible and the smallest largest pairwise ratio).
    """

    groups: list[str]
    rows: np.ndarray
    median: np.ndarray
    low: np.ndarray
    high: np.ndarray
    ratio: float | None
    ratio_ci: list[float] | None


def group_distances(
    distances: np.ndarray,
    groups: pd.Series | np.ndarray,
    *,
    cap: float,
    rng: np.random.Generator,
    resamples: int = 1000,
    alpha: float = 0.05,
    min_rows: int = 1,
) -> GroupDistances:
    """Per group, the median distance (capped at ``cap``) and the smallest/largest ratio.

    Parameters
    ----------
    distances : ndarray, shape (n,)
        Per row, the minimal perturbation; ``inf`` (no flip within the search) counts
        as ``cap``, so a median equal to ``cap`` reads "at least ``cap``".
    groups : Series or ndarray, shape (n,)
        Group labels; missing ones are left out.
    cap : float
        The search radius.
    rng, resamples, alpha, min_rows
        Bootstrap stream and size, two-sided level, fewest rows a compared group needs.

    Examples
    --------
    >>> d = np.r_[np.full(50, 0.2), np.full(50, 0.4)]
    >>> r = group_distances(d, np.repeat(["a", "b"], 50), cap=1.0, rng=np.random.default_rng(0))
    >>> r.median.tolist(), r.ratio
    ([0.2, 0.4], 0.5)
    """
    d = np.minimum(np.asarray(distances, dtype=np.float64), cap)
    labels = pd.Series(np.asarray(groups, dtype=object)).astype("string")
    present = labels.notna().to_numpy()
    codes, names = pd.factorize(labels[present], sort=True)
    d = d[present]
    per = [d[codes == g] for g in range(len(names))]
    stats = np.array([median_interval(v, alpha=alpha) for v in per]).reshape(-1, 3)
    rows = np.array([len(v) for v in per])
    big = [g for g in range(len(names)) if rows[g] >= max(min_rows, 2)]
    ratio, ratio_ci = None, None
    if len(big) >= 2:
        medians = stats[big, 0]
        ratio = float(medians.min() / medians.max())
        boot = np.stack(
            [np.median(per[g][rng.integers(0, rows[g], (resamples, rows[g]))], axis=1) for g in big]
        )
        pairs = len(big) * (len(big) - 1) / 2
        q = alpha / pairs / 2
        lows, highs = [], []
        for i in range(len(big)):
            for k in range(i + 1, len(big)):
                lo, hi = np.quantile(np.log(boot[i]) - np.log(boot[k]), [q, 1 - q])
                # |log ratio| lies in [distance of [lo, hi] from 0, max(|lo|, |hi|)]
                lows.append(float(np.exp(-max(abs(lo), abs(hi)))))
                highs.append(float(np.exp(-max(0.0, lo, -hi))))
        ratio_ci = [min(lows), min(highs)]
    return GroupDistances(
        [str(n) for n in names], rows, stats[:, 0], stats[:, 1], stats[:, 2], ratio, ratio_ci
    )
