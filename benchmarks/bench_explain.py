"""Benchmark of the explainability audit.

Measures, in one run on this machine:

1. Integrated Gradients over N test rows of the credit model through the suite
   (``METHODS["integrated_gradients"]``, batched, with its completeness check) against
   a direct captum ``IntegratedGradients.attribute`` call with the same steps, baselines
   and ``internal_batch_size``, interleaved, median of ``--repeats``. Target: <= 1.1x.
2. Peak RSS of the suite's IG over 1k, 4k and 16k rows of a wider model, each in a fresh
   process: beyond one batch it should not grow with the number of rows explained
   (apart from the attributions kept, N x features floats).
3. The explainability section with its defaults on each reference domain given on the
   command line (default: credit). Target: <= 30 s per domain.

Usage: ``.venv/bin/python benchmarks/bench_explain.py [--domains credit vision ...]``
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time

MEMORY_CHILD = r"""
import resource, sys, torch
from audit.config import ExplainSettings
from audit.explain import METHODS, ExplainContext
n = int(sys.argv[1])
torch.manual_seed(0)
layers = [torch.nn.Linear(200, 512), torch.nn.ReLU(), torch.nn.Linear(512, 2)]
model = torch.nn.Sequential(*layers).eval()
settings = ExplainSettings(batch_size=64)
ctx = ExplainContext(model, torch.zeros(200), torch.zeros(8, 200), settings, "tabular")
X = torch.randn(n, 200)
target = torch.ones(n, dtype=torch.int64)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
for start in range(0, n, settings.batch_size):
    METHODS["integrated_gradients"].explain(ctx, X[start:start + 64], target[start:start + 64])
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(after - before, after)
"""


def ig_overhead(repeats: int) -> dict[str, float]:
    import torch
    from captum.attr import IntegratedGradients

    import audit
    from audit.config import ExplainSettings
    from audit.explain import METHODS
    from audit.explain._section import context

    subject = audit.reference("credit", seed=0)
    settings = ExplainSettings()
    ctx = context(subject, settings)
    X = subject.X_test
    target = torch.as_tensor(subject.predict_proba("test").argmax(1))
    batch = settings.batch_size

    def ours() -> None:
        for s in range(0, len(X), batch):
            METHODS["integrated_gradients"].explain(ctx, X[s : s + batch], target[s : s + batch])

    def direct() -> None:
        ig = IntegratedGradients(ctx.model)
        for s in range(0, len(X), batch):
            rows = X[s : s + batch]
            ig.attribute(
                rows,
                baselines=ctx.baseline.expand_as(rows),
                target=target[s : s + batch],
                n_steps=settings.ig_steps,
                internal_batch_size=batch * 8,
                return_convergence_delta=True,
            )

    ours(), direct()
    a, b = [], []
    for _ in range(repeats):
        for fn, bucket in ((ours, a), (direct, b)):
            t0 = time.perf_counter()
            fn()
            bucket.append(time.perf_counter() - t0)
    return {
        "rows": len(X),
        "suite_ms": statistics.median(a) * 1e3,
        "captum_ms": statistics.median(b) * 1e3,
        "ratio": statistics.median(a) / statistics.median(b),
    }


def memory() -> dict[str, float]:
    out = {}
    for n in (1000, 4000, 16000):
        done = subprocess.run(
            [sys.executable, "-c", MEMORY_CHILD, str(n)], capture_output=True, text=True, check=True
        )
        growth, peak = map(float, done.stdout.split())
        out[str(n)] = {"growth_mb": round(growth, 1), "peak_rss_mb": round(peak, 1)}
    return out


def section_times(domains: list[str]) -> dict[str, float]:
    import audit

    times = {}
    for domain in domains:
        subject = audit.reference(domain, seed=0)
        t0 = time.perf_counter()
        audit.run(subject, checks=["explainability"])
        times[domain] = round(time.perf_counter() - t0, 2)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--domains", nargs="*", default=["credit"])
    args = parser.parse_args()
    report = {
        "integrated_gradients": {k: round(v, 3) for k, v in ig_overhead(args.repeats).items()},
        "memory_by_rows": memory(),
        "section_seconds": section_times(args.domains),
        "targets": {"ratio": 1.1, "section_seconds": 30},
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
