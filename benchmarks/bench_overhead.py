"""Overhead of the suite's attributions over direct captum calls on the same rows and steps.

For a trained reference model (default: driving, a residual CNN on 64×64 frames), the
suite attributes ``--rows`` test rows with each image method through its own path
(:func:`audit.explain._section.context` and :func:`audit.explain._batches.attribute_batches`:
model adaptation, baselines, batching, output checks, Integrated Gradients' completeness
check at fixed steps) and then the same rows with captum called directly with the same
arguments, the same batches and the same steps. Both run ``--repeats`` times in turn in
one process (after a warm-up); the medians and their ratio are printed per method and in
all. Target (issue 15): the suite ≤ 1.1× direct captum.

Usage: ``.venv/bin/python benchmarks/bench_overhead.py [--domain driving] [--rows 64]
[--repeats 5]``
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import torch

import audit
from audit.explain._batches import attribute_batches
from audit.explain._methods import baseline_for, methods_for
from audit.explain._section import context
from audit.settings import ExplainSettings

METHODS = ["saliency", "integrated_gradients", "gradient_shap", "occlusion", "gradcam", "hirescam"]


def direct(name: str, ctx, X: torch.Tensor, target: torch.Tensor, s: ExplainSettings):
    """The captum call the suite makes for ``name``, with the same arguments."""
    from captum import attr as ca

    model = ctx.model
    if name == "saliency":
        return ca.Saliency(model).attribute(X, target=target, abs=True)
    if name == "integrated_gradients":
        return ca.IntegratedGradients(model).attribute(
            X, baselines=baseline_for(ctx, X), target=target, n_steps=s.ig_steps,
            internal_batch_size=s.batch_size * 8, return_convergence_delta=True,
        )
    if name == "gradient_shap":
        np.random.seed(0)
        return ca.GradientShap(model).attribute(
            X, baselines=ctx.background, n_samples=16, stdevs=0.0, target=target
        )
    if name == "occlusion":
        h, w = max(2, X.shape[2] // 8), max(2, X.shape[3] // 8)
        return ca.Occlusion(model).attribute(
            X, sliding_window_shapes=(X.shape[1], h, w),
            strides=(X.shape[1], max(1, h // 2), max(1, w // 2)),
            baselines=baseline_for(ctx, X), target=target, perturbations_per_eval=32,
        )
    layer = ctx.hints["gradcam_layer"]
    if name == "gradcam":
        cam = ca.LayerGradCam(model, layer).attribute(X, target=target, relu_attributions=True)
    else:
        cam = torch.relu(
            ca.LayerGradientXActivation(model, layer).attribute(X, target=target).sum(1, True)
        )
    return ca.LayerAttribution.interpolate(cam, tuple(X.shape[2:]), interpolate_mode="bilinear")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--domain", default="driving")
    parser.add_argument("--rows", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    torch.set_num_threads(2)
    subject = audit.reference(args.domain, seed=0)
    settings = ExplainSettings(n_samples=args.rows, ig_max_steps=50)  # fixed steps: like for like
    ctx = context(subject, settings, seed=0)
    X = subject.X_test[: args.rows]
    with torch.no_grad():
        target = ctx.model(X).argmax(1)
    methods = methods_for(subject.modality, METHODS)
    times: dict[str, dict[str, list[float]]] = {m: {"suite": [], "captum": []} for m in METHODS}
    size = settings.batch_size
    spans = [(i, min(i + size, len(X))) for i in range(0, len(X), size)]
    for repeat in range(args.repeats + 1):  # the first round warms up
        for spec in methods:
            start = time.perf_counter()
            attribute_batches(ctx, X, target, [spec], batch_size=settings.batch_size)
            suite = time.perf_counter() - start
            start = time.perf_counter()
            for a, b in spans:
                direct(spec.name, ctx, X[a:b], target[a:b], settings)
            captum = time.perf_counter() - start
            if repeat:
                times[spec.name]["suite"].append(suite)
                times[spec.name]["captum"].append(captum)
    print(f"{args.domain}: {args.rows} rows, median of {args.repeats}, 2 torch threads")
    print(f"{'method':<22} {'suite s':>8} {'captum s':>9} {'ratio':>6}")
    total = {"suite": 0.0, "captum": 0.0}
    for name, t in times.items():
        suite, captum = statistics.median(t["suite"]), statistics.median(t["captum"])
        total["suite"] += suite
        total["captum"] += captum
        print(f"{name:<22} {suite:>8.3f} {captum:>9.3f} {suite / captum:>6.3f}")
    ratio = total["suite"] / total["captum"]
    both = f"{total['suite']:>8.3f} {total['captum']:>9.3f}"
    print(f"{'all':<22} {both} {ratio:>6.3f}  (target ≤ 1.1)")


if __name__ == "__main__":
    main()
