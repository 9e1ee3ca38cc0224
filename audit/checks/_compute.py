"""The compute check: what did the model cost? Size, FLOPs, time, energy estimate."""

from __future__ import annotations

from typing import TYPE_CHECKING

from audit.checks._compute_cost import compute_cost, compute_shrink
from audit.checks._registry import Check, RunContext
from audit.results import Section
from audit.settings import ComputeSettings

if TYPE_CHECKING:
    from audit.subject import Subject

__all__ = ["CHECK", "run"]


def run(
    subject: Subject, settings: ComputeSettings | None = None, context: RunContext | None = None
) -> Section:
    """Measure size, FLOPs and time; see :func:`audit.compute.compute_section`."""
    from audit.compute import compute_section

    return compute_section(subject, settings or ComputeSettings())


CHECK = Check(
    name="compute",
    title="Compute",
    run=run,
    settings=ComputeSettings,
    evidence=("EU AI Act Art. 13", "NIST AI RMF MEASURE 2.12"),
    summary="parameters, FLOPs, inference and training time, energy and CO2e estimates",
    cost=compute_cost,
    shrink=compute_shrink,
)
