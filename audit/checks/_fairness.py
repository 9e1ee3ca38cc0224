"""Fairness check of a model: adapts a Subject to :func:`audit.fairness.fairness_section`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from audit.checks._registry import Advice, Check, RunContext
from audit.results import Section, Threshold
from audit.settings import REFERENCE_RATES, FairnessSettings

if TYPE_CHECKING:
    from audit.subject import Subject

__all__ = ["CHECK", "FairnessSettings", "conclude", "run"]

SECTION_ID = "fairness"
TITLE = "Fairness"


def run(
    subject: Subject, settings: FairnessSettings | None = None, context: RunContext | None = None
) -> Section:
    """Group metrics, disparities with intervals, and mitigation, on the test split.

    Predictions are the most probable class, the positive class is class 1. The
    mitigation thresholds are chosen on the training split and measured on test.

    Parameters
    ----------
    subject : Subject
        Needs ``sensitive_test`` and a binary task.
    settings : FairnessSettings, optional
    context : RunContext, optional
        The run's seed seeds the mitigation split (default 0).

    Returns
    -------
    Section
        Table ``by_group`` (``sensitive_feature``, ``group``, ``count``, ``selection_rate``,
        ``accuracy``, ``true_positive_rate``, ...) and metrics such as
        ``demographic_parity_ratio[sex]`` and ``selection_rate_vs_reference[sex: female / male]``.

    Raises
    ------
    AuditInputError
        When a sensitive feature has more than ``max_groups`` distinct values (checked
        before the model runs), and when a group holds one class only and
        ``on_degenerate_group`` is ``"error"``.

    Examples
    --------
    >>> from audit import reference
    >>> from audit.config import TrainingConfig
    >>> section = run(reference("credit", training=TrainingConfig(epochs=3)))
    >>> section.table("by_group").columns[:3]
    ['sensitive_feature', 'group', 'count']
    """
    from audit.fairness import MitigationData, check_group_counts, fairness_section

    settings = settings or FairnessSettings()
    if subject.sensitive_test is None:
        return Section(
            id=SECTION_ID,
            title=TITLE,
            summary="No sensitive features were given, so group fairness was not measured.",
            notes=["Pass sensitive_test to Subject to audit fairness."],
        )
    if subject.n_classes != 2:
        return Section(
            id=SECTION_ID,
            title=TITLE,
            summary="Group disparities need a binary task; this model has more than two classes.",
            notes=[f"{subject.n_classes} classes: fairness metrics were not computed."],
        )
    check_group_counts(subject.sensitive_test, settings=settings)  # before the model runs
    proba = subject.predict_proba("test")
    mitigation = None
    if subject.sensitive_train is not None:
        mitigation = MitigationData(
            subject.predict_proba("train")[:, 1],
            subject.y_train.numpy(),
            subject.sensitive_train,
            source=f"the training split ({len(subject.y_train)} rows)",
        )
    section = fairness_section(
        subject.y_test.numpy(),
        proba.argmax(axis=1),
        subject.sensitive_test,
        scores=proba[:, 1],
        mitigation_data=mitigation,
        positive_name=subject.class_names[1],
        settings=settings,
        seed=0 if context is None else context.seed,
    )
    return section


def conclude(section: Section) -> None:
    """After the policy's verdicts, say first which metrics set the verdict, and why."""
    if not section.metrics:
        return
    # the runner puts the sentence naming the metrics that set the verdict first
    parts = (_band_sentence(section), _lowest_ratio(section))
    section.summary = " ".join(part for part in parts if part)


def _band_sentence(section: Section) -> str:
    band = [m for m in section.metrics if m.name.endswith("_vs_reference")]
    if not band:
        return ""
    outside = sum(m.verdict == "fail" for m in band)
    return (
        f"{outside} of {len(band)} group-vs-reference ratios lie outside the four-fifths band "
        "with confidence."
    )


def _lowest_ratio(section: Section) -> str:
    ratios = [
        m for m in section.metrics if m.name == "demographic_parity_ratio" and m.value is not None
    ]
    if not ratios:
        return ""
    worst = min(ratios, key=lambda m: m.value)
    known = worst.ci and None not in worst.ci
    ci = f" (interval {worst.ci[0]:.2f}–{worst.ci[1]:.2f})" if known else ""
    return f"Lowest demographic parity ratio {worst.value:.3f}{ci} for {worst.scope}."


