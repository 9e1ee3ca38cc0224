"""Benchmark of the privacy audit: DP-SGD vs non-private training, and the attacks.

Measures, in one run on this machine (CPU):

1. The training stage of each reference domain as a user runs it: the domain's build
   (data, model, training with its own recipe and early stopping) without DP and with
   DP-SGD to ε = 3 (its DP recipe; the σ search and ε included, caches cleared).
   Then the cost of DP-SGD itself: the domain's model on its fitting rows with the
   domain's DP recipe (``PRIVATE_RECIPE``, early stopping off so both runs take the
   same epochs): non-private :func:`audit.training.fit` (the DP model's twin) against
   :func:`audit.privacy.fit_private` to a target ε = 3, whole calls: **cold** (the
   first call for these settings in the process: the σ search and the final ε by
   opacus's PRV accountant included), **warm** (σ and ε remembered, as for a repeated
   run) and at the σ found (fixed noise multiplier). Median of ``--runs``, interleaved.
2. Per-epoch time of each grad-sample mode (hooks, ew, functorch, ghost) on a small
   MLP and CNN: the slope between a 2-epoch and a 12-epoch run, DP ÷ non-private.
3. The privacy check (loss-threshold attack and offline LiRA with the default number
   of shadow models) on each reference domain's default model, wall and CPU time.
4. The search for σ at a target ε (PRV accountant) against opacus's own
   ``get_noise_multiplier``, for the sampling rates and epochs of the DP recipes.

Times are CPU seconds of this process (``time.process_time``) with ``--threads``
torch threads (default 1): wall time on a shared 2-core machine varies too much.

Usage: ``.venv/bin/python benchmarks/bench_privacy.py [--runs 3] [--threads 1]
[--domains credit medical vision sequence text] [--no-training] [--no-modes]
[--no-attacks]``
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
import warnings
from collections.abc import Callable
from dataclasses import replace

import torch
from torch import nn

from audit.config import PrivacySettings
from audit.training import Recipe, fit

MODES = ("hooks", "ew", "functorch", "ghost")


def small_cnn() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1),
        nn.GroupNorm(2, 8),
        nn.ReLU(),
        nn.Conv2d(8, 16, 3, stride=2, padding=1),
        nn.GroupNorm(4, 16),
        nn.ReLU(),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(16, 10),
    )


def families() -> dict[str, tuple[Callable[[], nn.Module], torch.Tensor, torch.Tensor, Recipe]]:
    from sklearn.datasets import load_digits

    from audit.datasets import german_credit
    from audit.models import MLP

    data = german_credit(seed=0)
    X = torch.tensor(data.X_train.to_numpy())
    y = torch.tensor(data.y_train.to_numpy())
    digits = load_digits()
    Xd = torch.tensor(digits.data / 16.0, dtype=torch.float32).reshape(-1, 1, 8, 8)
    yd = torch.tensor(digits.target)
    return {
        "credit_mlp": (
            lambda: MLP(X.shape[1], 2, hidden=(32, 16), dropout=0.1),
            X,
            y,
            Recipe(epochs=30, batch_size=64, lr=1e-2),
        ),
        "digits_cnn": (small_cnn, Xd, yd, Recipe(epochs=10, batch_size=64, lr=1e-2)),
    }


def _seconds(call: Callable[..., object], *args: object, **kwargs: object) -> float:
    start = time.process_time()
    call(*args, **kwargs)
    return time.process_time() - start


def _model(factory: Callable[[], nn.Module]) -> nn.Module:
    torch.manual_seed(0)
    return factory()


def training(domains: list[str], runs: int) -> dict[str, dict[str, float]]:
    """Non-private vs DP-SGD training of each domain's model with its DP recipe."""
    import audit
    from audit.config import TrainingConfig
    from audit.domains._context import BuildRecord
    from audit.privacy import _accounting, fit_private

    out = {}
    for name in domains:
        subject = audit.reference(name, seed=0)
        factory = subject.training.model_factory
        spec = audit.domains.get_domain(name)
        recipe = replace(spec.variant("default").private_recipe, patience=None)
        X, y = subject.X_train, subject.y_train
        target = PrivacySettings(epsilon=3.0)
        times: dict[str, list[float]] = {k: [] for k in ("plain", "cold", "warm", "fixed")}
        sigma: dict = {}
        for _ in range(runs):
            times["plain"].append(_seconds(fit, _model(factory), (X, y), recipe=recipe))
            _accounting._search.cache_clear()
            _accounting._epsilon.cache_clear()
            start = time.process_time()
            sigma = fit_private(_model(factory), (X, y), recipe=recipe, settings=target).record
            times["cold"].append(time.process_time() - start)
            times["warm"].append(
                _seconds(fit_private, _model(factory), (X, y), recipe=recipe, settings=target)
            )
            fixed = PrivacySettings(noise_multiplier=sigma["noise_multiplier"])
            times["fixed"].append(
                _seconds(fit_private, _model(factory), (X, y), recipe=recipe, settings=fixed)
            )
        for _ in range(runs):
            start = time.process_time()
            spec.build(seed=0, training=TrainingConfig(), record=BuildRecord())
            times.setdefault("stage_plain", []).append(time.process_time() - start)
            _accounting._search.cache_clear()
            _accounting._epsilon.cache_clear()
            start = time.process_time()
            spec.build(
                seed=0,
                training=TrainingConfig(),
                privacy=PrivacySettings(dp=True, epsilon=3.0),
                record=BuildRecord(),
            )
            times.setdefault("stage_dp", []).append(time.process_time() - start)
        med = {k: round(statistics.median(v), 3) for k, v in times.items()}
        out[name] = {
            **med,
            "ratio_stage": round(med["stage_dp"] / med["stage_plain"], 2),
            "ratio_cold": round(med["cold"] / med["plain"], 2),
            "ratio_warm": round(med["warm"] / med["plain"], 2),
            "ratio_fixed_sigma": round(med["fixed"] / med["plain"], 2),
            "epsilon": round(sigma["epsilon"], 3),
            "noise_multiplier": round(sigma["noise_multiplier"], 3),
            "grad_sample_mode": sigma["grad_sample_mode"],
            "recipe": f"{recipe.epochs} epochs, batch {recipe.batch_size}, lr {recipe.lr:g}",
            "rows": int(X.shape[0]),
        }
        print(json.dumps({name: out[name]}), flush=True)
    return out


