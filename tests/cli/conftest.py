"""Fixtures of the CLI tests: two small saved audits, the kill-test harness."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


def bench_outputs() -> ModuleType:
    """``benchmarks/bench_outputs.py``: the kill test's harness and the small audits."""
    spec = importlib.util.spec_from_file_location(
        "bench_outputs", ROOT / "benchmarks" / "bench_outputs.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def sources(tmp_path_factory) -> dict[str, Path]:
    """Two small audits, alpha-run and bravo-run, saved as results.json files."""
    return bench_outputs().tiny_results(tmp_path_factory.mktemp("sources"))


def one_line(result) -> str:
    """The command's stderr, which must be one line without a traceback."""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    return lines[0]
