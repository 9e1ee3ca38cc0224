"""Benchmark of the credit domain: end to end, and the fairness check's overhead.

Measures, in one run on this machine:

1. ``rai-audit run credit`` end to end (a fresh process each time: imports, training,
   checks, report), median of ``--runs`` runs. Target: <= 20 s wall on 2 cores.
2. The fairness check's group metrics and disparities (bootstrap, intersection and
   mitigation off) against direct fairlearn ``MetricFrame`` calls with the same nine
   metrics on the same predictions, one per sensitive feature, interleaved, median of
   ``--repeats``. Target: overhead <= 1.1x. The full check (1,000 bootstrap replicates,
   the intersection, four ThresholdOptimizer fits) is timed too.

Usage: ``.venv/bin/python benchmarks/bench_credit.py [--runs 3] [--repeats 200]``
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def end_to_end(runs: int) -> list[float]:
    cli = Path(sys.executable).parent / "rai-audit"
    times = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as out:
            t0 = time.perf_counter()
            subprocess.run(
                [str(cli), "run", "credit", "--out", out], check=True, capture_output=True
            )
            times.append(time.perf_counter() - t0)
    return times


def fairness_overhead(repeats: int) -> dict[str, float]:
    """The fairness check's group metrics against direct MetricFrame calls, same metrics."""
    import numpy as np
    from fairlearn.metrics import MetricFrame

    import audit
    from audit.checks import _fairness
    from audit.config import FairnessSettings
    from audit.fairness import _rates

    subject = audit.reference("credit", seed=0)
    y_true = subject.y_test.numpy()
    y_pred = subject.predict_proba("test").argmax(axis=1)  # cached: both sides share it
    columns = [subject.sensitive_test[c].astype(str).to_numpy() for c in subject.sensitive_test]
    core = FairnessSettings(n_bootstrap=0, mitigation=False, intersection=False)
    weights = np.ones(len(y_true))
    params = {name: {"sample_weight": weights} for name in _rates._METRICS}

    def direct() -> None:  # the same nine metrics, on the rows, one frame per feature
        for groups in columns:
            MetricFrame(
                metrics=_rates._METRICS,
                y_true=y_true,
                y_pred=y_pred,
                sensitive_features=groups,
                sample_params=params,
            )

    def check() -> None:
        _fairness.run(subject, core)

    def full() -> None:
        _fairness.run(subject, FairnessSettings())

    for warm in (direct, check, full):
        warm()
    ours, theirs, whole = [], [], []
    for i in range(repeats):
        for fn, bucket in ((check, ours), (direct, theirs)):
            t0 = time.perf_counter()
            fn()
            bucket.append(time.perf_counter() - t0)
        if i < 10:
            t0 = time.perf_counter()
            full()
            whole.append(time.perf_counter() - t0)
    check_s, direct_s = statistics.median(ours), statistics.median(theirs)
    return {
        "check_ms": check_s * 1e3,
        "metricframe_ms": direct_s * 1e3,
        "ratio": check_s / direct_s,
        "full_check_ms": statistics.median(whole) * 1e3,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=200)
    args = parser.parse_args()

    e2e = end_to_end(args.runs)
    fair = fairness_overhead(args.repeats)
    report = {
        "cpus": os.cpu_count(),
        "end_to_end_s": {"median": statistics.median(e2e), "runs": [round(t, 2) for t in e2e]},
        "end_to_end_target_s": 20.0,
        "fairness": {k: round(v, 3) for k, v in fair.items()},
        "fairness_target_ratio": 1.1,
    }
    print(json.dumps(report, indent=2))
    ok = report["end_to_end_s"]["median"] <= 20.0 and fair["ratio"] <= 1.1
    print("targets met" if ok else "TARGET MISSED", file=sys.stderr)


if __name__ == "__main__":
    main()
