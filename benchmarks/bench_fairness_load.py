"""Benchmark of the fairness audit under load (issue 20), old code and new side by side.

Each case runs in a fresh process (for its peak memory), through ``audit_predictions``;
imports happen before the clock starts:

a. ``rows``: 5,000,000 prediction rows, two sensitive features (sex; a numeric age cut
   into 4 quantile bins) and their intersection, default settings (mitigation on).
   Targets: <= 60 s, <= 3 GB peak RSS.
b. ``groups``: 500 groups of one sensitive feature (100,000 rows), fairness only, default
   settings with ``fairness.max_groups`` raised to 500. Target: <= 5 s for the fairness stage.
c. ``interrupt``: the ``groups`` case at 2,000 groups (``--interrupt-groups``), timed whole,
   then run again three times and sent SIGINT (Ctrl-C) at 30%, 60% and 90% of that time;
   printed: the most seconds from the signal to the ``KeyboardInterrupt`` reaching the
   caller, and to the process's end.
d. ``ids``: an ID column of 10,000 values passed as sensitive beside sex and age
   (100,000 rows, ``on_degenerate_group: warn``), new code only: seconds until refused.

The old code is a detached git worktree of ``--ref`` (``HEAD`` by default; made with
``git worktree add`` when ``--old-tree`` is missing); it has no ``max_groups`` setting.

Usage: ``.venv/bin/python benchmarks/bench_fairness_load.py [--rows 5000000] [--groups 500]
[--old-tree /tmp/oldfair] [--ref HEAD] [--skip-old] [--json]``
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, resource, signal, sys, time
signal.signal(signal.SIGINT, signal.default_int_handler)  # even if started in the background
import numpy as np, pandas as pd
mode, rows, groups = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
import audit
from audit.checks import get_check
rng = np.random.default_rng(0)
if mode == "rows":
    sex = rng.choice(["female", "male"], rows, p=[0.4, 0.6])
    age = rng.integers(18, 90, rows)
    y = (rng.random(rows) < 0.6).astype(np.int64)
    score = np.clip(0.3 + 0.35 * y + 0.1 * (sex == "male") + rng.normal(0, 0.2, rows), 0, 1)
    df = pd.DataFrame({"y": y, "score": score, "sex": sex, "age": age,
                       "income": rng.normal(50, 10, rows)})
    sensitive, config = ["sex", "age"], {}
elif mode == "ids":  # an ID column passed as sensitive, beside sex and age
    y = (rng.random(rows) < 0.5).astype(np.int64)
    df = pd.DataFrame({"y": y, "score": np.clip(0.3 + 0.4 * y + rng.normal(0, 0.2, rows), 0, 1),
                       "user_id": np.char.add("u", rng.integers(0, groups, rows).astype(str)),
                       "sex": rng.choice(["female", "male"], rows),
                       "age": rng.integers(18, 90, rows)})
    sensitive = ["user_id", "sex", "age"]
    config = {"checks": ["fairness"], "fairness": {"on_degenerate_group": "warn"}}
else:
    site = rng.integers(0, groups, rows)
    y = (rng.random(rows) < 0.3 + 0.4 * (site % 7) / 6).astype(np.int64)
    score = np.clip(0.25 + 0.4 * y + 0.05 * (site % 5) + rng.normal(0, 0.2, rows), 0, 1)
    df = pd.DataFrame({"y": y, "score": score, "site": np.char.add("site-", site.astype(str))})
    sensitive = ["site"]
    config = {"checks": ["fairness"], "fairness": {"on_degenerate_group": "warn"}}
    if "max_groups" in get_check("fairness").settings.model_fields:
        config["fairness"]["max_groups"] = max(groups, 200)
import audit.data._section, audit.fairness, fairlearn.postprocessing  # imports apart
import statsmodels.stats.proportion
print("ready", flush=True)
t0, cpu0 = time.perf_counter(), time.process_time()
try:
    result = audit.audit_predictions(df, y_true="y", y_score="score", sensitive=sensitive,
                                     config=config)
except KeyboardInterrupt:  # Ctrl-C: say when Python got control back
    print(json.dumps({"interrupted_at": time.monotonic()}), flush=True)
    sys.exit(130)
except audit.AuditInputError as error:  # refused: how fast, and what it said
    print(json.dumps({"seconds": time.perf_counter() - t0, "error": str(error),
                      "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
    sys.exit(0)
stages = {k: v["seconds"] for k, v in result.manifest["runtime"]["stages"].items()}
print(json.dumps({"seconds": time.perf_counter() - t0, "cpu_s": time.process_time() - cpu0,
                  "stages": stages,
                  "verdict": result.section("fairness").verdict,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def old_tree(path: Path, ref: str) -> Path:
    """Make ``path`` a detached git worktree of ``ref`` unless it exists; return it."""
    if not (path / "audit").is_dir():
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(path), ref],
            check=True,
            capture_output=True,
        )
    return path


def measure(tree: Path, mode: str, rows: int, groups: int) -> dict:
    """Run one case in a fresh process importing ``audit`` from ``tree``."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    done = subprocess.run(
        [sys.executable, "-c", CHILD, mode, str(rows), str(groups)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tree,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def interrupt(tree: Path, rows: int, groups: int, *, after: float) -> dict:
    """Ctrl-C ``after`` seconds into the audit: seconds until it is raised, and until exit.

    ``to_interrupt_s`` runs from the signal to the ``KeyboardInterrupt`` reaching the
    caller of ``audit_predictions``; ``to_exit_s`` to the end of the process. ``None``
    when the audit ended before the signal.
    """
    env = {**os.environ, "PYTHONPATH": str(tree)}
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, "groups", str(rows), str(groups)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
        cwd=tree,
    )
    assert child.stdout is not None
    child.stdout.readline()  # "ready": data built, audit starting
    time.sleep(after)
    sent = time.monotonic()
    child.send_signal(signal.SIGINT)
    out = child.stdout.read()
    child.wait()
    ended = time.monotonic()
    last = json.loads(out.strip().splitlines()[-1]) if out.strip() else {}
    if "interrupted_at" not in last:
        return {"to_interrupt_s": None, "to_exit_s": None}
    return {
        "to_interrupt_s": round(last["interrupted_at"] - sent, 2),
        "to_exit_s": round(ended - sent, 2),
    }


