"""Benchmark of a torchvision-sized network under the compute budget (issue 15).

``torchvision.models.resnet18(weights=None, num_classes=10)`` at 224×224 (about 1.8
GFLOPs per image), 512 generated test images and 1,024 training rows, every default
check, through ``audit.run``: once under the default budget, once with ``budget_s=120``.
Prints per check the seconds as run and as estimated, what the budget scaled, the peak
memory, in one run, side by side.

torchvision does not install beside this project's CPU torch 2.13 (see the machine's
notes): run it from a separate environment with torch 2.14.1 and torchvision 0.29.1,
and this package installed without dependencies::

    python3 -m venv /tmp/tv && /tmp/tv/bin/pip install torch==2.14.1 torchvision==0.29.1
    /tmp/tv/bin/pip install captum shap fairlearn opacus pandas scikit-learn scipy \\
        statsmodels matplotlib jinja2 typer rich pydantic pyyaml duckdb
    /tmp/tv/bin/pip install --no-deps -e .
    /tmp/tv/bin/python benchmarks/bench_resnet.py [--budgets default 120]
"""

from __future__ import annotations

import argparse
import resource
import time

import torch

import audit
from audit.config import DEFAULT_BUDGET_S


def images(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Ten classes of coloured stripes at ten orientations-and-frequencies, with noise."""
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, 10, (n,), generator=g)
    grid = torch.linspace(-1, 1, 224)
    yy, xx = torch.meshgrid(grid, grid, indexing="ij")
    angle = (y.float() * 0.314)[:, None, None]
    wave = torch.sin((xx * torch.cos(angle) + yy * torch.sin(angle)) * (4 + y[:, None, None]))
    X = torch.randn((n, 3, 224, 224), generator=g).mul_(0.1)  # in place: one full-size copy
    X.add_(wave[:, None].mul_(0.25).add_(0.5)).clamp_(0, 1)
    return X, y


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budgets", nargs="+", default=["default", "120"])
    parser.add_argument("--test-rows", type=int, default=512)
    args = parser.parse_args()
    import torchvision

    torch.manual_seed(0)
    model = torchvision.models.resnet18(weights=None, num_classes=10).eval()
    train, test = images(1024, 0), images(args.test_rows, 1)
    subject = audit.Subject(model, train, test, modality="image", seed=0)
    for budget in args.budgets:
        seconds = DEFAULT_BUDGET_S if budget == "default" else float(budget)
        start = time.perf_counter()
        result = audit.run(subject, config={"seed": 0}, budget_s=seconds)
        wall = time.perf_counter() - start
        plan = result.manifest["runtime"]["budget"]
        stages = result.manifest["runtime"]["stages"]
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"\nbudget {seconds:g} s ({budget}): {wall:.0f} s wall, peak RSS {peak:.0f} MB")
        print(f"  forward pass {plan['workload']['pass_seconds'] * 1e3:.1f} ms per image, "
              f"{plan['workload']['flops_per_example'] / 1e9:.2f} GFLOPs")
        for name, est in plan["estimates_s"].items():
            ran = stages.get(name, {}).get("seconds", float("nan"))
            scaled = next((s for s in plan["scaled"] if s["check"] == name), None)
            after = f"{scaled['after_s']:.0f}" if scaled else f"{est:.0f}"
            changes = "; ".join(scaled["changes"]) if scaled else ""
            print(f"  {name:<15} ran {ran:7.1f} s  estimated {est:8.0f} → {after:>5} s  {changes}")


if __name__ == "__main__":
    main()
