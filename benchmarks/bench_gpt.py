"""Benchmark: ``rai-audit run gpt`` with and without ``--dp --epsilon 3``.

Prints the wall time of each command (target: 90 s each on 2 cores) and the canary
exposures from its results.json (the most repeated canary's, with and without DP):
plain, user-level DP (the default unit) at ε = 3 on seeds 0–2, row-level DP at ε = 3
(``--dp-unit row``) and user-level DP at ε = 1 on seed 0.

Run: ``.venv/bin/python benchmarks/bench_gpt.py [--seeds 3]``
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CLI = Path(sys.executable).with_name("rai-audit")


def run(*flags: str) -> dict:
    """Run the CLI on gpt with ``flags``; return wall time, exposures, perplexity, verdicts."""
    out = Path(tempfile.mkdtemp(prefix="bench-gpt-"))
    try:
        t0 = time.perf_counter()
        subprocess.run([str(CLI), "run", "gpt", "--out", str(out), *flags], check=True,
                       capture_output=True)  # fmt: skip
        seconds = time.perf_counter() - t0
        result = json.loads((out / "results.json").read_text())
    finally:
        shutil.rmtree(out, ignore_errors=True)
    sections = {s["id"]: s for s in result["sections"]}
    memo = sections["memorization"]
    canaries = next(t for t in memo["tables"] if t["id"] == "canaries")
    metrics = {m["name"]: m["value"] for m in memo["metrics"]}
    perf = {m["name"]: m["value"] for m in sections["lm_performance"]["metrics"]}
    return {
        "seconds": round(seconds, 1),
        "exposure_by_repetitions": {row[1]: row[4] for row in canaries["rows"]},
        "twin_exposure_by_repetitions": (
            {row[1]: row[7] for row in canaries["rows"]} if len(canaries["columns"]) > 7 else None
        ),
        "max_repetition_exposure": metrics["max_repetition_exposure"],
        "heldout_perplexity": perf["heldout_perplexity"],
        "twin_heldout_perplexity": metrics.get("twin_heldout_perplexity"),
        "verdicts": {k: s["verdict"] for k, s in sections.items()},
    }


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3, help="seeds of user-level DP at ε = 3")
    seeds = parser.parse_args().seeds
    runs = [("plain", ())]
    runs += [(f"dp eps=3 user seed={s}", ("--dp", "--seed", str(s))) for s in range(seeds)]
    runs += [
        ("dp eps=3 row seed=0", ("--dp", "--dp-unit", "row")),
        ("dp eps=1 user seed=0", ("--dp", "--epsilon", "1")),
    ]
    for label, flags in runs:
        print(label, json.dumps(run(*flags)), flush=True)


if __name__ == "__main__":
    main()
