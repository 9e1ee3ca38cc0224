"""Privacy verdicts by simulation with known truth: the empirical ε bound and AUC intervals.

**ε bound.** Each run draws the membership trials of a mechanism whose privacy is known
exactly and applies the audit's own code path, :func:`audit.privacy._attacks.
split_half_epsilon` (threshold chosen on half A of the trials, bound evaluated on half
B with one-sided Clopper–Pearson bounds at 1 − α/2 on TPR and FPR, union bound):

- *Laplace mechanism*: a member's score is ε + Laplace(0, 1), a non-member's Laplace(0, 1):
  the density ratio is at most e^ε, reached in the upper tail, so the mechanism is
  ε-DP and no tighter (the optimal test is a threshold on the score);
- *randomized response*: a member is flagged with probability e^ε / (1 + e^ε), a
  non-member with 1 / (1 + e^ε): every threshold has TPR / FPR = e^ε exactly.

A valid 95% lower bound exceeds the true ε in at most 5% of runs. The same figure for
the old rule (the threshold chosen on the rows it is evaluated on) is given beside it,
and the bound's median (power). The audit itself uses a stricter level per bound
(Bonferroni over the section's judged figures, e.g. 98.75% for two attacks).

**AUC intervals.** Members ~ N(d, 1), non-members ~ N(0, 1) have AUC Φ(d / √2); the
share of runs whose percentile-bootstrap interval (:func:`audit.privacy._attacks.
bootstrap_intervals`, as in the audit) holds the true AUC is its coverage, and at a true
AUC on the fail limit 0.7 the policy's FAIL rate should stay at or below 2.5%.

    .venv/bin/python benchmarks/_verdicts_privacy.py [--runs 200] [--seed 0]
"""

from __future__ import annotations

import argparse
import math

import numpy as np
from scipy.stats import norm
from sklearn.metrics import roc_auc_score, roc_curve

from audit.checks._privacy import CHECK
from audit.privacy._attacks import bootstrap_intervals, epsilon_lower_bound, split_half_epsilon
from audit.verdicts import decide

EPSILONS = (0.5, 1.0, 2.0, 4.0)
TRIALS = 500  # members and as many non-members per run: the size of a small audit
CONFIDENCE = 0.95


def _laplace(rng: np.random.Generator, epsilon: float, n: int) -> np.ndarray:
    return np.r_[epsilon + rng.laplace(0.0, 1.0, n), rng.laplace(0.0, 1.0, n)]


def _randomized_response(rng: np.random.Generator, epsilon: float, n: int) -> np.ndarray:
    p = math.exp(epsilon) / (1 + math.exp(epsilon))
    return np.r_[rng.random(n) < p, rng.random(n) < 1 - p].astype(float)


MECHANISMS = {"laplace": _laplace, "randomized_response": _randomized_response}


def _in_sample(scores: np.ndarray, is_member: np.ndarray) -> float:
    """The old rule: the best bound over all thresholds of the same rows."""
    fpr, tpr, _ = roc_curve(is_member, scores, drop_intermediate=False)
    n_in, n_out = int(is_member.sum()), int((~is_member).sum())
    tp, fp = np.round(tpr * n_in), np.round(fpr * n_out)
    return epsilon_lower_bound(tp, fp, n_in, n_out, confidence=CONFIDENCE)[0]


def epsilon_bound(runs: int, seed: int, trials: int = TRIALS) -> dict:
    """Per mechanism and true ε: how often each bound exceeds ε, and its median."""
    rng = np.random.default_rng(seed)
    is_member = np.r_[np.ones(trials, bool), np.zeros(trials, bool)]
    out: dict = {}
    for name, draw in MECHANISMS.items():
        out[name] = {}
        for epsilon in EPSILONS:
            split, same = np.empty(runs), np.empty(runs)
            for i in range(runs):
                scores = draw(rng, epsilon, trials)
                split_seed = int(rng.integers(1 << 31))
                bound = split_half_epsilon(
                    scores, is_member, confidence=CONFIDENCE, seed=split_seed
                )
                split[i], same[i] = bound.epsilon, _in_sample(scores, is_member)
            out[name][f"{epsilon:g}"] = {
                "exceeds_share": float((split > epsilon).mean()),
                "median_bound": float(np.median(split)),
                "old_rule_exceeds_share": float((same > epsilon).mean()),
                "old_rule_median_bound": float(np.median(same)),
            }
    return out


def auc_intervals(runs: int, seed: int, rows: int = 300) -> dict:
    """Coverage of the bootstrap AUC interval, and the FAIL rate at the fail limit."""
    rng = np.random.default_rng(seed)
    threshold = CHECK.thresholds["mia_auc"]
    out: dict = {}
    for true_auc in (0.5, 0.6, 0.7, 0.8):
        shift = math.sqrt(2) * norm.ppf(true_auc)
        covered, fails, widths = 0, 0, []
        for _ in range(runs):
            members, others = rng.normal(shift, 1, rows), rng.normal(0, 1, rows)
            (low, high), _ = bootstrap_intervals(
                members, others, confidence=CONFIDENCE, seed=int(rng.integers(1 << 31))
            )
            auc = roc_auc_score(np.r_[np.ones(rows), np.zeros(rows)], np.r_[members, others])
            low, high = min(low, auc), max(high, auc)  # as attack_result widens it
            covered += low <= true_auc <= high
            fails += decide(threshold, auc, [low, high]).verdict == "fail"
            widths.append(high - low)
        out[f"{true_auc:g}"] = {
            "coverage": covered / runs,
            "fail_share": fails / runs,
            "median_width": float(np.median(widths)),
        }
    return out


def simulate(runs: int = 200, seed: int = 0) -> dict:
    """All privacy simulations; ``worst_exceeds_share`` must stay at or below 0.05."""
    bounds = epsilon_bound(runs, seed)
    aucs = auc_intervals(runs, seed + 1)
    worst = max(cell["exceeds_share"] for by_eps in bounds.values() for cell in by_eps.values())
    return {
        "runs": runs,
        "trials": {"members": TRIALS, "nonmembers": TRIALS},
        "confidence": CONFIDENCE,
        "epsilon_bound": bounds,
        "worst_exceeds_share": worst,
        "auc_interval": aucs,
    }


def _table(result: dict) -> str:
    lines = [
        f"ε bound, {result['runs']} runs of {TRIALS} members + {TRIALS} non-members, "
        f"{CONFIDENCE:.0%} confidence",
        f"{'mechanism':<20} {'true ε':>6} {'> ε (split)':>12} {'median':>7} "
        f"{'> ε (old)':>10} {'median':>7}",
    ]
    for name, by_eps in result["epsilon_bound"].items():
        for epsilon, cell in by_eps.items():
            lines.append(
                f"{name:<20} {epsilon:>6} {cell['exceeds_share']:>12.3f} "
                f"{cell['median_bound']:>7.2f} {cell['old_rule_exceeds_share']:>10.3f} "
                f"{cell['old_rule_median_bound']:>7.2f}"
            )
    lines += ["", f"AUC bootstrap interval ({CONFIDENCE:.0%}), 300 + 300 rows"]
    lines.append(f"{'true AUC':>8} {'coverage':>9} {'FAIL share':>11} {'median width':>13}")
    for auc, cell in result["auc_interval"].items():
        lines.append(
            f"{auc:>8} {cell['coverage']:>9.3f} {cell['fail_share']:>11.3f} "
            f"{cell['median_width']:>13.3f}"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(_table(simulate(args.runs, args.seed)))
