"""MLflow: every metric with its verdict, the outputs and the gate, in a local file store."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from audit.cli import app
from audit.integrations import MISSING_MLFLOW, mlflow_key

mlflow = pytest.importorskip("mlflow")


def test_predictions_logs_metrics_verdicts_artifacts_and_gate(table, tmp_path, monkeypatch):
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")  # MLflow 3: file stores opt in
    table.to_csv(tmp_path / "preds.csv", index=False)
    store = (tmp_path / "mlruns").as_uri()
    config = tmp_path / "audit.yaml"
    config.write_text(
        f"mlflow: {{tracking_uri: '{store}', experiment: audits, run_name: nightly}}\n"
    )
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app,
        [
            "predictions",
            str(tmp_path / "preds.csv"),
            "--y-true",
            "y",
            "--y-score",
            "score",
            "--sensitive",
            "sex",
            "--config",
            str(config),
            "--fail-on",
            "fail",
            "--out",
            str(out),
        ],
    )
    from audit import AuditResult

    saved = AuditResult.load(out / "results.json")
    assert result.exit_code == (1 if saved.verdict == "fail" else 0), result.output
    client = mlflow.MlflowClient(tracking_uri=store)
    (run,) = client.search_runs([client.get_experiment_by_name("audits").experiment_id])
    assert run.info.run_name == "nightly"
    fairness = saved.section("fairness")
    metric = fairness.metrics[0]
    key = mlflow_key("fairness", metric.key)
    assert run.data.metrics[key] == pytest.approx(metric.value, abs=1e-12)
    assert run.data.tags[f"verdict.{key}"] == metric.verdict
    assert run.data.tags["rai_audit.verdict"] == saved.verdict
    assert run.data.tags["rai_audit.gate"] == "fail"
    assert run.data.tags["rai_audit.gate_failed"] == str(saved.verdict == "fail").lower()
    assert run.data.tags["rai_audit.engine"] == "duckdb"
    n_metrics = sum(len(s.metrics) for s in saved.sections)
    assert (
        sum(1 for k in run.data.tags if k.startswith("verdict.") and k.count(".") > 1) == n_metrics
    )
    artifacts = {a.path for a in client.list_artifacts(run.info.run_id)}
    assert {"report.html", "results.json"} <= artifacts


def test_missing_mlflow_names_the_extra(monkeypatch, table, tmp_path):
    import sys

    import audit
    from audit.errors import AuditInputError
    from audit.integrations import log_to_mlflow

    result = audit.audit_predictions(
        table, y_true="y", y_score="score", sensitive="sex", config={"checks": ["performance"]}
    )
    monkeypatch.setitem(sys.modules, "mlflow", None)
    with pytest.raises(AuditInputError) as info:
        log_to_mlflow(result, tmp_path)
    assert str(info.value) == MISSING_MLFLOW
    assert "rai-audit[mlflow]" in MISSING_MLFLOW
    import re
    from pathlib import Path

    text = (Path(__file__).parents[2] / "pyproject.toml").read_text()
    extras = set(re.findall(r"^(\w+)\s*=\s*\[", text.split("optional-dependencies]")[1], re.M))
    assert {"mlflow", "spark", "ray", "hf"} <= extras
