"""Benchmark of the credit domain: end to end, and the fairness check's overhead.

Measures, in one run on this machine:

1. ``rai-audit run credit`` end to end (a fresh process each time: imports, training,
   checks, report), median of ``--runs`` runs: the comparable audit (performance,
   explainability, fairness, report; target <= 7 s) and the whole default audit (every
   check; target <= 12 s), side by side with the code of ``--old REV`` (default
   ``fe4cfe0``, before the verdicts of issue 13) checked out in a git worktree.
2. The fairness check's group metrics and disparities (intervals, intersection and
   mitigation off) against direct fairlearn ``MetricFrame`` calls with the same nine
   metrics on the same predictions, one per sensitive feature, interleaved, median of
   ``--repeats``. Target: overhead <= 1.1x. The full check (simultaneous intervals,
   the intersection, four ThresholdOptimizer fits) is timed too.

Usage: ``.venv/bin/python benchmarks/bench_credit.py [--runs 3] [--repeats 200] [--old REV]``
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


COMPARABLE = "checks: [performance, explainability, fairness]\n"


def end_to_end(runs: int, *, config: str = "", tree: Path | None = None) -> list[float]:
    """Seconds of ``rai-audit run credit`` in fresh processes (of the code in ``tree``)."""
    command = [sys.executable, "-c", "from audit.cli import main; main()"]
    env = dict(os.environ)
    if tree is not None:
        env["PYTHONPATH"] = str(tree)
    times = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as out:
            args = ["run", "credit", "--out", out]
            if config:
                path = Path(out) / "audit.yaml"
                path.write_text(config)
                args += ["--config", str(path)]
            t0 = time.perf_counter()
            subprocess.run(command + args, check=True, capture_output=True, env=env, cwd=out)
            times.append(time.perf_counter() - t0)
    return times


def old_tree(rev: str) -> Path:
    """A git worktree of ``rev`` (made once, reused)."""
    tree = Path(tempfile.gettempdir()) / f"rai-audit-{rev}"
    if not tree.exists():
        subprocess.run(
            ["git", "worktree", "add", "--detach", str(tree), rev],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
    return tree


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
    core = FairnessSettings(intervals=False, mitigation=False, intersection=False)
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
    parser.add_argument("--old", default="fe4cfe0", help="revision to compare with")
    args = parser.parse_args()

    old = old_tree(args.old)
    runs: dict[str, dict[str, list[float]]] = {"comparable": {}, "whole": {}}
    for _ in range(args.runs):  # interleaved, so that both see the same machine
        for name, config in (("comparable", COMPARABLE), ("whole", "")):
            for side, tree in (("new", None), ("old", old)):
                runs[name].setdefault(side, []).extend(end_to_end(1, config=config, tree=tree))
    fair = fairness_overhead(args.repeats)
    medians = {
        name: {side: round(statistics.median(v), 2) for side, v in sides.items()}
        for name, sides in runs.items()
    }
    for name in medians:
        medians[name]["new / old"] = round(medians[name]["new"] / medians[name]["old"], 2)
    report = {
        "cpus": os.cpu_count(),
        "end_to_end_median_s": medians,
        "end_to_end_runs_s": {
            name: {side: [round(t, 2) for t in v] for side, v in sides.items()}
            for name, sides in runs.items()
        },
        "targets_s": {"comparable": 7.0, "whole": 12.0},
        "fairness": {k: round(v, 3) for k, v in fair.items()},
        "fairness_target_ratio": 1.1,
    }
    print(json.dumps(report, indent=2))
    ok = (
        medians["comparable"]["new"] <= 7.0
        and medians["whole"]["new"] <= 12.0
        and fair["ratio"] <= 1.1
    )
    print("targets met" if ok else "TARGET MISSED", file=sys.stderr)


if __name__ == "__main__":
    main()
