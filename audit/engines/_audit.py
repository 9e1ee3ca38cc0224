"""An audit of counted cells: the data, performance and fairness sections, judged."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from audit.config import AuditConfig, load_config
from audit.engines._cells import PredictionCells
from audit.manifest import build_manifest
from audit.results import AuditResult
from audit.runner import assemble, policy_for, run_seed, run_stages

__all__ = ["audit_cells", "predictions_subject"]


def predictions_subject(
    *,
    name: str,
    n_rows: int,
    features: list[str],
    sensitive: list[str],
    positive_label: Any,
    metadata: dict[str, Any],
) -> dict[str, Any]:
    """The subject record of audited predictions (no model)."""
    return {
        "name": name,
        "modality": "predictions",
        "model_class": "external system (predictions only)",
        "n_parameters": None,
        "n_train": None,
        "n_test": n_rows,
        "input_shape": [],
        "n_classes": 2,
        "class_names": [
            "negative",
            f"positive ({positive_label if positive_label is not None else 1})",
        ],
        "feature_names": [str(c) for c in features],
        "sensitive_features": [str(c) for c in sensitive],
        "metadata": metadata,
    }


def audit_cells(
    cells: PredictionCells,
    *,
    metadata: dict[str, Any],
    positive_label: Any = None,
    config: AuditConfig | Mapping[str, Any] | str | Path | None = None,
    name: str = "predictions",
    started: datetime,
) -> AuditResult:
    """Audit the predictions counted in ``cells``; see :func:`audit.audit_predictions`.

    Examples
    --------
    >>> from datetime import datetime, timezone
    >>> import pandas as pd
    >>> from audit.engines import duckdb_cells
    >>> df = pd.DataFrame({"y": [0, 1] * 50, "s": [0.3, 0.8] * 50, "g": ["a"] * 60 + ["b"] * 40})
    >>> cells = duckdb_cells(df, y_true="y", y_score="s", sensitive=["g"])
    >>> result = audit_cells(cells, metadata={}, started=datetime.now(timezone.utc),
    ...                      config={"checks": ["performance"]})
    >>> result.section("performance").metric("test_accuracy").value
    1.0
    """
    from audit.engines._data import data_from_cells
    from audit.engines._fairness import fairness_from_cells
    from audit.engines._performance import performance_from_cells
    from audit.predictions import chosen_checks

    settings = load_config(config)
    seed = run_seed(settings)
    settings = settings.model_copy(update={"seed": seed})
    builders = {
        "data": lambda: data_from_cells(cells, settings=settings.data),
        "performance": lambda: performance_from_cells(
            cells, n_bins=settings.performance.calibration_bins
        ),
        "fairness": lambda: fairness_from_cells(
            cells,
            positive_name=str(positive_label if positive_label is not None else 1),
            settings=settings.settings_of("fairness"),
            seed=seed,
        ),
    }
    checks = chosen_checks(settings, builders)
    if "fairness" in checks:  # an ID column as sensitive: refused before any stage runs
        from audit.engines._fairness import grouped_encoder
        from audit.fairness._section import _encoder

        grouped_encoder(_encoder(settings.settings_of("fairness")), cells)
    policy = policy_for(settings)
    sections, stages = run_stages({check: builders[check] for check in checks}, policy)
    manifest = build_manifest(None, settings, data_hash=cells.sha256(), engine=cells.engine)
    subject = predictions_subject(
        name=name,
        n_rows=cells.n_rows,
        features=cells.features,
        sensitive=cells.sensitive,
        positive_label=positive_label,
        metadata=metadata,
    )
    return assemble(
        subject,
        sections,
        policy,
        settings,
        manifest=manifest,
        started=started,
        stages=stages,
        training_data=None,
    )
