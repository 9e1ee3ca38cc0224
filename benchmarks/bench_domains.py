"""Benchmark of the reference domains: training time and accuracy with their defaults.

Each domain trains in a fresh process (imports excluded from the training time) with
the default recipe and seed 0; the accuracy targets of the domains are printed beside.
Target: each default domain trains in <= 30 s on 2 cores.

Usage: ``.venv/bin/python benchmarks/bench_domains.py [--domains credit vision ...]``
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

import audit

CHILD = r"""
import json, sys, time
import audit
domain, variant = sys.argv[1], sys.argv[2]
t0 = time.perf_counter()
subject = audit.reference(domain, seed=0, variant=variant)
seconds = time.perf_counter() - t0
def acc(split):
    y = subject.split(split)[1].numpy()
    return float((subject.predict_proba(split).argmax(1) == y).mean())

print(json.dumps({"build_seconds": round(seconds, 2), "fit_seconds": subject.history.seconds,
                  "epochs": len(subject.history.records), "train_accuracy": round(acc("train"), 3),
                  "test_accuracy": round(acc("test"), 3)}))
"""

TARGETS = {"vision": 0.95, "sequence": 0.90, "text": 0.90}
DEFAULT = [spec.name for spec in audit.list_domains() if not spec.online]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--domains", nargs="*", default=DEFAULT)
    parser.add_argument("--variants", nargs="*", default=["default", "overfit"])
    args = parser.parse_args()
    report = {}
    for domain in args.domains:
        for variant in args.variants:
            done = subprocess.run(
                [sys.executable, "-c", CHILD, domain, variant], capture_output=True, text=True
            )
            if done.returncode != 0:
                report[f"{domain}/{variant}"] = {"error": done.stderr.strip().splitlines()[-1]}
                continue
            row = json.loads(done.stdout.strip().splitlines()[-1])
            row["accuracy_target"] = TARGETS.get(domain) if variant == "default" else None
            report[f"{domain}/{variant}"] = row
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
