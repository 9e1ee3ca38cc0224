"""Performance verdicts by simulation with known truth: false FAILs and power.

A "model" whose true accuracy is known: ``nn.Identity`` over inputs that are the log
probabilities it should output. Each row's prediction is right with probability
``accuracy``, and the predicted class gets probability ``accuracy`` (calibrated). The
performance check runs on it exactly as in an audit, judged by the default policy.
"""

from __future__ import annotations

import numpy as np
import torch

import audit
from audit.checks import RunContext
from audit.policy import Policy
from audit.settings import PerformanceSettings

SETTINGS = PerformanceSettings(n_bootstrap=400)


def _split(rng: np.random.Generator, rows: int, accuracy: float):
    y = rng.integers(0, 2, rows)
    right = rng.random(rows) < accuracy
    pred = np.where(right, y, 1 - y)
    proba = np.where(pred[:, None] == np.arange(2)[None, :], accuracy, 1 - accuracy)
    return torch.tensor(np.log(proba), dtype=torch.float32), torch.tensor(y)


def judged(accuracy: float, rows: int, rng: np.random.Generator, seed: int):
    from audit.checks._performance import conclude, run

    subject = audit.Subject(
        torch.nn.Identity(), _split(rng, 2 * rows, accuracy), _split(rng, rows, accuracy)
    )
    context = RunContext.for_checks(seed, ["performance"])["performance"]
    section = Policy().apply(run(subject, SETTINGS, context))
    conclude(section)
    return section


def rates(accuracy: float, rows: int, *, runs: int, seed: int) -> dict:
    """How often the section, and test accuracy alone, FAIL at a true ``accuracy``."""
    rng = np.random.default_rng(seed)
    section_fail = metric_fail = 0
    for i in range(runs):
        section = judged(accuracy, rows, rng, seed + i)
        section_fail += section.verdict == "fail"
        metric_fail += section.metric("test_accuracy").verdict == "fail"
    return {
        "true_accuracy": accuracy,
        "test_rows": rows,
        "section_fail_rate": section_fail / runs,
        "test_accuracy_fail_rate": metric_fail / runs,
    }


def simulate(runs: int = 200, seed: int = 0) -> dict:
    """A good model (nothing wrong), one on the accuracy fail limit, one well below it."""
    return {
        "good_model": rates(0.85, 300, runs=runs, seed=seed),
        "on_the_fail_limit": rates(0.60, 300, runs=runs, seed=seed + 1),
        "below_the_limit": rates(0.50, 300, runs=runs, seed=seed + 2),
    }


if __name__ == "__main__":
    import json

    print(json.dumps(simulate(runs=50), indent=1))
