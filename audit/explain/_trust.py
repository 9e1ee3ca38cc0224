"""Evidence that an explanation can be trusted: completeness, faithfulness, sanity, truth.

- completeness: the relative gap of Integrated Gradients (from captum's convergence delta);
- faithfulness: captum's ``infidelity`` and ``sensitivity_max``, and deletion/insertion
  curves against many random orders with a p-value (:mod:`audit.explain._faithfulness`);
- sanity: the model-parameter randomization test of Adebayo et al. (2018), cascading
  and independent (:mod:`audit.explain._randomization`);
- ground truth: the share of attribution mass on planted evidence (localisation);
- agreement: Spearman correlations between the methods' global importances.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import torch

from audit.explain._faithfulness import Curves, positions
from audit.explain._methods import ExplainContext, MethodSpec

__all__ = [
    "Curves",
    "agreement",
    "fixed_steps",
    "infidelity_score",
    "localisation",
    "rank_correlation",
    "sensitivity_score",
]


def fixed_steps(settings):
    """Settings whose Integrated Gradients keep their first step count (for repeated calls)."""
    return settings.model_copy(update={"ig_max_steps": settings.ig_steps})


def rank_correlation(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Spearman correlation of each row of ``a`` with the same row of ``b`` (NaN if constant)."""
    ra = positions(-a).astype(np.float64)
    rb = positions(-b).astype(np.float64)
    ra -= ra.mean(axis=1, keepdims=True)
    rb -= rb.mean(axis=1, keepdims=True)
    denom = np.sqrt((ra**2).sum(1) * (rb**2).sum(1))
    with np.errstate(invalid="ignore", divide="ignore"):
        rho = (ra * rb).sum(1) / denom
    constant = (a.std(axis=1) == 0) | (b.std(axis=1) == 0)
    return np.where(constant, np.nan, rho)


def infidelity_score(
    ctx: ExplainContext,
    X: torch.Tensor,
    target: torch.Tensor,
    attributions: np.ndarray,
    *,
    seed: int,
) -> float:
    """captum's ``infidelity`` with small Gaussian perturbations (mean over rows, normalised)."""
    from captum.metrics import infidelity

    scale = 0.1 * float(X.float().std()) or 0.1
    generator = torch.Generator().manual_seed(seed)

    def perturb(inputs: torch.Tensor):
        noise = torch.randn(inputs.shape, generator=generator) * scale
        return noise, inputs - noise

    values = infidelity(
        ctx.model,
        perturb,
        X,
        torch.as_tensor(attributions, dtype=X.dtype),
        target=target,
        n_perturb_samples=10,
        normalize=True,
    )
    return float(values.mean())


def sensitivity_score(
    ctx: ExplainContext, spec: MethodSpec, X: torch.Tensor, target: torch.Tensor
) -> float:
    """captum's ``sensitivity_max``: the largest change of the explanation under small noise."""
    from captum.metrics import sensitivity_max

    quick = dataclasses.replace(ctx, settings=fixed_steps(ctx.settings))

    def explain(inputs, target: torch.Tensor):
        packed = isinstance(inputs, tuple)  # captum passes a tuple of inputs
        tensor = inputs[0] if packed else inputs
        with torch.enable_grad():  # captum evaluates the explanation under no_grad
            out = torch.as_tensor(spec.explain(quick, tensor.detach(), target).attributions)
        return (out,) if packed else out

    torch.manual_seed(ctx.seed)
    values = sensitivity_max(explain, X, target=target, perturb_radius=0.02, n_perturb_samples=5)
    return float(values.mean())


def localisation(
    attributions: np.ndarray, truth: np.ndarray, valid: np.ndarray | None = None
) -> tuple[float, float]:
    """Mean share of |attribution| mass on the ground-truth elements, and the chance share.

    ``valid`` marks the elements that count (e.g. words, not padding or ``[CLS]``):
    the chance share is the ground truth's share of the valid elements.
    """
    n = len(attributions)
    mass = np.abs(attributions.reshape(n, -1))
    mask = truth.reshape(n, -1).astype(bool)
    valid = np.ones_like(mask) if valid is None else valid.reshape(n, -1).astype(bool)
    mass = np.where(valid, mass, 0.0)
    total = mass.sum(1)
    keep = total > 0
    share = (mass * mask).sum(1)[keep] / total[keep]
    chance = (mask & valid).sum(1)[keep] / valid.sum(1)[keep]
    return float(share.mean()), float(chance.mean())


def agreement(importances: dict[str, np.ndarray]) -> np.ndarray:
    """Spearman correlations between the methods' global importances (a square matrix)."""
    names = list(importances)
    stacked = np.stack([importances[n] for n in names])
    matrix = np.ones((len(names), len(names)))
    for i in range(len(names)):
        matrix[i] = rank_correlation(np.repeat(stacked[i : i + 1], len(names), 0), stacked)
    return matrix
