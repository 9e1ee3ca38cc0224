"""Log an audit to MLflow: every metric with its verdict, the outputs, the gate's outcome.

Called by the CLI after the outputs are written (``--mlflow``, or ``mlflow:`` in the
config); nothing in the audit depends on it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from audit.errors import AuditInputError, bad_input, clip
from audit.results import AuditResult

__all__ = ["MISSING_MLFLOW", "log_to_mlflow", "mlflow_key"]

MISSING_MLFLOW = (
    "mlflow: expected the mlflow package; install it with pip install 'rai-audit[mlflow]'."
)

#: The files of an output folder that are logged as artifacts, when present.
ARTIFACTS = ("report.html", "results.json", "report.pdf")


def mlflow_key(section: str, metric_key: str) -> str:
    """An MLflow metric name for ``metric_key`` of ``section`` (brackets become dots).

    Examples
    --------
    >>> mlflow_key("fairness", "demographic_parity_ratio[sex & age]")
    'fairness.demographic_parity_ratio.sex & age'
    >>> mlflow_key("data", "max_missing_share")
    'data.max_missing_share'
    """
    name = metric_key.replace("[", ".").replace("]", "")
    return re.sub(r"[^\w.\- /:&]", "_", f"{section}.{name}")


def log_to_mlflow(
    result: AuditResult,
    out: str | Path,
    *,
    settings: Any = True,
    gate: str = "never",
    gate_failed: bool = False,
) -> str:
    """Log ``result`` and the outputs in ``out`` to MLflow; return the run's id.

    Parameters
    ----------
    result : AuditResult
    out : path
        The output folder (its ``report.html``, ``results.json`` and ``report.pdf``
        become artifacts).
    settings : True, mapping or MlflowSettings
        ``tracking_uri``, ``experiment``, ``run_name`` (each optional). Without a
        tracking URI, MLflow's own applies (``MLFLOW_TRACKING_URI``); with an active
        run, the audit is logged into it.
    gate, gate_failed
        The policy gate (``--fail-on``) and whether the verdict broke it.

    Raises
    ------
    AuditInputError
        Naming ``rai-audit[mlflow]`` when mlflow is not installed.

    Examples
    --------
    >>> where = {"tracking_uri": "file:/tmp/mlruns"}
    >>> log_to_mlflow(result, "out", settings=where)  # doctest: +SKIP
    '3f2a...'
    """
    try:
        import mlflow
    except ImportError:
        raise AuditInputError(MISSING_MLFLOW) from None
    options = _options(settings)
    try:
        return _log(mlflow, result, Path(out), options, gate, gate_failed)
    except mlflow.exceptions.MlflowException as error:  # a store that refuses: say so, in a line
        reason = clip(str(error), 240)
        raise bad_input("mlflow", "a tracking store that accepts the run", reason) from None


def _log(mlflow, result, out: Path, options, gate: str, gate_failed: bool) -> str:
    if options.get("tracking_uri"):
        mlflow.set_tracking_uri(options["tracking_uri"])
    if options.get("experiment"):
        mlflow.set_experiment(options["experiment"])
    active = mlflow.active_run()
    run = active or mlflow.start_run(run_name=options.get("run_name") or result.subject["name"])
    try:
        metrics, tags = {}, {}
        for section in result.sections:
            tags[f"verdict.{section.id}"] = section.verdict
            for metric in section.metrics:
                key = mlflow_key(section.id, metric.key)
                if isinstance(metric.value, (int, float)) and not isinstance(metric.value, bool):
                    metrics[key] = float(metric.value)
                    if metric.ci and None not in metric.ci:
                        metrics[f"{key}.ci_low"], metrics[f"{key}.ci_high"] = map(float, metric.ci)
                tags[f"verdict.{key}"] = metric.verdict or "info"
        tags.update(
            {
                "rai_audit.verdict": result.verdict,
                "rai_audit.gate": gate,
                "rai_audit.gate_failed": str(bool(gate_failed)).lower(),
                "rai_audit.engine": str(result.manifest.get("engine") or ""),
                "rai_audit.modality": str(result.subject.get("modality", "")),
            }
        )
        mlflow.log_metrics(metrics)
        mlflow.set_tags(tags)
        mlflow.log_param("seed", result.manifest.get("seed"))
        for name in ARTIFACTS:
            path = out / name
            if path.is_file():
                mlflow.log_artifact(str(path))
        return run.info.run_id
    finally:
        if active is None:
            mlflow.end_run()


def _options(settings: Any) -> dict[str, Any]:
    if settings is True or settings is None:
        return {}
    if hasattr(settings, "model_dump"):
        return settings.model_dump()
    if isinstance(settings, Mapping):
        unknown = sorted(set(settings) - {"tracking_uri", "experiment", "run_name"})
        if unknown:
            raise bad_input("mlflow", "keys tracking_uri, experiment, run_name", unknown)
        return dict(settings)
    raise bad_input("mlflow", "true or a mapping of tracking_uri, experiment, run_name", settings)
