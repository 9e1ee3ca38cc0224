"""Benchmark of the privacy audit: DP-SGD vs non-private training, and the attacks.

Measures, in one run on this machine (CPU):

1. Training time of the credit MLP (German credit, 700 rows) and of a small CNN
   (Conv2d–GroupNorm–ReLU ×2, Linear; sklearn's 8×8 digits) with the same recipe:
   non-private :func:`audit.training.fit` against :func:`audit.privacy.fit_private` at
   target ε = 3 (opacus's noise search included) and at the σ that search found (the
   DP loop alone). Median of ``--runs``, interleaved.
2. Per-epoch time of each grad-sample mode (hooks, ew, functorch, ghost) on both
   models: the slope between a 2-epoch and a 12-epoch run, DP ÷ non-private.
3. The privacy check on the credit reference model with the default number of shadow
   models (loss-threshold attack and offline LiRA).

Times are CPU seconds of this process (``time.process_time``) with ``--threads``
torch threads (default 1): wall time on a shared 2-core machine varies too much.

Usage: ``.venv/bin/python benchmarks/bench_privacy.py [--runs 3] [--threads 1] [--no-modes]``
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
import warnings
from collections.abc import Callable

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


def training(runs: int) -> dict[str, dict[str, float]]:
    from audit.privacy import fit_private

    out = {}
    for name, (factory, X, y, recipe) in families().items():
        target = PrivacySettings(epsilon=3.0)
        sigma = fit_private(_model(factory), (X, y), recipe=recipe, settings=target).record
        fixed = PrivacySettings(noise_multiplier=sigma["noise_multiplier"])
        times: dict[str, list[float]] = {"plain": [], "dp_target_epsilon": [], "dp_fixed_sigma": []}
        for _ in range(runs):
            times["plain"].append(_seconds(fit, _model(factory), (X, y), recipe=recipe))
            times["dp_target_epsilon"].append(
                _seconds(fit_private, _model(factory), (X, y), recipe=recipe, settings=target)
            )
            times["dp_fixed_sigma"].append(
                _seconds(fit_private, _model(factory), (X, y), recipe=recipe, settings=fixed)
            )
        med = {k: round(statistics.median(v), 3) for k, v in times.items()}
        out[name] = {
            **med,
            "ratio_target_epsilon": round(med["dp_target_epsilon"] / med["plain"], 2),
            "ratio_fixed_sigma": round(med["dp_fixed_sigma"] / med["plain"], 2),
            "epsilon": round(sigma["epsilon"], 3),
            "noise_multiplier": round(sigma["noise_multiplier"], 3),
            "grad_sample_mode": sigma["grad_sample_mode"],
            "epochs": recipe.epochs,
            "rows": int(X.shape[0]),
        }
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


def attacks() -> dict[str, float]:
    """The privacy check on the credit reference model, with a trainer for LiRA."""
    import audit
    from audit.domains._credit import DEFAULT_RECIPE
    from audit.models import MLP
    from audit.privacy import make_trainer
    from audit.privacy._section import run

    subject = audit.reference("credit", seed=0)
    n_features = subject.X_train.shape[1]
    settings = PrivacySettings(seed=0)
    trainer = subject.metadata.pop("trainer", None)  # the domain's own, when it sets one
    loss_only = _seconds(run, subject, settings)
    subject.metadata["trainer"] = trainer or make_trainer(
        lambda: MLP(n_features, 2, hidden=(32, 16), dropout=0.1), DEFAULT_RECIPE
    )
    start, cpu = time.perf_counter(), time.process_time()
    section = run(subject, settings)
    with_lira, wall = time.process_time() - cpu, time.perf_counter() - start
    return {
        "shadow_models": settings.shadow_models,
        "loss_attack_only_s": round(loss_only, 3),
        "with_lira_s": round(with_lira, 3),
        "with_lira_wall_s": round(wall, 3),
        **{m.key: round(m.value, 3) for m in section.metrics if m.name == "mia_auc"},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--no-modes", action="store_true", help="skip the grad-sample modes")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    warnings.simplefilter("ignore")
    result = {
        "threads": args.threads,
        "clock": "process CPU seconds",
        "training": training(args.runs),
        "attacks": attacks(),
    }
    if not args.no_modes:
        result["grad_sample_modes"] = modes(args.runs)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
