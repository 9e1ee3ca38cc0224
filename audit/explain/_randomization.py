"""The model-parameter randomization test of Adebayo et al. (2018), cascading and independent.

The layers holding parameters are put in forward order (one forward pass with
hooks) and cut into at most ``randomization_stages`` stages of consecutive layers
(one stage per layer for small models). Each layer is re-drawn once, from a seed
of its own (derived from the run's seed, so that it never repeats the draw of a
model built with ``torch.manual_seed(seed)``); then

- **cascading**: the top stage, then the top two, ... until every stage is
  re-drawn; after each step the method explains the same rows again;
- **independent**: one stage at a time, the others as trained.

The similarity is the Spearman rank correlation per row (the elements equal to
the baseline left out, e.g. padding), averaged over rows, of the signed maps
(Adebayo et al.'s "no abs" variant) and of |attribution|. A method whose maps
stay similar once the whole model is re-drawn does not explain what the model
learned. The signed figure is the judged one: |attribution| of a method that
multiplies by the input keeps the input's magnitude whatever the weights (two
unrelated random models' maps already agree at about 0.45 on standardised
features, 0.7 on digit images), while the signs follow the weights. For a map
that is never negative (Saliency, GradCAM) the two are the same. The top stage
alone is the first cascading step and is not computed twice.
"""

from __future__ import annotations

import copy
import dataclasses
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from audit.explain._methods import ExplainContext, MethodSpec, baseline_for

__all__ = ["FULL_DRAWS", "Randomization", "layer_stages", "randomization_test", "row_spearman"]

#: Independent re-draws of the whole model at the last cascading step, averaged: with
#: few features one draw's Spearman varies a lot from draw to draw (a linear model's
#: Saliency map is |w| in every row, so its rows share one draw's luck).
FULL_DRAWS = 3


@dataclass
class Randomization:
    """One method's randomization evidence; stages are listed from the top (output) down.

    ``cascade[j]``: mean Spearman after re-drawing ``stages[: j + 1]`` (the last step,
    every stage, averaged over :data:`FULL_DRAWS` independent draws);
    ``independent[j]``: after re-drawing ``stages[j]`` alone; ``rows``: per-row
    Spearman once every stage is re-drawn (the judged figure is their mean). These
    rank the signed attributions; ``abs_cascade`` and ``abs_independent`` rank
    |attribution| (the same for a method whose maps are never negative).
    """

    stages: list[str]
    cascade: list[float]
    independent: list[float]
    rows: np.ndarray
    abs_cascade: list[float] = dataclasses.field(default_factory=list)
    abs_independent: list[float] = dataclasses.field(default_factory=list)

    @property
    def full(self) -> float:
        """Mean Spearman once the whole model is re-drawn (the last cascading step)."""
        return self.cascade[-1]

    def interval(self, level: float = 0.95) -> list[float | None]:
        """Student-t interval of the mean per-row Spearman at the full cascade.

        Examples
        --------
        >>> r = Randomization(["fc"], [0.5], [0.5], np.array([0.4, 0.5, 0.6]))
        >>> [round(v, 3) for v in r.interval()]
        [0.252, 0.748]
        """
        from scipy.stats import t

        rho = self.rows[np.isfinite(self.rows)]
        if len(rho) < 2:
            return [None, None]
        half = t.ppf(0.5 + level / 2, len(rho) - 1) * rho.std(ddof=1) / np.sqrt(len(rho))
        return [float(rho.mean() - half), float(rho.mean() + half)]


def _layers(model: nn.Module) -> list[tuple[str, nn.Module]]:
    """Modules holding parameters of their own, as registered (in the user's model, named
    as there, when ``model`` is an output adapter)."""
    from audit._outputs import unwrapped

    model = unwrapped(model)
    return [
        (name or type(model).__name__, module)
        for name, module in model.named_modules()
        if next(module.parameters(recurse=False), None) is not None
    ]


def layer_stages(model: nn.Module, row: torch.Tensor, max_stages: int) -> list[list[str]]:
    """Names of the parameter-holding layers in stages, from the top (output) down.

    Forward order comes from hooks on one forward pass of ``row``; a layer the
    pass did not call (its parameters used by a parent) keeps its place after
    the layer registered before it.

    Examples
    --------
    >>> mlp = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    >>> layer_stages(mlp, torch.zeros(1, 3), 4)
    [['2'], ['0']]
    """
    layers = _layers(model)
    called: dict[str, int] = {}

    def seen(name: str):
        def hook(*_) -> None:  # a forward hook that returns None keeps the output
            called.setdefault(name, len(called))

        return hook

    hooks = [module.register_forward_hook(seen(name)) for name, module in layers]
    try:
        with torch.no_grad():
            model(row)
    finally:
        for hook in hooks:
            hook.remove()
    keys, last = [], -1.0
    for i, (name, _) in enumerate(layers):
        last = float(called[name]) if name in called else last + 1e-3
        keys.append((last, i))
    ordered = [layers[i][0] for _, i in sorted(keys)][::-1]  # top first
    parts = np.array_split(np.arange(len(ordered)), max(1, min(max_stages, len(ordered))))
    return [[ordered[i] for i in part] for part in parts if len(part)]


def _redraw(module: nn.Module) -> None:
    """Re-initialise a layer's own parameters as its constructor would (else N(0, σ))."""
    reset = getattr(module, "reset_parameters", None) or getattr(module, "_reset_parameters", None)
    if callable(reset):
        reset()
        return
    with torch.no_grad():
        for p in module.parameters(recurse=False):
            std = float(p.std()) if p.numel() > 1 else 0.0
            nn.init.normal_(p, 0.0, std if std > 0 else 0.02)


