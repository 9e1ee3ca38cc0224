"""Benchmark of the predictions mode at scale, side by side with a plain MetricFrame.

Measures, in one run on this machine, each in a fresh process (for its peak memory):

1. ``audit_predictions`` on 1,000,000 rows with two sensitive features (sex, and a
   numeric age that is binned), 1,000 bootstrap replicates, mitigation on: wall time
   and peak RSS. Targets: <= 30 s, <= 4 GB.
2. ``rai-audit predictions`` on the same rows read from a CSV file, end to end.
3. One plain fairlearn ``MetricFrame`` on the same rows: count, selection rate,
   accuracy, TPR, FPR, FNR by the two sensitive features. The ratio is (1) / (3).

Usage: ``.venv/bin/python benchmarks/bench_predictions.py [--rows 1000000]``
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHILD = r"""
import json, resource, sys, time
import numpy as np, pandas as pd
rows, mode = int(sys.argv[1]), sys.argv[2]
rng = np.random.default_rng(0)
sex = rng.choice(["female", "male"], rows, p=[0.4, 0.6])
age = rng.integers(18, 90, rows)
y = (rng.random(rows) < 0.6).astype(np.int64)
score = np.clip(0.3 + 0.35 * y + 0.1 * (sex == "male") + rng.normal(0, 0.2, rows), 0, 1)
income = rng.normal(50, 10, rows)
df = pd.DataFrame({"y": y, "score": score, "sex": sex, "age": age, "income": income})
t0 = time.perf_counter()
if mode == "audit":
    import audit
    result = audit.audit_predictions(df, y_true="y", y_score="score", sensitive=["sex", "age"])
    detail = {k: v["seconds"] for k, v in result.manifest["runtime"]["stages"].items()}
else:
    from fairlearn.metrics import (MetricFrame, count, false_negative_rate, false_positive_rate,
                                   selection_rate, true_positive_rate)
    from sklearn.metrics import accuracy_score
    metrics = {"count": count, "selection_rate": selection_rate, "accuracy": accuracy_score,
               "true_positive_rate": true_positive_rate, "false_positive_rate": false_positive_rate,
               "false_negative_rate": false_negative_rate}
    MetricFrame(metrics=metrics, y_true=y, y_pred=(score >= 0.5).astype(int),
                sensitive_features=df[["sex", "age"]])
    detail = {}
seconds = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "peak_rss_mb": peak, "detail": detail}))
"""


def child(rows: int, mode: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(rows), mode], capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def cli(rows: int) -> float:
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    y = (rng.random(rows) < 0.6).astype(np.int64)
    sex = rng.choice(["female", "male"], rows, p=[0.4, 0.6])
    frame = pd.DataFrame(
        {
            "y": y,
            "score": np.clip(
                0.3 + 0.35 * y + 0.1 * (sex == "male") + rng.normal(0, 0.2, rows), 0, 1
            ).round(4),
            "sex": sex,
            "age": rng.integers(18, 90, rows),
        }
    )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "predictions.csv"
        frame.to_csv(path, index=False)
        command = [
            str(Path(sys.executable).parent / "rai-audit"),
            "predictions",
            str(path),
            "--y-true",
            "y",
            "--y-score",
            "score",
            "--sensitive",
            "sex",
            "--sensitive",
            "age",
            "--out",
            str(Path(folder) / "out"),
        ]
        t0 = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    ours = child(args.rows, "audit")
    end_to_end = cli(args.rows)
    plain = child(args.rows, "metricframe")
    report = {
        "rows": args.rows,
        "cpus": os.cpu_count(),
        "audit_predictions": {
            k: (round(v, 2) if isinstance(v, float) else v) for k, v in ours.items()
        },
        "cli_end_to_end_s": round(end_to_end, 2),
        "plain_metricframe": {
            k: (round(v, 2) if isinstance(v, float) else v) for k, v in plain.items()
        },
        "ratio_audit_over_metricframe": round(ours["seconds"] / plain["seconds"], 3),
        "targets": {"seconds": 30, "peak_rss_mb": 4096},
    }
    print(json.dumps(report, indent=2))
    ok = ours["seconds"] <= 30 and ours["peak_rss_mb"] <= 4096
    print("targets met" if ok else "TARGET MISSED", file=sys.stderr)


if __name__ == "__main__":
    main()