def interrupt_latency(tree: Path, rows: int, groups: int, *, fractions=(0.3, 0.6, 0.9)) -> dict:
    """Ctrl-C at fractions of the run's own length (measured first); the slowest answers."""
    whole = measure(tree, "groups", rows, groups)["seconds"]
    runs = [interrupt(tree, rows, groups, after=f * whole) for f in fractions]
    heard = [run for run in runs if run["to_interrupt_s"] is not None]
    return {
        "whole_s": round(whole, 2),
        "to_interrupt_s": max((run["to_interrupt_s"] for run in heard), default=None),
        "to_exit_s": max((run["to_exit_s"] for run in heard), default=None),
        "interrupted": len(heard),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--groups", type=int, default=500)
    parser.add_argument("--group-rows", type=int, default=100_000)
    parser.add_argument("--interrupt-groups", type=int, default=2_000)
    parser.add_argument("--old-tree", type=Path, default=Path("/tmp/oldfair"))
    parser.add_argument("--ref", default="HEAD")
    parser.add_argument("--skip-old", action="store_true", help="measure this tree only")
    parser.add_argument("--json", action="store_true", help="print JSON, not a table")
    args = parser.parse_args()
    trees = {"new": ROOT}
    if not args.skip_old:
        trees["old"] = old_tree(args.old_tree, args.ref)
    report: dict[str, dict] = {}
    for name, tree in trees.items():
        rows = measure(tree, "rows", args.rows, 2)
        groups = measure(tree, "groups", args.group_rows, args.groups)
        latency = interrupt_latency(tree, args.group_rows, args.interrupt_groups)
        # the old code runs the ID column for 14 CPU-minutes and more (issue 20): new only
        ids = measure(tree, "ids", args.group_rows, 10_000) if name == "new" else {}
        report[name] = {"rows": rows, "groups": groups, "interrupt": latency, "ids": ids}
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(
        f"{os.cpu_count()} CPUs; {args.rows:,} rows; {args.groups} groups of "
        f"{args.group_rows:,} rows; SIGINT at {args.interrupt_groups:,} groups"
    )
    print(f"{'case':<44}" + "".join(f"{name:>16}" for name in report))
    lines = {
        "a. rows: audit_predictions, s": lambda r: r["rows"]["seconds"],
        "a. rows: CPU time of the call, s": lambda r: r["rows"]["cpu_s"],
        "a. rows: fairness stage, s": lambda r: r["rows"]["stages"]["fairness"],
        "a. rows: peak RSS, MB": lambda r: r["rows"]["peak_rss_mb"],
        "b. groups: fairness stage, s": lambda r: r["groups"]["stages"]["fairness"],
        "b. groups: CPU time of the call, s": lambda r: r["groups"]["cpu_s"],
        "b. groups: peak RSS, MB": lambda r: r["groups"]["peak_rss_mb"],
        "c. 2,000 groups, whole audit, s": lambda r: r["interrupt"]["whole_s"],
        "c. Ctrl-C to KeyboardInterrupt, s": lambda r: r["interrupt"]["to_interrupt_s"],
        "c. Ctrl-C to process exit, s": lambda r: r["interrupt"]["to_exit_s"],
        "d. ID column refused after, s": lambda r: r["ids"].get("seconds"),
    }
    for label, get in lines.items():
        values = [get(r) for r in report.values()]
        print(
            f"{label:<44}"
            + "".join(f"{v:>16.2f}" if v is not None else f"{'-':>16}" for v in values)
        )
    new = report["new"]
    met = (
        new["rows"]["seconds"] <= 60
        and new["rows"]["peak_rss_mb"] <= 3072
        and new["groups"]["stages"]["fairness"] <= 5
    )
    if new["ids"].get("error"):
        print(f"d. {new['ids']['error']}")
    print("targets met" if met else "TARGET MISSED", file=sys.stderr)


if __name__ == "__main__":
    main()
