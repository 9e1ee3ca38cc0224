"""The DP-SGD training record as the report shows it: a table, and ε and δ as metrics."""

from __future__ import annotations

from typing import Any

from audit.results import Metric, Section, Table

__all__ = ["dp_training"]


def dp_training(section: Section, record: dict[str, Any]) -> None:
    """Add the DP-SGD record (ε, δ, σ, C, q, steps, unit, swaps) as a table and ε, δ metrics."""
    swaps = record.get("swaps") or []
    unit = record.get("privacy_unit")
    units = (
        []
        if unit is None
        else [
            ["privacy unit (what ε protects)", unit],
            ["units in the training data", record.get("units")],
            ["most training rows of one unit", record.get("most_rows_per_unit")],
        ]
    )
    rows = [
        ["epsilon (ε)", record.get("epsilon")],
        ["delta (δ)", record.get("delta")],
        ["target ε", record.get("target_epsilon")],
        ["noise multiplier (σ)", record.get("noise_multiplier")],
        ["clipping norm (C)", record.get("max_grad_norm")],
        ["sampling rate (q, Poisson)", record.get("sample_rate")],
        ["steps", record.get("steps")],
        ["epochs", record.get("epochs")],
        ["accountant", record.get("accountant")],
        ["grad-sample mode", record.get("grad_sample_mode")],
        ["module swaps (ModuleValidator.fix)", "; ".join(swaps) if swaps else "none"],
        *units,
    ]
    section.tables.append(
        Table(
            id="dp_training",
            title="DP-SGD training (opacus)",
            columns=["parameter", "value"],
            rows=rows,
            caption="ε is the accountant's bound for all steps taken at the given δ.",
        )
    )
    accountant = record.get("accountant", "?")
    section.metrics.append(
        Metric("epsilon", record.get("epsilon"), description=f"DP-SGD ε ({accountant} accountant)")
    )
    section.metrics.append(Metric("delta", record.get("delta"), description="DP-SGD δ"))
