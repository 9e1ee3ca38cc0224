"""Benchmark of the robustness check: default settings, every offline default domain.

Trains each offline reference domain (default variant, seed 0; not timed), then times
``audit.run(subject, checks=["robustness"])`` with the check's default settings
(256 rows, 5 severities, FGSM and PGD at 5 radii) with ``--threads`` torch threads,
median of ``--repeats``, and prints a table: per domain, seconds, corruptions, attacks
and the judged figures. Target: <= 20 s for every domain together on 2 cores.

Usage: ``.venv/bin/python benchmarks/bench_robustness.py [--threads 2] [--repeats 3]``
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

import audit


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    domains = [
        spec.name
        for spec in audit.list_domains()
        if not spec.online and spec.kind == "classifier"
    ]
    print(
        f"robustness check, default settings, {args.threads} torch threads, "
        f"median of {args.repeats}"
    )
    print(f"{'domain':<16} {'seconds':>8} {'corruptions':>11} {'attacks':>8}  judged")
    total = 0.0
    for name in domains:
        subject = audit.reference(name, seed=0)
        times, section = [], None
        for _ in range(args.repeats):
            start = time.perf_counter()
            section = audit.run(subject, checks=["robustness"]).section("robustness")
            times.append(time.perf_counter() - start)
        seconds = statistics.median(times)
        total += seconds
        corruptions = len(section.table("corruptions").rows)
        attacks = next((len(t.rows) for t in section.tables if t.id == "adversarial"), 0)
        judged = ", ".join(
            f"{m.key}={m.value:.3f} {m.verdict}"
            for m in section.metrics
            if m.threshold is not None and m.value is not None
        )
        print(f"{name:<16} {seconds:>8.2f} {corruptions:>11} {attacks:>8}  {judged}")
    print(f"{'total':<16} {total:>8.2f}  (target <= 20 s)")


if __name__ == "__main__":
    main()
