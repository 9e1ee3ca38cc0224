"""Fairness verdicts by simulation with known truth: false FAILs, power, coverage.

Each run draws labels and predictions for groups whose true rates are known, builds the
fairness section exactly as an audit does (:func:`audit.fairness.fairness_section`),
judges it with the default policy, and records the verdicts.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from audit.fairness import fairness_section, pair_intervals
from audit.policy import Policy
from audit.settings import FairnessSettings

SETTINGS = FairnessSettings(mitigation=False, intersection=False, min_group_size=30)


def _draw(rng, n_groups: int, rows: int, selection: list[float], base: float = 0.5):
    """Labels, predictions and groups; group g predicts positive at ``selection[g]``,
    independently of the label (so TPR = FPR = selection rate in each group)."""
    groups = np.repeat([f"g{i}" for i in range(n_groups)], rows)
    y_true = (rng.random(n_groups * rows) < base).astype(np.int64)
    p = np.repeat(selection, rows)
    y_pred = (rng.random(n_groups * rows) < p).astype(np.int64)
    return y_true, y_pred, pd.DataFrame({"group": groups})


def judged_section(y_true, y_pred, sensitive):
    section = fairness_section(y_true, y_pred, sensitive, settings=SETTINGS)
    return Policy().apply(section)


def false_fail_rate(n_groups: int, rows: int, *, runs: int, seed: int) -> dict:
    """Equal rates in every group: how often the section, or each metric, FAILs."""
    rng = np.random.default_rng(seed)
    section_fails, metric_fails, metric_total, warns = 0, 0, 0, 0
    for _ in range(runs):
        section = judged_section(*_draw(rng, n_groups, rows, [0.4] * n_groups))
        section_fails += section.verdict == "fail"
        warns += section.verdict == "warn"
        metric_fails += sum(m.verdict == "fail" for m in section.metrics)
        metric_total += len(section.metrics)
    return {
        "groups": n_groups,
        "rows_per_group": rows,
        "section_fail_rate": section_fails / runs,
        "section_warn_rate": warns / runs,
        "metric_fail_rate": metric_fails / max(metric_total, 1),
    }


def power(ratio: float, rows: int, *, runs: int, seed: int, reference: float = 0.7) -> dict:
    """Two groups with a true selection-rate ratio ``ratio`` (the reference group selects
    at ``reference``, as the credit model approves about 70%): how often it FAILs."""
    rng = np.random.default_rng(seed)
    fails = 0
    for _ in range(runs):
        section = judged_section(*_draw(rng, 2, rows, [reference * ratio, reference]))
        fails += section.metric("demographic_parity_ratio[group]").verdict == "fail"
    return {
        "true_ratio": ratio,
        "reference_selection_rate": reference,
        "rows_per_group": rows,
        "fail_rate": fails / runs,
    }


def coverage(rates: tuple[float, float], rows: int, *, runs: int, seed: int) -> dict:
    """Coverage of the pairwise ratio interval at the nominal 95% (one contrast), and of
    the section's simultaneous interval of the worst-case ratio."""
    rng = np.random.default_rng(seed)
    truth = rates[0] / rates[1]
    pairwise, simultaneous = 0, 0
    for _ in range(runs):
        y_true, y_pred, sensitive = _draw(rng, 2, rows, list(rates))
        events = np.array([y_pred[:rows].sum(), y_pred[rows:].sum()])
        pairs = pair_intervals(events, np.array([rows, rows]), alpha=0.05)
        pairwise += pairs.ratio_low[0, 1] <= truth <= pairs.ratio_high[0, 1]
        metric = judged_section(y_true, y_pred, sensitive).metric(
            "demographic_parity_ratio[group]"
        )
        worst = min(truth, 1 / truth)
        simultaneous += metric.ci[0] <= worst <= metric.ci[1]
    return {
        "rates": rates,
        "rows_per_group": rows,
        "pairwise_95_coverage": pairwise / runs,
        "simultaneous_coverage": simultaneous / runs,
    }


def simulate(runs: int = 200, seed: int = 0) -> dict:
    """All fairness simulations of ``benchmarks/validate_verdicts.py``."""
    null = [
        false_fail_rate(k, n, runs=runs, seed=seed + 10 * k + n)
        for k in (2, 4, 10)
        for n in (60, 300, 3000)
    ]
    return {
        "null": null,
        "power": [
            power(0.6, 500, runs=runs, seed=seed + 1),
            power(0.6, 500, runs=runs, seed=seed + 1, reference=0.5),
            power(0.6, 1000, runs=runs, seed=seed + 1, reference=0.5),
        ],
        "coverage": [
            coverage((0.4, 0.4), 300, runs=runs, seed=seed + 2),  # a tie
            coverage((0.3, 0.5), 300, runs=runs, seed=seed + 3),
            coverage((0.05, 0.05), 300, runs=runs, seed=seed + 4),  # rare events, tied
        ],
    }


if __name__ == "__main__":
    import json

    print(json.dumps(simulate(runs=50), indent=1))
