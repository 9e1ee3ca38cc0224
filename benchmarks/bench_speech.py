"""Benchmark of the speech domain: build and audit time, accuracy, localisation, fairness.

Builds the ``default`` and ``biased`` variants (seed 0) and audits them: the default
with every check (or those given), the biased one with the fairness check. Prints
JSON: wall and CPU seconds of the build and of each check, test accuracy, the
localisation lift of each explanation method, and both fairness verdicts with the
metrics that set them. Targets (2 idle cores): build <= 30 s, full audit of the
default <= 90 s end to end, accuracy >= 0.90, localisation lift >= 2 (HiResCAM and the
best-localising method), fairness not FAIL on default and FAIL on biased; the
``overfit`` variant's overfitting verdict FAIL.

Usage: ``.venv/bin/python benchmarks/bench_speech.py [--checks data performance ...]``
"""

from __future__ import annotations

import argparse
import json
import time

import audit


def _timed(call):
    wall, cpu = time.perf_counter(), time.process_time()
    value = call()
    return value, round(time.perf_counter() - wall, 2), round(time.process_time() - cpu, 2)


def _fairness(section) -> dict:
    judged = [m for m in section.metrics if m.verdict in ("warn", "fail")]
    return {
        "verdict": section.verdict,
        "setting": {
            f"{m.name}[{m.scope}]": {"value": m.value, "ci": m.ci, "verdict": m.verdict}
            for m in judged
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checks", nargs="*", default=None)
    args = parser.parse_args()
    report: dict = {}
    subject, wall, cpu = _timed(lambda: audit.reference("speech", seed=0))
    report["build"] = {"wall_s": wall, "cpu_s": cpu, "epochs": len(subject.history.records)}
    seconds: dict = {}

    def stage(name, status, took):
        if status != "start":
            seconds[name] = round(took, 2)

    result, wall, cpu = _timed(lambda: audit.run(subject, checks=args.checks, on_stage=stage))
    report["audit"] = {"wall_s": wall, "cpu_s": cpu, "checks_s": seconds}
    y = subject.y_test.numpy()
    report["test_accuracy"] = float((subject.predict_proba("test").argmax(1) == y).mean())
    ids = [s.id for s in result.sections]
    if "explainability" in ids:
        report["localisation_lift"] = {
            m.scope: round(m.value, 3)
            for m in result.section("explainability").metrics
            if m.name == "localisation_lift"
        }
        lifts = report["localisation_lift"]
        report["localises_best"] = max(lifts, key=lifts.get) if lifts else None
    if "fairness" in ids:
        report["fairness_default"] = _fairness(result.section("fairness"))
    biased, wall, cpu = _timed(lambda: audit.reference("speech", seed=0, variant="biased"))
    report["build_biased"] = {"wall_s": wall, "cpu_s": cpu}
    section = audit.run(biased, checks=["fairness"]).section("fairness")
    report["fairness_biased"] = _fairness(section)
    overfit, wall, cpu = _timed(lambda: audit.reference("speech", seed=0, variant="overfit"))
    performance = audit.run(overfit, checks=["performance"]).section("performance")
    report["overfit"] = {
        "build_wall_s": wall,
        "build_cpu_s": cpu,
        "accuracy_gap": round(performance.metric("accuracy_gap").value, 3),
        "verdict": performance.notes[0],
    }
    print(json.dumps(report, indent=2, default=float))


if __name__ == "__main__":
    main()