def _own(module: nn.Module) -> dict[str, torch.Tensor]:
    return {
        **{k: v.detach().clone() for k, v in module.named_parameters(recurse=False)},
        **{k: v.detach().clone() for k, v in module.named_buffers(recurse=False)},
    }


def _load(module: nn.Module, state: dict[str, torch.Tensor]) -> None:
    with torch.no_grad():
        for k, v in state.items():
            getattr(module, k).copy_(v)


def _seed(seed: int, i: int) -> int:
    return int(np.random.SeedSequence([seed, 0xAD3B, i]).generate_state(1)[0])


def row_spearman(a: np.ndarray, b: np.ndarray, varied: np.ndarray) -> np.ndarray:
    """Per-row Spearman correlation of ``a`` and ``b`` over the ``varied`` elements.

    Ties share their average rank, as in :func:`scipy.stats.spearmanr`; a row with
    fewer than three varied elements, or a constant map, gives NaN.

    Examples
    --------
    >>> a = np.array([[1.0, 2.0, 3.0, 9.0], [1.0, 2.0, 3.0, 4.0]])
    >>> b = np.array([[3.0, 2.0, 1.0, 0.0], [1.0, 3.0, 2.0, 4.0]])
    >>> row_spearman(a, b, np.array([[True, True, True, False], [True] * 4])).round(3).tolist()
    [-1.0, 0.8]
    """
    from scipy.stats import rankdata

    keep = varied.astype(bool)
    ra = rankdata(np.where(keep, a, np.nan), axis=1, nan_policy="omit")
    rb = rankdata(np.where(keep, b, np.nan), axis=1, nan_policy="omit")
    count = keep.sum(1)
    with np.errstate(invalid="ignore", divide="ignore"):
        ra = np.where(keep, ra - np.nanmean(ra, axis=1, keepdims=True), 0.0)
        rb = np.where(keep, rb - np.nanmean(rb, axis=1, keepdims=True), 0.0)
        rho = (ra * rb).sum(1) / np.sqrt((ra**2).sum(1) * (rb**2).sum(1))
    return np.where(count > 2, rho, np.nan)


def randomization_test(
    ctx: ExplainContext,
    spec: MethodSpec,
    X: torch.Tensor,
    target: torch.Tensor,
    attributions: np.ndarray,
    *,
    seed: int,
    max_stages: int = 3,
    to_units: Callable[[np.ndarray], np.ndarray] | None = None,
) -> Randomization | None:
    """Cascading and independent randomization of ``spec`` on the rows ``X``.

    None when the model has no parameters to re-draw (the test does not apply).

    ``attributions`` are the method's maps of ``X`` on the model as trained. The
    model is copied once (with the layers named in ``ctx.hints``, so a GradCAM
    layer follows the copy); layers are switched between their trained and
    re-drawn parameters in place. ``to_units`` maps ``(rows, elements)`` maps to the
    units compared (e.g. original features from encoded columns).
    """
    from audit.explain._trust import fixed_steps

    hinted = {k: v for k, v in ctx.hints.items() if isinstance(v, nn.Module)}
    model, hinted = copy.deepcopy((ctx.model, hinted))
    model.eval()
    stages = layer_stages(model, X[:1], max_stages)
    if not stages:  # a plain predict function: no parameters to re-draw
        return None
    modules = dict(_layers(model))
    trained = {name: _own(modules[name]) for stage in stages for name in stage}
    draws: list[dict[str, dict[str, torch.Tensor]]] = []
    with torch.random.fork_rng(devices=[]):
        for d in range(FULL_DRAWS):
            draws.append({})
            for i, name in enumerate(trained):
                torch.manual_seed(_seed(seed, i + 1000 * d))
                _redraw(modules[name])
                draws[d][name] = _own(modules[name])
    random_ctx = dataclasses.replace(
        ctx, model=model, settings=fixed_steps(ctx.settings), hints={**ctx.hints, **hinted}
    )
    n = len(X)

    def units(maps: np.ndarray) -> np.ndarray:
        flat = maps.reshape(n, -1)
        return flat if to_units is None else to_units(flat)

    original = units(attributions)
    # only the elements that differ from the baseline: padding is zero in both maps
    varied = (X.reshape(n, -1) != baseline_for(ctx, X).reshape(n, -1)).numpy()
    if to_units is not None:
        varied = np.ones(original.shape, dtype=bool)

    def similarity(randomized: set[str], draw: int = 0) -> tuple[np.ndarray, np.ndarray]:
        for name in trained:
            _load(modules[name], draws[draw][name] if name in randomized else trained[name])
        maps = units(spec.explain(random_ctx, X, target).attributions)
        signed = row_spearman(original, maps, varied)
        return signed, row_spearman(np.abs(original), np.abs(maps), varied)

    def mean(rho: np.ndarray) -> float:
        return float(np.nanmean(rho)) if np.isfinite(rho).any() else float("nan")

    cascade = [
        similarity({m for stage in stages[: j + 1] for m in stage}) for j in range(len(stages))
    ]
    independent = cascade[:1] + [similarity(set(stage)) for stage in stages[1:]]
    # the whole model re-drawn: the mean over independent draws, per row
    full = [cascade[-1]] + [similarity(set(trained), d) for d in range(1, FULL_DRAWS)]
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # rows with no finite value
        cascade[-1] = tuple(np.nanmean(np.stack(part), axis=0) for part in zip(*full, strict=True))
    return Randomization(
        [", ".join(stage) for stage in stages],
        [mean(signed) for signed, _ in cascade],
        [mean(signed) for signed, _ in independent],
        cascade[-1][0],
        [mean(absolute) for _, absolute in cascade],
        [mean(absolute) for _, absolute in independent],
    )
