"""Explanation trust by simulation with known truth: badges that can fail, and hold.

Two subjects whose explanations have a known answer, audited with the explainability
check and the default policy:

- **random model**: an untrained MLP (12 → 32 → 16 → 2, PyTorch's default init) on
  random features with random labels. It has learned nothing, so no explanation of it
  can be trusted: every method should be flagged (badge *caution* or *unreliable*).
- **linear one-feature model**: a linear model trained on labels that depend on one
  feature only (``y = 1[x_3 + 0.3 ε > 0]``). Every method should be *trusted* and rank
  that feature first in the headline importance.

``simulate(seed)`` audits one draw of each; ``repeats`` draws more (seeds
``seed, seed + 1, ...``) and gives the rates.

    .venv/bin/python benchmarks/_verdicts_explain.py [--seed 0] [--repeats 1]
"""

from __future__ import annotations

import argparse
import json

import numpy as np
import torch

import audit
from audit.config import ExplainSettings

#: Features of the simulated tables and the one the linear model's labels depend on.
FEATURES, SIGNAL = 12, 3
#: Small enough to stay quick, the trust tests at their default sizes.
SETTINGS = ExplainSettings(n_samples=128)


def _subject(kind: str, seed: int, rows: int = 400) -> audit.Subject:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(rows, FEATURES)).astype(np.float32)
    torch.manual_seed(seed)
    if kind == "random":
        y = rng.integers(0, 2, rows)
        model = torch.nn.Sequential(
            torch.nn.Linear(FEATURES, 32),
            torch.nn.ReLU(),
            torch.nn.Linear(32, 16),
            torch.nn.ReLU(),
            torch.nn.Linear(16, 2),
        )
    else:
        y = (X[:, SIGNAL] + 0.3 * rng.normal(size=rows) > 0).astype(np.int64)
        model = torch.nn.Sequential(torch.nn.Linear(FEATURES, 2))
        optimiser = torch.optim.Adam(model.parameters(), lr=0.05)
        inputs, labels = torch.as_tensor(X[: rows // 2]), torch.as_tensor(y[: rows // 2])
        for _ in range(300):
            optimiser.zero_grad()
            torch.nn.functional.cross_entropy(model(inputs), labels).backward()
            optimiser.step()
    half = rows // 2
    return audit.Subject(model.eval(), (X[:half], y[:half]), (X[half:], y[half:]))


def _audit(kind: str, seed: int) -> dict:
    subject = _subject(kind, seed)
    result = audit.run(
        subject,
        checks=["explainability"],
        config={"seed": seed, "explainability": SETTINGS.model_dump()},
    )
    section = result.section("explainability")
    from audit.explain._badges import badges

    found = badges(section.metrics)
    table = section.table("global_importance")
    ranked = table.rows[0][1] is not None
    skill = next(m for m in section.metrics if m.name == "model_skill_p_value")
    return {
        "badges": {m: b.text for m, b in found.items()},
        "statuses": {m: b.status for m, b in found.items()},
        "first": str(table.rows[0][0]) if ranked else None,
        "model_skill_p_value": skill.value,
        "summary": section.summary,
    }


def simulate(seed: int = 0, repeats: int = 1) -> dict:
    """Audit ``repeats`` draws of each subject; the badges of the first and the rates."""
    random_draws = [_audit("random", seed + i) for i in range(repeats)]
    linear_draws = [_audit("linear", seed + i) for i in range(repeats)]
    flagged = [all(s != "trusted" for s in d["statuses"].values()) for d in random_draws]
    trusted = [all(s == "trusted" for s in d["statuses"].values()) for d in linear_draws]
    first = [d["first"] == f"x{SIGNAL}" for d in linear_draws]
    return {
        "repeats": repeats,
        "random_model": {
            **random_draws[0],
            "every_method_flagged": flagged[0],
            "every_method_flagged_rate": float(np.mean(flagged)),
        },
        "linear_one_feature": {
            **linear_draws[0],
            "signal_feature": f"x{SIGNAL}",
            "every_method_trusted": trusted[0],
            "signal_first": first[0],
            "every_method_trusted_rate": float(np.mean(trusted)),
            "signal_first_rate": float(np.mean(first)),
        },
    }


def _table(out: dict) -> str:
    lines = [f"{'subject':<20} {'method':<22} badge"]
    for subject in ("random_model", "linear_one_feature"):
        for method, badge in out[subject]["badges"].items():
            lines.append(f"{subject:<20} {method:<22} {badge}")
    r, lin = out["random_model"], out["linear_one_feature"]
    lines += [
        "",
        f"random model: model_skill_p_value {r['model_skill_p_value']:.3f}; every method "
        f"flagged: {r['every_method_flagged']} (rate {r['every_method_flagged_rate']:.2f} "
        f"over {out['repeats']})",
        f"linear one-feature: every method trusted: {lin['every_method_trusted']} (rate "
        f"{lin['every_method_trusted_rate']:.2f}); headline first: {lin['first']} "
        f"(signal {lin['signal_feature']}, rate {lin['signal_first_rate']:.2f})",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--json", action="store_true", help="print the dict as JSON")
    args = parser.parse_args()
    out = simulate(args.seed, args.repeats)
    print(json.dumps(out, indent=1, default=float) if args.json else _table(out))