_MITIGATE = "Try the mitigation shown in the fairness section (ThresholdOptimizer) and review it."
_PARITY = (
    "Groups of {scope} are selected at different rates: under the four-fifths rule this can "
    "indicate disparate impact."
)
_ERRORS = "The model's errors fall unevenly on the groups of {scope}."

#: Plain words, why it matters and the next step, for the report's top findings.
ADVICE = {
    "demographic_parity_difference": Advice(
        "largest gap in selection rate between groups of {scope}", _PARITY, _MITIGATE
    ),
    "demographic_parity_ratio": Advice(
        "lowest over highest selection rate between groups of {scope}", _PARITY, _MITIGATE
    ),
    "equal_opportunity_difference": Advice(
        "largest gap in true-positive rate between groups of {scope}",
        "Qualified people in some groups of {scope} are missed more often.",
        _MITIGATE,
    ),
    "equal_opportunity_ratio": Advice(
        "lowest over highest true-positive rate between groups of {scope}",
        "Qualified people in some groups of {scope} are missed more often.",
        _MITIGATE,
    ),
    "equalized_odds_difference": Advice(
        "largest gap in true- or false-positive rate between groups of {scope}", _ERRORS, _MITIGATE
    ),
    "equalized_odds_ratio": Advice(
        "lowest over highest true- or false-positive rate between groups of {scope}",
        _ERRORS,
        _MITIGATE,
    ),
    "false_negative_rate_ratio": Advice(
        "lowest over highest false-negative rate between groups of {scope}", _ERRORS, _MITIGATE
    ),
    "false_positive_rate_ratio": Advice(
        "lowest over highest false-positive rate between groups of {scope}", _ERRORS, _MITIGATE
    ),
    "selection_rate_vs_reference": Advice(
        "selection rate of a group over the reference group's ({scope})", _PARITY, _MITIGATE
    ),
    "true_positive_rate_vs_reference": Advice(
        "true-positive rate of a group over the reference group's ({scope})", _ERRORS, _MITIGATE
    ),
    "false_positive_rate_vs_reference": Advice(
        "false-positive rate of a group over the reference group's ({scope})", _ERRORS, _MITIGATE
    ),
    "precision_vs_reference": Advice(
        "precision of a group over the reference group's ({scope})", _ERRORS, _MITIGATE
    ),
    "accuracy_vs_reference": Advice(
        "accuracy of a group over the reference group's ({scope})", _ERRORS, _MITIGATE
    ),
}


CHECK = Check(
    name="fairness",
    title=TITLE,
    run=run,
    settings=FairnessSettings,
    conclude=conclude,
    thresholds={
        # ratios against the four-fifths rule, differences against 0.1 / 0.2
        "demographic_parity_ratio": Threshold(warn=0.90, fail=0.80, higher_is_better=True),
        "demographic_parity_difference": Threshold(warn=0.10, fail=0.20, higher_is_better=False),
        "equalized_odds_ratio": Threshold(warn=0.90, fail=0.80, higher_is_better=True),
        "equalized_odds_difference": Threshold(warn=0.10, fail=0.20, higher_is_better=False),
        "equal_opportunity_ratio": Threshold(warn=0.90, fail=0.80, higher_is_better=True),
        "equal_opportunity_difference": Threshold(warn=0.10, fail=0.20, higher_is_better=False),
        "false_positive_rate_ratio": Threshold(warn=0.90, fail=0.80, higher_is_better=True),
        "false_negative_rate_ratio": Threshold(warn=0.90, fail=0.80, higher_is_better=True),
        # each group against the reference group, the four-fifths band (dalex)
        **{f"{rate}_vs_reference": Threshold(band=[0.8, 1.25]) for rate in REFERENCE_RATES},
    },
    evidence=("EU AI Act Art. 10", "EU AI Act Art. 13", "NIST AI RMF MEASURE 2.11"),
    summary="group metrics, disparity ratios with intervals, four-fifths band, mitigation",
    advice=ADVICE,
)
