"""Kill test of the output set: kill -9 or SIGTERM at random points of the write stage.

Each round starts ``rai-audit render NEW.json --out OUT`` in a fresh process on a folder
that holds a complete earlier set (OLD), waits until the command starts writing files,
then after a random delay (seeded) sends SIGKILL or SIGTERM. The disk is made slow in
the child (each ``fsync`` and ``rename`` waits ``--slow-ms``) so that kills land in
every step: staging, the commit, the renames. After each kill it records

* what a reader sees: the old set, the new set, or a set that ``outputs.json`` refuses
  (a kill -9 during the renames); never a mix that passes the check ("undetected");
* the temporary files left (SIGTERM must leave none);
* after the next writer's recovery (``recover_outputs``, the first thing every write
  does): the old or the new complete set, no temporary file.

Usage: ``.venv/bin/python benchmarks/bench_outputs.py [--runs 50] [--seed 0]``. Prints
the tally as JSON. ``tests/cli/test_hardening_outputs.py`` runs the same rounds, fewer.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

#: The child: a slow disk, a line on stdout when the first output file is written and
#: one when the set is in place (the window the kills are spread over).
WORKER = r"""
import os, sys, time
slow = float(sys.argv[3]) / 1000
import audit.report._write as write
from audit.cli import app
real_replace, real_fsync, real_write = os.replace, os.fsync, write.write_file
def replace(a, b):
    time.sleep(slow); real_replace(a, b)
def fsync(fd):
    time.sleep(slow); real_fsync(fd)
def write_file(path, data):
    if not hasattr(write_file, "started"):
        write_file.started = True
        print("writing", flush=True)
    real_write(path, data)
real_publish = write._publish
def publish(staging, out):
    print("publishing", flush=True)
    real_publish(staging, out)
    print("published", flush=True)
os.replace, os.fsync, write.write_file, write._publish = replace, fsync, write_file, publish
app(["render", sys.argv[1], "--out", sys.argv[2]])
"""

SIGNALS = {"SIGKILL": signal.SIGKILL, "SIGTERM": signal.SIGTERM}


def tiny_results(folder: Path) -> dict[str, Path]:
    """Two small audits, ``alpha-run`` and ``bravo-run``, saved as results.json files."""
    import torch

    import audit

    paths = {}
    for name in ("alpha-run", "bravo-run"):
        generator = torch.Generator().manual_seed(0)
        X = torch.randn(64, 3, generator=generator)
        y = (X[:, 0] > 0).long()
        subject = audit.Subject(torch.nn.Linear(3, 2), (X, y), (X, y), name=name)
        result = audit.run(subject, checks=["performance"], config={"seed": 0})
        result.compliance = []  # beside the point here, and its vocabulary is still moving
        paths[name] = folder / f"{name}.json"
        paths[name].write_text(result.to_json() + "\n", encoding="utf-8")
    return paths


def _worker(source: Path, out: Path, slow_ms: float) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", WORKER, str(source), str(out), str(slow_ms)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
    )


def _wait_writing(process: subprocess.Popen[str]) -> float:
    """Block until the child writes its first output file; return the time then."""
    assert process.stdout is not None
    for line in process.stdout:
        if line.strip() == "writing":
            return time.perf_counter()
    raise RuntimeError(f"the worker ended before writing: {process.wait()} {process.stderr}")


def state(out: Path, sources: dict[str, Path]) -> str:
    """``alpha-run`` or ``bravo-run`` for a complete set; ``refused`` or ``undetected``."""
    from audit.errors import AuditInputError
    from audit.report import check_outputs

    try:
        check_outputs(out)
    except AuditInputError:
        return "refused"
    try:
        results = (out / "results.json").read_bytes()
        html = (out / "report.html").read_text(encoding="utf-8")
    except OSError:
        return "undetected"
    for name, source in sources.items():
        others = [other for other in sources if other != name]
        if results == source.read_bytes() and name in html and not any(o in html for o in others):
            return name
    return "undetected"


def temporaries(out: Path) -> list[str]:
    """The staging folders and temporary files rai-audit left in ``out``."""
    from audit.report._write import _is_temporary

    return sorted(entry.name for entry in out.iterdir() if _is_temporary(entry))


def torture(
    runs: int, *, seed: int, folder: Path, slow_ms: float = 25.0, calibrations: int = 2
) -> dict[str, object]:
    """Run ``runs`` kill rounds in ``folder``; return the tally (see the module docstring).

    The kills are spread uniformly over the shortest of ``calibrations`` unkilled writes
    (per direction), from the first file written to the set in place.
    """
    from audit.report import recover_outputs

    rng = random.Random(seed)
    sources = tiny_results(folder)
    out = folder / "out"
    names = list(sources)
    windows = []
    for name in names * calibrations:  # the set written unkilled, in each direction
        process = _worker(sources[name], out, slow_ms)
        started = _wait_writing(process)
        assert process.stdout is not None
        lines = [process.stdout.readline().strip() for _ in range(2)]
        windows.append(time.perf_counter() - started)
        if lines != ["publishing", "published"] or process.wait() != 0:
            raise RuntimeError(f"calibration failed: {process.stderr.read()}")
    window = min(windows)
    tally: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    failures = []
    current = names[-1]
    for round_ in range(runs):
        new = names[0] if current == names[1] else names[1]
        signame = rng.choice(sorted(SIGNALS))
        delay = rng.uniform(0.0, window)
        process = _worker(sources[new], out, slow_ms)
        started = _wait_writing(process)
        time.sleep(max(0.0, delay - (time.perf_counter() - started)))
        if process.poll() is None:
            process.send_signal(SIGNALS[signame])
        code = process.wait()
        assert process.stdout is not None
        lines = process.stdout.read().split()
        phase = (
            "after the set was in place"
            if "published" in lines
            else "during the renames"
            if "publishing" in lines
            else "while staging"
        )
        seen = state(out, sources)
        seen = "old" if seen == current else "new" if seen == new else seen
        left = temporaries(out)
        tally["signal"][signame] += 1
        tally["kill landed"][f"{signame} {phase}"] += 1
        tally["exit status"][f"{signame} {code}"] += 1
        tally["reader sees after the kill"][seen] += 1
        kinds = sorted({"staging" if n.startswith(".rai-audit-") else "temp file" for n in left})
        tally["temporaries left by the kill"][f"{signame}: {', '.join(kinds) or 'none'}"] += 1
        recover_outputs(out)  # what the next write into the folder does first
        after = state(out, sources)
        after_left = temporaries(out)
        tally["after the next writer's recovery"][
            "old" if after == current else "new" if after == new else after
        ] += 1
        tally["temporaries after recovery"]["some" if after_left else "none"] += 1
        if seen == "undetected" or after not in sources or after_left:
            failures.append(
                f"round {round_}: {signame} {phase} ({delay:.3f} s): {seen}, then {after}"
            )
        if signame == "SIGTERM" and left:
            failures.append(f"round {round_}: SIGTERM left {left}")
        current = after if after in sources else current
    return {
        "runs": runs,
        "seed": seed,
        "slow_ms": slow_ms,
        "write_window_s": round(window, 3),
        "tally": {key: dict(sorted(counts.items())) for key, counts in tally.items()},
        "failures": failures,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--slow-ms", type=float, default=25.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-outputs-") as folder:
        started = time.perf_counter()
        report = torture(args.runs, seed=args.seed, folder=Path(folder), slow_ms=args.slow_ms)
        report["seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(report, indent=2))
    sys.exit(1 if report["failures"] else 0)


if __name__ == "__main__":
    main()
