"""Robustness verdicts by simulation with known truth: false FAILs and power.

Each judged robustness metric is built from simulated per-row outcomes whose truth is
known, with the functions the check uses (:mod:`audit.robustness._stats`,
:mod:`audit.robustness._minimal`), and judged by the default policy as in an audit:

- ``flip_rate_gap``: two groups of 128 rows whose predictions flip under corruption with
  probabilities ``p_a`` and ``p_b``;
- ``min_perturbation_ratio``: per-row flip distances drawn from exponentials whose
  medians differ by a known ratio between two groups of 128 rows;
- ``corruption_accuracy_ratio``: 256 rows, clean accuracy 0.9, accuracy under seven
  corruptions a known share of it (each corrupted row right with that probability);
- ``counterfactual_flip_rate``: 256 probed rows flipping with a known probability.

For each, a setting with nothing wrong, one exactly on the FAIL limit (FAILs there should
stay ≤ 5%: the interval must clear the limit) and one with a real effect (caught).
"""

from __future__ import annotations

import numpy as np

from audit.policy import Policy
from audit.results import Metric, Section
from audit.robustness._minimal import group_distances
from audit.robustness._stats import exact_interval, group_rates, ratio_interval

ROWS = 256
RESAMPLES = 400


def _verdict(metric: Metric) -> str:
    section = Section(id="robustness", title="Robustness", metrics=[metric])
    Policy().apply(section)
    return section.metrics[0].verdict


def _flip_gap(rng: np.random.Generator, p_a: float, p_b: float) -> str:
    groups = np.repeat(["a", "b"], ROWS // 2)
    hits = rng.random(ROWS) < np.where(groups == "a", p_a, p_b)
    r = group_rates(hits, groups, min_rows=10)
    return _verdict(
        Metric("flip_rate_gap", r.gap, scope="g", ci=r.gap_ci, n=int(r.trials.min()), events=64)
    )


def _distance_ratio(rng: np.random.Generator, ratio: float) -> str:
    groups = np.repeat(["a", "b"], ROWS // 2)
    scale = np.where(groups == "a", 0.3 * ratio, 0.3)
    d = rng.exponential(scale)
    d[d > 2.0] = np.inf  # not flipped within the search radius
    r = group_distances(d, groups, cap=2.0, rng=rng, resamples=RESAMPLES, min_rows=10)
    return _verdict(
        Metric("min_perturbation_ratio", r.ratio, scope="g", ci=r.ratio_ci, n=128, events=128)
    )


def _corruption_ratio(rng: np.random.Generator, share: float) -> str:
    clean = rng.random(ROWS) < 0.9
    corrupted = rng.random((7, ROWS)) < 0.9 * share
    value, ci = ratio_interval(corrupted, clean, rng=rng, resamples=RESAMPLES)
    return _verdict(Metric("corruption_accuracy_ratio", value, ci=ci, n=ROWS, events=ROWS))


def _counterfactual(rng: np.random.Generator, rate: float) -> str:
    events = int((rng.random(ROWS) < rate).sum())
    return _verdict(
        Metric(
            "counterfactual_flip_rate",
            events / ROWS,
            scope="g",
            ci=exact_interval(events, ROWS),
            n=ROWS,
            events=ROWS,
        )
    )


SETTINGS = {
    "flip_rate_gap": (
        _flip_gap,
        {"equal groups (0.15, 0.15)": (0.15, 0.15), "on the limit (0.10, 0.20)": (0.10, 0.20),
         "real gap (0.05, 0.35)": (0.05, 0.35)},
    ),
    "min_perturbation_ratio": (
        _distance_ratio,
        {"equal groups (ratio 1)": (1.0,), "on the limit (ratio 0.5)": (0.5,),
         "real gap (ratio 0.3)": (0.3,)},
    ),
    "corruption_accuracy_ratio": (
        _corruption_ratio,
        {"unaffected (ratio 1)": (1.0,), "on the limit (ratio 0.75)": (0.75,),
         "brittle (ratio 0.5)": (0.5,)},
    ),
    "counterfactual_flip_rate": (
        _counterfactual,
        {"no flips (0)": (0.0,), "on the limit (0.10)": (0.10,), "real (0.25)": (0.25,)},
    ),
}


def simulate(runs: int = 200, seed: int = 0) -> dict:
    """Per metric and setting, the share of simulated audits that FAIL and that warn or fail."""
    out: dict = {}
    for i, (name, (draw, settings)) in enumerate(SETTINGS.items()):
        out[name] = {}
        for j, (label, args) in enumerate(settings.items()):
            rng = np.random.default_rng([seed, i, j])
            verdicts = [draw(rng, *args) for _ in range(runs)]
            out[name][label] = {
                "fail": sum(v == "fail" for v in verdicts) / runs,
                "warn_or_fail": sum(v in ("warn", "fail") for v in verdicts) / runs,
            }
    return out


if __name__ == "__main__":
    import json

    print(json.dumps(simulate(runs=50), indent=1))
