"""Benchmark of the Ray engine: credit's shadow models, serial against Ray with 1 and 2 workers.

Measures, in one run on this machine (wall-clock seconds, since parallel work is the
point; every task on one torch thread, as the engine runs it):

1. ``ray.init`` on a local Ray with 2 CPUs, and the first (cold) call with 2 workers:
   Ray starts its worker processes, and each imports torch and the trainers once.
2. Warm calls, interleaved so that the machine's other load falls on all alike:
   :func:`audit.privacy.shadow_scores` on credit's train ∪ test rows with ``--shadows``
   shadow models (default 4, the check's default, and 16), serially and as Ray tasks
   at most 1 and 2 at a time. Median of ``--runs``; each ratio is Ray ÷ serial.
3. That the scores are the same bytes on every path.
4. The cost of one empty Ray task (submit, run, return), for the N-node estimate in
   ``docs/engines.md``.

Usage: ``.venv/bin/python benchmarks/bench_ray.py [--runs 3] [--shadows 4 16] [--json out.json]``
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time

import numpy as np
import torch

import audit
from audit.engines._tasks import map_tasks
from audit.privacy import shadow_scores
from audit.settings import EngineSettings

PATHS = {
    "serial": EngineSettings(),
    "ray, 1 worker": EngineSettings(name="ray", workers=1),
    "ray, 2 workers": EngineSettings(name="ray", workers=2),
}


def _nothing(item: int) -> int:
    return item


def _timed(fn) -> tuple[float, object]:
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--shadows", type=int, nargs="+", default=[4, 16])
    parser.add_argument("--json", default=None, help="also write the numbers here")
    args = parser.parse_args()

    import ray

    subject = audit.reference("credit")
    X = torch.cat([subject.X_train, subject.X_test])
    y = torch.cat([subject.y_train, subject.y_test])
    trainer = subject.training.trainer
    report: dict = {"rows": int(X.shape[0]), "cpus": os.cpu_count(), "ray": ray.__version__}

    init, _ = _timed(lambda: ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False))
    cold, _ = _timed(lambda: shadow_scores(trainer, X, y, k=2, engine=PATHS["ray, 2 workers"]))
    report["ray_init_s"], report["first_call_2_shadows_s"] = round(init, 2), round(cold, 2)
    print(f"ray.init (local, 2 CPUs): {init:.2f} s; first call (2 shadows, cold workers): "
          f"{cold:.2f} s")  # fmt: skip

    times: dict[tuple[int, str], list[float]] = {}
    scores: dict[tuple[int, str], np.ndarray] = {}
    for _ in range(args.runs):
        for k in args.shadows:
            for name, engine in PATHS.items():
                seconds, (_, values) = _timed(
                    lambda k=k, engine=engine: shadow_scores(trainer, X, y, k=k, engine=engine)
                )
                times.setdefault((k, name), []).append(seconds)
                scores[(k, name)] = values

    print(f"\ncredit, {X.shape[0]} rows, median of {args.runs} warm runs (wall s):")
    print(f"{'shadows':>8} {'path':<16} {'seconds':>8} {'÷ serial':>9} {'per shadow':>11}")
    report["shadows"] = []
    for k in args.shadows:
        serial = statistics.median(times[(k, "serial")])
        for name in PATHS:
            median = statistics.median(times[(k, name)])
            same = bool(np.array_equal(scores[(k, name)], scores[(k, "serial")]))
            print(f"{k:>8} {name:<16} {median:>8.2f} {median / serial:>9.2f} {median / k:>11.3f}"
                  + ("" if same else "  DIFFERENT SCORES"))  # fmt: skip
            report["shadows"].append(
                {"k": k, "path": name, "seconds": round(median, 3),
                 "ratio": round(median / serial, 3), "same_scores": same}
            )  # fmt: skip

    rounds = 200
    empty, _ = _timed(lambda: map_tasks(_nothing, range(rounds), engine=PATHS["ray, 2 workers"]))
    report["empty_task_ms"] = round(1000 * empty / rounds, 2)
    print(f"\nan empty Ray task (2 at a time, {rounds} tasks): {1000 * empty / rounds:.2f} ms each")
    ray.shutdown()
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(report, handle, indent=2)


if __name__ == "__main__":
    main()
