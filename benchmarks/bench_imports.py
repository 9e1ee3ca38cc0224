"""Benchmark of start-up: wall time and heavy modules of ``import audit`` and light commands.

Each case runs in a fresh Python process, the old code (a git worktree of ``--ref``,
``HEAD`` by default, made with ``git worktree add`` when missing) and this working
tree side by side, interleaved, with one discarded warm-up run each. Printed: the
median wall time, the ratio new / old, and the heavy libraries each process loaded
(captum, shap, opacus, fairlearn, matplotlib, scipy, sklearn, torch), plus the
lighter ones worth knowing about (numpy, pandas, jinja2, pydantic).

Usage: ``.venv/bin/python benchmarks/bench_imports.py [--runs 5] [--old-tree /tmp/oldtree]
[--ref HEAD] [--json]``
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: Libraries none of the light paths should load.
HEAVY = ("captum", "shap", "opacus", "fairlearn", "matplotlib", "scipy", "sklearn", "torch")
#: Lighter libraries, reported beside the heavy ones.
NOTABLE = ("jinja2", "numpy", "pandas", "pydantic")

#: Prepended to every case: writes the top-level modules loaded to $BENCH_MODULES_OUT at exit.
PROBE = """\
import atexit, os, sys
def _bench_modules():
    with open(os.environ["BENCH_MODULES_OUT"], "w") as stream:
        stream.write(" ".join(sorted({name.partition(".")[0] for name in sys.modules})))
atexit.register(_bench_modules)
"""

#: Stands for a config path that does not exist yet (``rai-audit init`` writes it).
CONFIG = "@CONFIG@"


def cli(*args: str) -> str:
    """Python code that runs ``rai-audit ARGS`` through ``audit.cli.main``."""
    argv = ["rai-audit", *args]
    return f"import sys\nsys.argv = {argv!r}\nfrom audit.cli import main\nmain()\n"


#: Case name → the Python code run with ``python -c``.
CASES: dict[str, str] = {
    "import audit": "import audit\n",
    "rai-audit --help": cli("--help"),
    "rai-audit domains": cli("domains"),
    "rai-audit init X.yaml": cli("init", CONFIG),
}


def ensure_old_tree(path: Path, ref: str) -> str:
    """Make ``path`` a detached git worktree of ``ref`` unless it is one; return its commit.

    Parameters
    ----------
    path : Path
        Folder of the old code (outside this working tree).
    ref : str
        The commit or branch to check out there when the folder does not exist.

    Returns
    -------
    str
        The commit hash checked out in ``path``.
    """
    if not path.exists():
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(path), ref],
            check=True,
            capture_output=True,
        )
    done = subprocess.run(
        ["git", "-C", str(path), "rev-parse", "HEAD"], check=True, capture_output=True, text=True
    )
    return done.stdout.strip()


def run_once(code: str, source: Path, folder: Path) -> tuple[float, set[str]]:
    """Run ``code`` in a fresh interpreter importing ``audit`` from ``source``.

    Parameters
    ----------
    code : str
        The case's Python code; :data:`CONFIG` stands for a config path that does not exist.
    source : Path
        Folder put first on ``PYTHONPATH`` (the root of a checkout).
    folder : Path
        Scratch folder for the config file and the module list.

    Returns
    -------
    tuple of (float, set of str)
        Wall seconds of the process and the top-level modules it had loaded at exit.
    """
    config = folder / f"config-{time.perf_counter_ns()}.yaml"
    modules_out = folder / "modules.txt"
    env = os.environ | {"PYTHONPATH": str(source), "BENCH_MODULES_OUT": str(modules_out)}
    command = [sys.executable, "-c", PROBE + code.replace(CONFIG, str(config))]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{code!r} failed with {source}:\n{done.stderr[-2000:]}")
    config.unlink(missing_ok=True)
    return seconds, set(modules_out.read_text().split())


def measure(runs: int, old: Path) -> dict[str, dict[str, dict[str, object]]]:
    """Median wall time and loaded libraries of every case, for the old and the new code.

    Parameters
    ----------
    runs : int
        Timed runs per case and side, after one discarded warm-up run.
    old : Path
        Root of the old checkout.

    Returns
    -------
    dict
        ``{case: {"old" | "new": {"median_s", "runs_s", "heavy", "notable"}}}``.
    """
    sides = {"old": old, "new": ROOT}
    report: dict[str, dict[str, dict[str, object]]] = {}
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        for case, code in CASES.items():
            times: dict[str, list[float]] = {side: [] for side in sides}
            loaded: dict[str, set[str]] = {}
            for side, source in sides.items():
                _, loaded[side] = run_once(code, source, folder)  # warm-up, also the modules
            for _ in range(runs):
                for side, source in sides.items():
                    times[side].append(run_once(code, source, folder)[0])
            report[case] = {
                side: {
                    "median_s": round(statistics.median(times[side]), 3),
                    "runs_s": [round(t, 3) for t in times[side]],
                    "heavy": sorted(loaded[side] & set(HEAVY)),
                    "notable": sorted(loaded[side] & set(NOTABLE)),
                }
                for side in sides
            }
    return report


def table(report: dict[str, dict[str, dict[str, object]]]) -> str:
    """The report as a Markdown table: old and new median, ratio, heavy modules."""
    lines = [
        "| case | old s | new s | new / old | heavy modules, old | heavy modules, new |",
        "|---|---|---|---|---|---|",
    ]
    for case, sides in report.items():
        old, new = sides["old"], sides["new"]
        ratio = new["median_s"] / old["median_s"]
        heavy_old = ", ".join(old["heavy"]) or "none"
        heavy_new = ", ".join(new["heavy"]) or "none"
        lines.append(
            f"| `{case}` | {old['median_s']:.3f} | {new['median_s']:.3f} | {ratio:.2f}× "
            f"| {heavy_old} | {heavy_new} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs per case and side")
    parser.add_argument("--old-tree", type=Path, default=Path("/tmp/oldtree"))
    parser.add_argument("--ref", default="HEAD", help="commit of the old code (new worktree)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args()
    if args.runs < 1:
        parser.error(f"--runs must be an int >= 1. Got {args.runs} instead.")
    commit = ensure_old_tree(args.old_tree, args.ref)
    report = measure(args.runs, args.old_tree)
    if args.json:
        print(json.dumps({"old_commit": commit, "cases": report}, indent=2))
        return
    print(f"old: {args.old_tree} at {commit[:12]}; new: {ROOT} (working tree)")
    print(f"median of {args.runs} fresh processes each, Python {sys.version.split()[0]}\n")
    print(table(report))
    print()
    for case, sides in report.items():
        notable = {side: ", ".join(v["notable"]) or "none" for side, v in sides.items()}
        print(f"{case}: other libraries loaded: old {notable['old']}; new {notable['new']}")


if __name__ == "__main__":
    main()
