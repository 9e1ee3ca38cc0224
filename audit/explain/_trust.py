"""Evidence that an explanation can be trusted: completeness, faithfulness, sanity, truth.

- completeness: the relative gap of Integrated Gradients (from captum's convergence delta);
- faithfulness: captum's ``infidelity`` and ``sensitivity_max``, and deletion/insertion
  curves compared with a random order;
- sanity: the model-parameter randomization test (Adebayo et al. 2018);
- ground truth: the share of attribution mass on planted evidence (localisation);
- agreement: Spearman correlations between the methods' global importances.
"""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from audit.explain._methods import ExplainContext, MethodSpec, baseline_for

__all__ = [
    "Curves",
    "agreement",
    "deletion_insertion",
    "infidelity_score",
    "localisation",
    "random_order_curves",
    "randomization_spearman",
    "rank_correlation",
    "sensitivity_score",
]


@dataclass
class Curves:
    """Mean target probability as the most important features are deleted or inserted."""

    fractions: np.ndarray
    deletion: np.ndarray
    insertion: np.ndarray
    random_deletion: np.ndarray
    random_insertion: np.ndarray

    @staticmethod
    def auc(curve: np.ndarray, fractions: np.ndarray) -> float:
        return float(np.trapezoid(curve, fractions))

    @property
    def deletion_gain(self) -> float:
        """How much faster the target probability falls than with a random order."""
        return self.auc(self.random_deletion, self.fractions) - self.auc(
            self.deletion, self.fractions
        )

    @property
    def insertion_gain(self) -> float:
        return self.auc(self.insertion, self.fractions) - self.auc(
            self.random_insertion, self.fractions
        )


def _probabilities(
    model: nn.Module, X: torch.Tensor, target: torch.Tensor, batch: int = 4096
) -> np.ndarray:
    out = []
    with torch.no_grad():
        for start in range(0, len(X), batch):
            logits = model(X[start : start + batch])
            out.append(
                torch.softmax(logits, 1).gather(1, target[start : start + batch, None])[:, 0]
            )
    return torch.cat(out).numpy()


def _positions(scores: np.ndarray) -> np.ndarray:
    """Per row, each feature's rank (0 = most important) by descending score."""
    order = np.argsort(-scores, axis=1, kind="stable")
    positions = np.empty_like(order)
    np.put_along_axis(positions, order, np.arange(scores.shape[1])[None, :], axis=1)
    return positions


def _order_curves(
    ctx: ExplainContext, X: torch.Tensor, target: torch.Tensor, positions: np.ndarray, steps: int
) -> tuple[np.ndarray, np.ndarray]:
    """Mean target probability as features are deleted / inserted in ``positions`` order."""
    n = len(X)
    flat_x = X.reshape(n, -1)
    flat_base = baseline_for(ctx, X).reshape(n, -1)
    deletion, insertion = [], []
    for fraction in np.linspace(0.0, 1.0, steps + 1):
        top = torch.as_tensor(positions < round(fraction * positions.shape[1]))
        deleted = torch.where(top, flat_base, flat_x).reshape(X.shape)
        inserted = torch.where(top, flat_x, flat_base).reshape(X.shape)
        deletion.append(_probabilities(ctx.model, deleted, target).mean())
        insertion.append(_probabilities(ctx.model, inserted, target).mean())
    return np.asarray(deletion), np.asarray(insertion)


def random_order_curves(
    ctx: ExplainContext, X: torch.Tensor, target: torch.Tensor, *, steps: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Deletion and insertion curves of a seeded random order (the same for every method)."""
    size = int(np.prod(X.shape[1:]))
    random_ranked = _positions(np.random.default_rng(seed).random((len(X), size)))
    return _order_curves(ctx, X, target, random_ranked, steps)


def deletion_insertion(
    ctx: ExplainContext,
    X: torch.Tensor,
    target: torch.Tensor,
    attributions: np.ndarray,
    *,
    steps: int,
    seed: int,
    random: tuple[np.ndarray, np.ndarray] | None = None,
) -> Curves:
    """Deletion and insertion curves of ``attributions`` and of a seeded random order.

    Features are the input's elements (pixels, time steps × channels, tokens); a
    deleted feature takes the baseline's value, an inserted one the input's.
    ``random``, the result of :func:`random_order_curves` for the same rows, steps
    and seed, saves computing the random order's curves again for each method.
    """
    n = len(X)
    scores = np.abs(attributions.reshape(n, -1))
    if scores.shape[1] != X.reshape(n, -1).shape[1]:  # token attributions of ids: same layout
        raise ValueError("attributions must have one value per input element")
    if random is None:
        random = random_order_curves(ctx, X, target, steps=steps, seed=seed)
    deletion, insertion = _order_curves(ctx, X, target, _positions(scores), steps)
    return Curves(np.linspace(0.0, 1.0, steps + 1), deletion, insertion, *random)


def fixed_steps(settings):
    """Settings whose Integrated Gradients keep their first step count (for repeated calls)."""
    return settings.model_copy(update={"ig_max_steps": settings.ig_steps})


def rank_correlation(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Spearman correlation of each row of ``a`` with the same row of ``b`` (NaN if constant)."""
    ra = _positions(-a).astype(np.float64)
    rb = _positions(-b).astype(np.float64)
    ra -= ra.mean(axis=1, keepdims=True)
    rb -= rb.mean(axis=1, keepdims=True)
    denom = np.sqrt((ra**2).sum(1) * (rb**2).sum(1))
    with np.errstate(invalid="ignore", divide="ignore"):
        rho = (ra * rb).sum(1) / denom
    constant = (a.std(axis=1) == 0) | (b.std(axis=1) == 0)
    return np.where(constant, np.nan, rho)


def randomization_spearman(
    ctx: ExplainContext,
    spec: MethodSpec,
    X: torch.Tensor,
    target: torch.Tensor,
    attributions: np.ndarray,
    *,
    seed: int,
) -> float:
    """Mean Spearman correlation between |attributions| of the model and of a re-initialised copy.

    Every layer with ``reset_parameters`` is re-drawn (cascading randomization of all
    layers at once). A method whose maps barely change is not explaining the weights.
    """
    modules = {k: v for k, v in ctx.hints.items() if isinstance(v, nn.Module)}
    model, modules = copy.deepcopy((ctx.model, modules))  # layer references follow the copy
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        for module in model.modules():
            if hasattr(module, "reset_parameters") and module is not model:
                module.reset_parameters()
    model.eval()
    random_ctx = dataclasses.replace(
        ctx, model=model, settings=fixed_steps(ctx.settings), hints={**ctx.hints, **modules}
    )
    randomized = spec.explain(random_ctx, X, target).attributions
    n = len(X)
    a, b = np.abs(attributions.reshape(n, -1)), np.abs(randomized.reshape(n, -1))
    # only the elements that differ from the baseline: padding is zero in both maps
    varied = (X.reshape(n, -1) != baseline_for(ctx, X).reshape(n, -1)).numpy()
    if varied.all():
        rho = rank_correlation(a, b)
    else:
        from scipy.stats import spearmanr

        rho = np.array(
            [
                spearmanr(a[i, v], b[i, v]).statistic if v.sum() > 2 else np.nan
                for i, v in enumerate(varied)
            ]
        )
    return float(np.nanmean(rho)) if np.isfinite(rho).any() else float("nan")


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
