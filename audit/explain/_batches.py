"""Attribution batches as tasks: every (method, batch of rows) here, or as Ray tasks.

:func:`attribute_batches` splits the audited rows into batches of ``batch_size`` (the
same batches in both engines) and runs ``spec.explain(ctx, X[a:b], target[a:b])`` for
every method and batch through :func:`audit.engines._tasks.map_tasks`: one after
another in this process (``"serial"``), or as Ray tasks that share the context (model,
baseline, background) and the rows through Ray's object store, each on one torch
thread. A batch's attributions depend on its rows, the context and the seed it
carries (GradientShap reseeds for each batch; Integrated Gradients doubles its steps
per batch), so both engines give the same bytes.

Two things depend on the process rather than on the batch: numpy's global random
state, which shap's KernelExplainer and GradientExplainer draw from without a seed.
With Ray, those batches run here, in the serial order, after the tasks:

* ``kernel_shap`` (:data:`GLOBAL_RNG`) runs here entirely;
* a ``shap`` batch whose DeepExplainer failed its additivity check and fell back to
  GradientExplainer (:func:`used_global_rng`) is computed again here.

Nothing else in this process draws from that state between the methods, so the
serial path's draws happen in the same order on the same state.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch

from audit.engines._tasks import engine_settings, map_tasks
from audit.explain._methods import ExplainContext, Explanation, MethodSpec
from audit.settings import EngineSettings

__all__ = ["GLOBAL_RNG", "attribute_batches", "batch_spans", "used_global_rng"]

#: Methods whose every batch draws from numpy's global random state: never a Ray task.
GLOBAL_RNG = ("kernel_shap",)
#: The note of a ``shap`` batch that fell back to GradientExplainer (global random state).
_FALLBACK = "used GradientExplainer"

#: ``progress(stage, step, total)``, as in :mod:`audit.explain._section`
Progress = Callable[[str, int, int], None]
#: One task: the method, and the first and past-the-last row of its batch.
Item = tuple[MethodSpec, int, int]


def batch_spans(n: int, batch_size: int) -> list[tuple[int, int]]:
    """``(start, stop)`` of each batch of ``n`` rows, ``batch_size`` at a time.

    Examples
    --------
    >>> batch_spans(10, 4)
    [(0, 4), (4, 8), (8, 10)]
    """
    return [(s, min(s + batch_size, n)) for s in range(0, n, batch_size)]


def used_global_rng(spec: MethodSpec, part: Explanation) -> bool:
    """Whether ``part`` (one batch of ``spec``) drew from numpy's global random state.

    Examples
    --------
    >>> from audit.explain._methods import METHODS
    >>> import numpy as np
    >>> used_global_rng(METHODS["shap"], Explanation(np.zeros(1), notes=["DeepExplainer"]))
    False
    >>> used_global_rng(METHODS["kernel_shap"], Explanation(np.zeros(1)))
    True
    """
    if spec.name in GLOBAL_RNG:
        return True
    return spec.name == "shap" and any(_FALLBACK in note for note in part.notes)


def _attribute(
    item: Item, ctx: ExplainContext, X: torch.Tensor, target: torch.Tensor
) -> Explanation:
    """One task: ``item``'s method on its batch of rows (module-level: Ray pickles it)."""
    spec, start, stop = item
    return spec.explain(ctx, X[start:stop], target[start:stop])


def attribute_batches(
    ctx: ExplainContext,
    X: torch.Tensor,
    target: torch.Tensor,
    methods: Sequence[MethodSpec],
    *,
    batch_size: int,
    engine: str | EngineSettings | None = None,
    progress: Progress | None = None,
) -> dict[str, list[Explanation]]:
    """Each method's explanation of every batch of ``X``, in the rows' order.

    Parameters
    ----------
    ctx : ExplainContext
        The model, baseline and background (one copy for all Ray tasks).
    X, target : Tensor
        The audited rows and the class explained for each.
    methods : sequence of MethodSpec
        In the order the serial path runs them.
    batch_size : int
        Rows per batch (per task), whatever the engine.
    engine : {"serial", "ray"} or EngineSettings, optional
        Where the batches run (default: here, one after another). Ray pays off when
        attribution is slow (Integrated Gradients doubling its steps, SHAP, occlusion
        on images), not for a few fast gradient batches: a task costs a few ms and
        each worker unpickles the model once per task.
    progress : callable, optional
        ``progress("attributions: <label>", i, len(methods))`` before method ``i``'s
        first batch runs (serial) or is submitted (Ray): the same calls in the same order.

    Returns
    -------
    dict
        Method name → its batches' :class:`~audit.explain._methods.Explanation`.

    Examples
    --------
    >>> from torch import nn
    >>> from audit.explain._methods import METHODS
    >>> from audit.settings import ExplainSettings
    >>> ctx = ExplainContext(nn.Linear(3, 2), torch.zeros(3), torch.zeros(4, 3),
    ...                      ExplainSettings(), "tabular")
    >>> parts = attribute_batches(ctx, torch.ones(5, 3), torch.ones(5, dtype=torch.int64),
    ...                           [METHODS["saliency"]], batch_size=2)
    >>> [p.attributions.shape for p in parts["saliency"]]
    [(2, 3), (2, 3), (1, 3)]
    """
    settings = engine_settings(engine)
    here = settings.name == "serial"
    spans = batch_spans(len(X), batch_size)
    order = {spec.name: i for i, spec in enumerate(methods)}
    items: list[Item] = [
        (spec, a, b) for spec in methods if here or spec.name not in GLOBAL_RNG for a, b in spans
    ]
    reported = 0

    def report_until(i: int) -> None:  # methods 1..i, each once, in order
        nonlocal reported
        while progress is not None and reported < i:
            reported += 1
            progress(f"attributions: {methods[reported - 1].label}", reported, len(methods))

    def on_start(index: int) -> None:
        spec, start, _ = items[index]
        if start == 0:
            report_until(order[spec.name] + 1)

    if here:  # exactly the loop the section always ran, on the caller's threads
        results = []
        for index, item in enumerate(items):
            on_start(index)
            results.append(_attribute(item, ctx, X, target))
    else:
        shared = (ctx, X, target)
        results = map_tasks(_attribute, items, engine=settings, shared=shared, on_start=on_start)
    report_until(len(methods))
    parts: dict[str, list[Explanation]] = {spec.name: [] for spec in methods}
    for (spec, _, _), part in zip(items, results, strict=True):
        parts[spec.name].append(part)
    if not here:  # what drew from this process's global random state, in the serial order
        for spec in methods:
            found = parts[spec.name]
            for k, (a, b) in enumerate(spans):
                if k == len(found):
                    found.append(spec.explain(ctx, X[a:b], target[a:b]))
                elif used_global_rng(spec, found[k]):
                    found[k] = spec.explain(ctx, X[a:b], target[a:b])
    return parts
