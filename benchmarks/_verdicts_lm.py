"""Language-model verdicts by simulation with known truth: false FAILs and power.

Each judged figure is built from simulated data whose truth is known, with the functions
the language-model checks use, and judged by the default policy as in an audit:

- **generation_bias** (:mod:`audit.lm._bias`): 120 counterfactual prompt pairs (the
  default ``max_pairs``). ``sentiment_log_odds_gap``: per-pair gaps ~ N(gap, 1)
  (a noisier model than the gpt domain's, whose per-pair spread is about 0.01), the
  paired bootstrap interval :func:`~audit.lm._bias.bootstrap_mean`.
  ``sampled_positive_share_gap``: 4 continuations per prompt and group, a prompt's
  chance of a positive continuation drawn from Beta (mean 0.5, concentration 4) and
  shared by the pair (the prompts differ only in the name), the group effect added;
  interval :func:`~audit.lm._bias.bootstrap_difference`. Equal groups, a true gap
  exactly on the FAIL limit (0.5 / 0.15: FAILs there should stay ≤ 5%) and a real gap.
- **memorization exposure** (:mod:`audit.lm._exposure`): a model's log-probabilities of
  all 10^6 secrets "D D D D D D" (per-slot digit probabilities: uniform, the same
  Dirichlet draw at every slot, or one draw per slot); a **fresh** canary drawn at random
  and never inserted is ranked (:func:`~audit.lm._exposure.rank_of`, exact) and, as the
  check does for larger spaces, estimated from 5,000 sampled secrets
  (:func:`~audit.lm._exposure.exposure_from_sample`); judged as
  ``max_repetition_exposure``. Beside it the old tie rule (ties in the canary's favour),
  and a memorized canary (its log-probability 12 nats above the likeliest secret).
- **membership attack** (:func:`audit.lm._memorization.attack_from_losses`): members'
  and non-members' losses ~ N(0, 1) (no leakage), members shifted to a true AUC of 0.7
  (the FAIL limit) and 0.85, at 500 (the default), 50 and 10 rows each; judged as
  ``lm_mia_auc`` with its bootstrap interval, and without it (the point estimate, as
  before the interval was added).

    .venv/bin/python benchmarks/_verdicts_lm.py [--runs 200] [--seed 0]
"""

from __future__ import annotations

import argparse
import math

import numpy as np
from scipy.stats import norm

from audit.lm._bias import bootstrap_difference, bootstrap_mean
from audit.lm._exposure import exposure_from_rank, exposure_from_sample, rank_of
from audit.lm._memorization import attack_from_losses
from audit.policy import Policy
from audit.results import Metric, Section

PAIRS, SAMPLES, SLOTS, DIGITS, SAMPLED = 120, 4, 6, 10, 5000
SPACE = DIGITS**SLOTS


def _verdicts(*metrics: Metric) -> list[str]:
    section = Section(id="simulated", title="Simulated", metrics=list(metrics))
    Policy().apply(section)
    return [m.verdict for m in section.metrics] + [section.verdict]


def _bias(rng: np.random.Generator, log_odds_gap: float, share_gap: float) -> list[str]:
    """Verdicts of the two generation-bias figures and of the section, for one audit."""
    gaps = rng.normal(log_odds_gap, 1.0, PAIRS)
    p = np.repeat(rng.beta(2.0, 2.0, PAIRS), SAMPLES)  # shared by the pair
    a = (rng.random(p.size) < np.clip(p + share_gap / 2, 0, 1)).astype(float)
    b = (rng.random(p.size) < np.clip(p - share_gap / 2, 0, 1)).astype(float)
    seed = int(rng.integers(2**31))
    return _verdicts(
        Metric("sentiment_log_odds_gap", float(gaps.mean()), scope="a vs b", n=PAIRS,
               ci=bootstrap_mean(gaps, seed=seed)),
        Metric("sampled_positive_share_gap", float(a.mean() - b.mean()), scope="a vs b",
               n=p.size, ci=bootstrap_difference(a, b, seed=seed)),
    )  # fmt: skip


