"""Verdicts by simulation with known truth: false FAILs ≤ 5%, real effects caught.

Runs each audit area's simulations (``benchmarks/_verdicts_*.py``) and prints their
figures as JSON; ``benchmarks/README.md`` keeps the numbers of the last run.

    .venv/bin/python benchmarks/validate_verdicts.py [--runs 200] [--only fairness ...]
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
from pathlib import Path

AREAS = ("fairness", "performance", "data", "explain", "privacy", "robustness", "lm")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200, help="simulated audits per setting")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--only", nargs="*", choices=AREAS, default=list(AREAS))
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    out = {}
    for area in args.only:
        module = importlib.import_module(f"_verdicts_{area}")
        t0 = time.perf_counter()
        kwargs = {"seed": args.seed}
        if "runs" in module.simulate.__code__.co_varnames:
            kwargs["runs"] = args.runs
        out[area] = module.simulate(**kwargs)
        out[area]["seconds"] = round(time.perf_counter() - t0, 1)
        print(f"{area}: done in {out[area]['seconds']} s", file=sys.stderr)
    print(json.dumps(out, indent=1, default=float))


if __name__ == "__main__":
    main()
