"""``--mlflow`` and the config's ``mlflow:`` key, for the commands that write an audit."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from audit.cli._common import FailOn, gate_failed
from audit.cli._guard import set_stage
from audit.results import AuditResult

__all__ = ["MLFLOW_HELP", "log_if_asked"]

MLFLOW_HELP = (
    "Log every metric with its verdict, the report, results.json and the gate's outcome "
    "to MLflow (tracking URI: the config's mlflow.tracking_uri, else MLflow's own)."
)


def log_if_asked(
    result: AuditResult, out: Path, *, flag: bool, setting: Any, fail_on: FailOn
) -> None:
    """Log to MLflow after the outputs are written, when ``--mlflow`` or the config asks."""
    if not flag and not setting:
        return
    from audit.integrations import log_to_mlflow

    set_stage("mlflow")
    log_to_mlflow(
        result,
        out,
        settings=setting if setting not in (None, False) else True,
        gate=fail_on.value,
        gate_failed=gate_failed(result.verdict, fail_on),
    )
