"""End to end with the default recipe: determinism and the quick-start example."""

import copy
import json
import subprocess
import sys
from pathlib import Path

import audit
from audit.compute._section import TIME_METRICS

ROOT = Path(__file__).resolve().parents[1]


def _without_runtime(data: dict) -> dict:
    data = copy.deepcopy(data)
    data["manifest"].pop("runtime")
    for section in data["sections"]:
        if section["id"] == "compute":
            for metric in section["metrics"]:
                if metric["name"] in TIME_METRICS:
                    metric.pop("value")
    return data


def test_same_seed_gives_identical_results_json(tmp_path):
    paths = []
    for attempt in ("a", "b"):
        epochs = []  # watching training also bypasses the test session's model cache
        result = audit.run(audit.reference("credit", seed=0, on_epoch=epochs.append))
        result.save(tmp_path / attempt)
        paths.append(tmp_path / attempt / "results.json")
    first, second = (json.loads(p.read_text()) for p in paths)
    assert first["manifest"]["runtime"] != {}  # the time fields exist, and only they may differ
    compute = next(s for s in first["sections"] if s["id"] == "compute")
    assert TIME_METRICS.issubset(m["name"] for m in compute["metrics"])  # so do the compute times
    assert _without_runtime(first) == _without_runtime(second)
    assert first["manifest"]["model_sha256"] == second["manifest"]["model_sha256"]


def test_other_seed_gives_another_model():
    a = audit.reference("credit", seed=0, training=audit.TrainingConfig(epochs=2))
    b = audit.reference("credit", seed=1, training=audit.TrainingConfig(epochs=2))
    from audit.manifest import data_sha256, state_sha256

    assert state_sha256(a.model) != state_sha256(b.model)
    assert data_sha256(a.X_test) != data_sha256(b.X_test)


def test_quickstart_example_runs(tmp_path):
    done = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "credit_quickstart.py"), str(tmp_path / "out")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "demographic parity ratio by sex:" in done.stdout
    assert (tmp_path / "out" / "report.html").is_file()
