"""Benchmark of the Ray engine on credit: shadow models, attributions and the bootstrap.

Measures, in one run on this machine (wall-clock seconds, since parallel work is the
point; every task on one torch thread, as the engine runs it):

1. ``ray.init`` on a local Ray with 2 CPUs, and the first (cold) call with 2 workers:
   Ray starts its worker processes, and each imports torch and the trainers once.
2. Warm calls, interleaved so that the machine's other load falls on all alike:
   :func:`audit.privacy.shadow_scores` on credit's train ∪ test rows with ``--shadows``
   shadow models (default 4, the check's default, and 16), serially and as Ray tasks
   at most 1 and 2 at a time. Median of ``--runs``; each ratio is Ray ÷ serial.
3. That the scores are the same bytes on every path.
4. The explainability check's attributions (:func:`audit.explain._batches.attribute_batches`,
   every default tabular method on ``n_samples`` rows, default 256, in batches of 64),
   serially and as Ray tasks (2 workers): seconds, the ratio and that the bytes agree.
5. The performance bootstrap (:func:`audit.performance._intervals.bootstrap_scores`,
   1,000 replicates in chunks of 250) on credit's 300 test rows and on 5,000
   synthetic rows, serially and as Ray tasks.
6. The cost of one empty Ray task (submit, run, return), for the N-node estimate in
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


def _compare(label: str, runs: int, compute, same) -> dict:
    """Median seconds of ``compute(engine)`` per path (interleaved), ratio and sameness."""
    paths = {"serial": PATHS["serial"], "ray, 2 workers": PATHS["ray, 2 workers"]}
    compute(paths["ray, 2 workers"])  # warm: the workers import what the tasks need
    times: dict[str, list[float]] = {name: [] for name in paths}
    values: dict[str, object] = {}
    for _ in range(runs):
        for name, engine in paths.items():
            seconds, values[name] = _timed(lambda engine=engine: compute(engine))
            times[name].append(seconds)
    serial, ray_s = (statistics.median(times[name]) for name in paths)
    agree = same(values["serial"], values["ray, 2 workers"])
    print(f"{label:<44} serial {serial:>6.2f} s  ray {ray_s:>6.2f} s  ratio {ray_s / serial:>5.2f}"
          + ("" if agree else "  DIFFERENT"))  # fmt: skip
    return {"serial_s": round(serial, 3), "ray_2_workers_s": round(ray_s, 3),
            "ratio": round(ray_s / serial, 3), "same": agree}  # fmt: skip


def _attributions(subject: audit.Subject, runs: int, rows: int) -> dict:
    """Every default tabular method on ``rows`` test rows (batches of 64), serial vs Ray."""
    import warnings

    from audit._threads import one_thread
    from audit.explain._batches import attribute_batches
    from audit.explain._methods import methods_for
    from audit.explain._section import context
    from audit.settings import ExplainSettings

    settings = ExplainSettings(n_samples=rows)
    ctx = context(subject, settings)
    X = subject.X_test[:rows]
    target = torch.as_tensor(subject.predict_proba("test")[:rows].argmax(1))
    methods = methods_for(subject.modality)

    def compute(engine):
        with one_thread(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            parts = attribute_batches(
                ctx, X, target, methods, batch_size=settings.batch_size, engine=engine
            )
        return {k: np.concatenate([p.attributions for p in v]) for k, v in parts.items()}

    def same(a, b):
        return a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)

    print(f"\nattributions: {len(methods)} methods on {len(X)} rows, median of {runs} (wall s):")
    return {"rows": len(X), "methods": [m.name for m in methods],
            **_compare("attributions (explainability)", runs, compute, same)}  # fmt: skip


def _bootstrap(subject: audit.Subject, runs: int) -> dict:
    """1,000 bootstrap replicates of the performance scores, serial vs Ray."""
    from audit.performance._intervals import bootstrap_scores

    rng = np.random.default_rng(0)
    y_big = rng.integers(0, 2, 5000)
    p_big = np.clip(0.3 * y_big + 0.7 * rng.random(5000), 0, 1)
    cases = {
        "credit test rows": (subject.y_test.numpy(), subject.predict_proba("test")),
        "5,000 synthetic rows": (y_big, np.c_[1 - p_big, p_big]),
    }

    def same(a, b):
        return all(np.array_equal(a[k], b[k]) for k in a)

    print(f"\nperformance bootstrap, 1000 replicates, median of {runs} (wall s):")
    out = {}
    for label, (y, proba) in cases.items():

        def compute(engine, y=y, proba=proba):
            return bootstrap_scores(y, proba, n_boot=1000, seed=0, n_bins=10, engine=engine)

        out[label] = {"rows": len(y), **_compare(f"bootstrap, {label}", runs, compute, same)}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--shadows", type=int, nargs="+", default=[4, 16])
    parser.add_argument("--rows", type=int, default=256, help="rows the attributions explain")
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
    report["attributions"] = _attributions(subject, args.runs, args.rows)
    report["bootstrap"] = _bootstrap(subject, args.runs)
    report["empty_task_ms"] = round(1000 * empty / rounds, 2)
    print(f"\nan empty Ray task (2 at a time, {rounds} tasks): {1000 * empty / rounds:.2f} ms each")
    ray.shutdown()
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(report, handle, indent=2)


if __name__ == "__main__":
    main()