def _model_scores(rng: np.random.Generator, kind: str) -> np.ndarray:
    """log P of every secret (row ``int("d1..d6")``) under a model of ``kind``."""
    if kind == "uniform":
        slots = np.full((SLOTS, DIGITS), -math.log(DIGITS))
    elif kind == "same preferences at every slot":
        slots = np.tile(np.log(rng.dirichlet(np.ones(DIGITS))), (SLOTS, 1))
    else:
        slots = np.log(rng.dirichlet(np.ones(DIGITS), SLOTS))
    scores = np.zeros(1)
    for slot in slots:  # level by level, as candidate_log_probs sums them
        scores = (scores[:, None] + slot[None]).reshape(-1)
    return scores


def _exposure(rng: np.random.Generator, kind: str, boost: float) -> dict[str, str]:
    scores = _model_scores(rng, kind)
    canary = int(rng.integers(SPACE))
    if boost:  # memorized: far likelier than any other secret
        scores[canary] = scores.max() + boost
    target = scores[canary]
    old_rank = 1 + int(np.count_nonzero(scores > target))
    sample = scores[rng.integers(0, SPACE, SAMPLED)]
    figures = {
        "exact": exposure_from_rank(rank_of(target, scores), SPACE),
        "sampled": exposure_from_sample(target, sample, SPACE),
        "exact, old tie rule": exposure_from_rank(old_rank, SPACE),
    }
    return {k: _verdicts(Metric("max_repetition_exposure", v))[0] for k, v in figures.items()}


def _attack(rng: np.random.Generator, auc: float, rows: int) -> dict[str, str]:
    shift = math.sqrt(2) * norm.ppf(auc)  # N(-shift, 1) vs N(0, 1): AUC Φ(shift / √2)
    out = attack_from_losses(
        rng.normal(-shift, 1, rows), rng.normal(0, 1, rows), seed=int(rng.integers(2**31))
    )
    return {
        "with interval": _verdicts(Metric("lm_mia_auc", out["auc"], n=rows, ci=out["auc_ci"]))[0],
        "point estimate": _verdicts(Metric("lm_mia_auc", out["auc"], n=rows))[0],
    }


def _rates(verdicts: list[str]) -> dict[str, float]:
    runs = len(verdicts)
    return {
        "fail": sum(v == "fail" for v in verdicts) / runs,
        "warn_or_fail": sum(v in ("warn", "fail") for v in verdicts) / runs,
    }


def simulate(runs: int = 200, seed: int = 0) -> dict:
    """Per figure and setting, the share of simulated audits that FAIL and that warn or fail."""
    out: dict = {"generation_bias": {}, "memorization_exposure": {}, "lm_mia_auc": {}}
    bias = {
        "equal groups": (0.0, 0.0),
        "on the limit (log-odds 0.5, share 0.15)": (0.5, 0.15),
        "real gap (log-odds 1.0, share 0.3)": (1.0, 0.3),
    }
    for j, (label, args) in enumerate(bias.items()):
        rng = np.random.default_rng([seed, 0, j])
        drawn = [_bias(rng, *args) for _ in range(runs)]
        out["generation_bias"][label] = {
            name: _rates([d[i] for d in drawn])
            for i, name in enumerate(["sentiment_log_odds_gap", "sampled_positive_share_gap",
                                      "section"])
        }  # fmt: skip
    kinds = ("uniform", "same preferences at every slot", "one preference per slot")
    settings = [(f"fresh canary, {kind} model", kind, 0.0) for kind in kinds]
    settings.append(("memorized canary (+12 nats)", "one preference per slot", 12.0))
    for j, (label, kind, boost) in enumerate(settings):
        rng = np.random.default_rng([seed, 1, j])
        drawn = [_exposure(rng, kind, boost) for _ in range(max(runs // 4, 10))]
        out["memorization_exposure"][label] = {k: _rates([d[k] for d in drawn]) for k in drawn[0]}
    for j, (auc, rows) in enumerate([(a, r) for a in (0.5, 0.7, 0.85) for r in (500, 50, 10)]):
        rng = np.random.default_rng([seed, 2, j])
        drawn = [_attack(rng, auc, rows) for _ in range(runs)]
        label = f"true AUC {auc}, {rows} rows each"
        out["lm_mia_auc"][label] = {k: _rates([d[k] for d in drawn]) for k in drawn[0]}
    return out


if __name__ == "__main__":
    import json

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(json.dumps(simulate(runs=args.runs, seed=args.seed), indent=1))
