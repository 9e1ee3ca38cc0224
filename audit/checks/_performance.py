"""The performance and generalization check: does it work, and does it overfit?"""

from __future__ import annotations

from typing import TYPE_CHECKING

from audit.checks._registry import Check, RunContext
from audit.results import Section, Table, Threshold, worst_verdict
from audit.settings import PerformanceSettings

if TYPE_CHECKING:
    from audit.subject import Subject

__all__ = ["CHECK", "conclude", "run"]


def run(
    subject: Subject,
    settings: PerformanceSettings | None = None,
    context: RunContext | None = None,
) -> Section:
    """Score the model on train and test; see :func:`audit.performance.performance_section`."""
    from audit.performance import performance_section

    seed = 0 if context is None else context.seed
    return performance_section(subject, settings or PerformanceSettings(), seed=seed)


def conclude(section: Section) -> None:
    """After the policy has judged the metrics, state the overfitting verdict."""
    keys = {m.key: m for m in section.metrics}
    evidence = [keys[k] for k in ("accuracy_gap", "val_loss_rise") if k in keys]
    if not evidence:  # predictions only: no train split, no overfitting to judge
        return
    verdict = worst_verdict([m.verdict for m in evidence])
    parts = ", ".join(
        f"{m.key} = {m.value:.3f} ({m.verdict})" for m in evidence if m.value is not None
    )
    section.notes.insert(0, f"Overfitting verdict: {verdict.upper()} from {parts}.")
    section.tables.insert(
        0,
        Table(
            id="overfitting",
            title="Overfitting diagnosis",
            columns=["evidence", "value", "verdict"],
            rows=[[m.key, m.value, m.verdict] for m in evidence] + [["overall", None, verdict]],
        ),
    )



CHECK = Check(
    name="performance",
    title="Performance and generalization",
    run=run,
    settings=PerformanceSettings,
    conclude=conclude,
    thresholds={
        "test_accuracy": Threshold(warn=0.70, fail=0.60, higher_is_better=True),
        "test_balanced_accuracy": Threshold(warn=0.65, fail=0.55, higher_is_better=True),
        "test_roc_auc": Threshold(warn=0.75, fail=0.65, higher_is_better=True),
        "test_f1": Threshold(warn=0.70, fail=0.60, higher_is_better=True),
        "accuracy_gap": Threshold(warn=0.05, fail=0.10, higher_is_better=False),
        "val_loss_rise": Threshold(warn=0.10, fail=0.25, higher_is_better=False),
        "ece": Threshold(warn=0.08, fail=0.15, higher_is_better=False),
    },
    evidence=(
        "EU AI Act Art. 13",
        "EU AI Act Art. 15",
        "NIST AI RMF MEASURE 2.3",
        "NIST AI RMF MEASURE 2.6",
    ),
    summary="train/test scores, overfitting gap, learning curves, calibration",
)
