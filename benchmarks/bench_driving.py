"""Benchmark of the driving domain: build and audit time, accuracy, localisation, fairness.

Builds the ``default`` model (seed 0), runs the whole audit on it, then builds the
``biased`` model and runs its fairness section; prints one JSON object. Times are
wall-clock seconds and process CPU seconds (on a shared machine the CPU seconds are
the steadier figure). Targets: build <= 30 s, audit end to end <= 90 s on 2 cores,
test accuracy >= 0.90, localisation lift >= 2 for the best-localising method (on this
model GradCAM and HiResCAM coincide: the last block feeds global average pooling and one
Linear layer, so their gradients are constant over the map),
fairness not FAIL on ``default`` and FAIL or WARN on the appearance FNR of ``biased``;
the ``overfit`` variant's overfitting verdict FAIL.

Usage: ``.venv/bin/python benchmarks/bench_driving.py [--seed 0] [--skip-audit]
[--methods gradcam integrated_gradients]`` (``--methods``: the explainability methods,
default all of the image methods).
"""

from __future__ import annotations

import argparse
import json
import time

import audit

FNR = "false_negative_rate_ratio[appearance]"


def _timed(call):
    wall, cpu = time.perf_counter(), time.process_time()
    out = call()
    return out, round(time.perf_counter() - wall, 2), round(time.process_time() - cpu, 2)


def _accuracy(subject) -> float:
    y = subject.y_test.numpy()
    return round(float((subject.predict_proba("test").argmax(1) == y).mean()), 4)


def _fairness(section) -> dict:
    metric = section.metric(FNR)
    return {
        "verdict": section.verdict,
        "fnr_ratio_appearance": round(metric.value, 3),
        "fnr_ratio_ci": metric.ci,
        "fnr_ratio_verdict": metric.verdict,
        "failing": sorted(f"{m.name}[{m.scope}]" for m in section.metrics if m.verdict == "fail"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--skip-audit", action="store_true", help="fairness section only")
    parser.add_argument("--methods", nargs="*", default=None, help="explainability methods")
    args = parser.parse_args()
    report: dict = {}
    subject, wall, cpu = _timed(lambda: audit.reference("driving", seed=args.seed))
    report["default"] = {
        "build_seconds": wall,
        "build_cpu_seconds": cpu,
        "epochs": len(subject.history.records),
        "test_accuracy": _accuracy(subject),
    }
    checks = ["fairness"] if args.skip_audit else None
    config = {"explainability": {"methods": args.methods}} if args.methods else None
    seconds: dict = {}

    def stage(name, status, took):
        if status != "start":
            seconds[name] = round(took, 2)

    result, wall, cpu = _timed(
        lambda: audit.run(subject, checks=checks, config=config, on_stage=stage)
    )
    report["default"] |= {"audit_seconds": wall, "audit_cpu_seconds": cpu, "checks_s": seconds}
    report["default"]["fairness"] = _fairness(result.section("fairness"))
    if not args.skip_audit:
        explain = result.section("explainability")
        report["default"]["localisation_lift"] = {
            m.scope: round(m.value, 2) for m in explain.metrics if m.name == "localisation_lift"
        }
        lifts = report["default"]["localisation_lift"]
        report["default"]["localises_best"] = max(lifts, key=lifts.get) if lifts else None
        report["default"]["verdicts"] = {s.id: s.verdict for s in result.sections}
    biased, wall, cpu = _timed(lambda: audit.reference("driving", seed=args.seed, variant="biased"))
    fairness = audit.run(biased, checks=["fairness"]).section("fairness")
    report["biased"] = {
        "build_seconds": wall,
        "build_cpu_seconds": cpu,
        "test_accuracy": _accuracy(biased),
        "fairness": _fairness(fairness),
    }
    overfit, wall, cpu = _timed(
        lambda: audit.reference("driving", seed=args.seed, variant="overfit")
    )
    performance = audit.run(overfit, checks=["performance"]).section("performance")
    report["overfit"] = {
        "build_seconds": wall,
        "build_cpu_seconds": cpu,
        "accuracy_gap": round(performance.metric("accuracy_gap").value, 3),
        "verdict": performance.notes[0],
    }
    print(json.dumps(report, indent=2, default=str))


if __name__ == "__main__":
    main()
