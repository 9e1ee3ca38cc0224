"""The performance and generalization check: does it work, and does it overfit?"""

from __future__ import annotations

from typing import TYPE_CHECKING

from audit.checks._performance_cost import performance_cost, performance_shrink
from audit.checks._registry import Advice, Check, RunContext
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
    engine = None if context is None else context.engine
    return performance_section(subject, settings or PerformanceSettings(), seed=seed, engine=engine)


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



#: Plain words, why it matters and the next step, for the report's top findings.
ADVICE = {
    "test_accuracy": Advice(
        "accuracy on the test split",
        "Below the policy's limit the model is wrong too often to be relied on.",
        "Improve the model or the data; see the learning curves and per-class scores.",
    ),
    "test_balanced_accuracy": Advice(
        "balanced accuracy on the test split (mean recall over classes)",
        "The model does much worse on some class than accuracy shows.",
        "Train with class weights or more rows of the weak class; see per-class scores.",
    ),
    "test_f1": Advice(
        "F1 score on the test split",
        "Precision and recall of the positive class are low together.",
        "Tune the decision threshold or improve the model; see the per-class scores.",
    ),
    "test_roc_auc": Advice(
        "area under the ROC curve on the test split",
        "The model ranks positives above negatives little better than chance.",
        "Improve features or model capacity; check the data section for label problems.",
    ),
    "accuracy_gap": Advice(
        "training accuracy minus test accuracy",
        "A large gap means the model memorised its training data (overfitting).",
        "Regularise, stop training earlier, or collect more data; see the learning curves.",
    ),
    "val_loss_rise": Advice(
        "rise of the validation loss after its minimum",
        "The model kept training past its best point.",
        "Use early stopping on the validation loss (the kept epoch is marked in the curves).",
    ),
    "ece": Advice(
        "expected calibration error of the predicted probabilities",
        "The model's probabilities do not match how often it is right.",
        "Recalibrate (temperature scaling or isotonic) before using probabilities.",
    ),
}


CHECK = Check(
    name="performance",
    title="Performance and generalization",
    run=run,
    settings=PerformanceSettings,
    cost=performance_cost,
    shrink=performance_shrink,
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
        "NIST AI RMF MEASURE 2.5",
        "NIST AI RMF MEASURE 2.6",
    ),
    summary="train/test scores, overfitting gap, learning curves, calibration",
    advice=ADVICE,
)