def modes(runs: int) -> dict[str, dict[str, float]]:
    """Per-epoch CPU time of each grad-sample mode ÷ non-private (slope from 2 to 12 epochs)."""
    from audit.privacy import fit_private

    out = {}
    for name, (factory, X, y, base) in families().items():
        times: dict[tuple[str, int], list[float]] = {}
        for _ in range(runs):
            for epochs in (2, 12):
                recipe = Recipe(epochs=epochs, batch_size=base.batch_size, lr=base.lr)
                times.setdefault(("plain", epochs), []).append(
                    _seconds(fit, _model(factory), (X, y), recipe=recipe)
                )
                for mode in MODES:
                    settings = PrivacySettings(noise_multiplier=1.0, grad_sample_mode=mode)
                    times.setdefault((mode, epochs), []).append(
                        _seconds(
                            fit_private, _model(factory), (X, y), recipe=recipe, settings=settings
                        )
                    )
        med = {key: statistics.median(v) for key, v in times.items()}
        per_epoch = {m: (med[(m, 12)] - med[(m, 2)]) / 10 for m in ("plain", *MODES)}
        out[name] = {
            "plain_s_per_epoch": round(per_epoch["plain"], 4),
            **{f"{m}_ratio": round(per_epoch[m] / per_epoch["plain"], 2) for m in MODES},
        }
    return out


def attacks(domains: list[str]) -> dict[str, dict[str, float]]:
    """The privacy check with its defaults on each domain's default model."""
    import audit
    from audit.privacy._section import run

    out = {}
    for name in domains:
        subject = audit.reference(name, seed=0)
        settings = PrivacySettings(seed=0)
        start, cpu = time.perf_counter(), time.process_time()
        section = run(subject, settings)
        out[name] = {
            "shadow_models": settings.shadow_models,
            "cpu_s": round(time.process_time() - cpu, 2),
            "wall_s": round(time.perf_counter() - start, 2),
            **{m.key: round(m.value, 3) for m in section.metrics if m.name == "mia_auc"},
        }
        print(json.dumps({name: out[name]}), flush=True)
    return out


def search(runs: int) -> dict[str, dict[str, float]]:
    """σ for a target ε with PRV: opacus's ``get_noise_multiplier`` vs ours, cold caches."""
    from opacus.accountants.utils import get_noise_multiplier

    from audit.privacy import _accounting

    settings = {  # the credit, medical, vision, sequence and text DP recipes (q, epochs)
        "q=1/3, 30 epochs": (1 / 3, 30),
        "q=1/5, 30 epochs": (1 / 5, 30),
        "q=1/4, 20 epochs": (1 / 4, 20),
        "q=1/9, 40 epochs": (1 / 9, 40),
        "q=1/8, 30 epochs": (1 / 8, 30),
    }
    out = {}
    for name, (q, epochs) in settings.items():
        kwargs = {"sample_rate": q, "epochs": epochs}
        ours, theirs = [], []
        for _ in range(runs):
            _accounting._search.cache_clear()
            _accounting._epsilon.cache_clear()
            start = time.process_time()
            sigma = _accounting.noise_for_epsilon(target_epsilon=3.0, delta=1e-4, **kwargs)
            ours.append(time.process_time() - start)
            start = time.process_time()
            reference = get_noise_multiplier(
                target_epsilon=3.0, target_delta=1e-4, accountant="prv", **kwargs
            )
            theirs.append(time.process_time() - start)
        a, b = statistics.median(ours), statistics.median(theirs)
        out[name] = {
            "ours_s": round(a, 3),
            "opacus_s": round(b, 3),
            "ratio": round(a / b, 2),
            "sigma_ours": round(sigma, 4),
            "sigma_opacus": round(reference, 4),
        }
        print(json.dumps({name: out[name]}), flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument(
        "--domains", nargs="+", default=["credit", "medical", "vision", "sequence", "text"]
    )
    parser.add_argument("--no-modes", action="store_true", help="skip the grad-sample modes")
    parser.add_argument("--no-attacks", action="store_true", help="skip the attack timings")
    parser.add_argument("--no-training", action="store_true", help="skip the domain training")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    warnings.simplefilter("ignore")
    result: dict[str, object] = {"threads": args.threads, "clock": "process CPU seconds"}
    if not args.no_training:
        result["training"] = training(args.domains, args.runs)
    result["noise_search"] = search(args.runs)
    if not args.no_attacks:
        result["attacks"] = attacks(args.domains)
    if not args.no_modes:
        result["grad_sample_modes"] = modes(args.runs)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
