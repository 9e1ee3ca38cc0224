"""The robustness check: corruptions, adversarial attacks, per-group flips, counterfactuals.

The work is done in :mod:`audit.robustness` (torch, captum.robust, statsmodels); this
module is the check's entry in the registry and imports nothing heavy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from audit.checks._registry import Advice, Check, RunContext
from audit.results import Section, Threshold
from audit.robustness._cost import robustness_cost, robustness_shrink
from audit.robustness._settings import RobustnessSettings
from audit.verdicts import verdict_sentence

if TYPE_CHECKING:
    from audit.subject import Subject

__all__ = ["CHECK", "RobustnessSettings", "conclude", "run"]


def run(
    subject: Subject,
    settings: RobustnessSettings | None = None,
    context: RunContext | None = None,
) -> Section:
    """Perturb the test rows; see :func:`audit.robustness.robustness_section`."""
    from audit.robustness._section import robustness_section

    return robustness_section(
        subject,
        settings,
        rng=None if context is None else context.rng(),
        progress=None if context is None else context.progress,
    )


def conclude(section: Section) -> None:
    """Lead the summary with the metrics that set the verdict, then the worst corruption."""
    lead = verdict_sentence(section.metrics, section.verdict)
    section.summary = " ".join(part for part in (lead, section.summary) if part)


#: Plain words, why it matters and the next step, for the report's top findings.
ADVICE = {
    "corruption_accuracy_ratio": Advice(
        "accuracy under natural corruptions, relative to clean",
        "Noisy, blurred or slightly wrong inputs in deployment will get many more wrong answers.",
        "Train with the corruptions the table shows as worst (data augmentation), then re-audit.",
    ),
    "robust_accuracy_ratio": Advice(
        "accuracy under small adversarial changes, relative to clean",
        "Tiny, deliberate changes of an input can change the decision.",
        "Consider adversarial training or input checks, and state the limit in the model card.",
    ),
    "flip_rate_gap": Advice(
        "gap between groups in how often corruptions flip a decision ({scope})",
        "The model is less stable for some groups than for others (robustness bias).",
        "Look at the per-group flip table and add training data for the least stable group.",
    ),
    "adversarial_flip_rate_gap": Advice(
        "gap between groups in how often a small attack flips a decision ({scope})",
        "Some groups sit closer to the decision boundary and are easier to flip.",
        "Look at the per-group flip table and check the margins of the least robust group.",
    ),
    "min_perturbation_ratio": Advice(
        "how much closer to a flip one group's decisions are ({scope})",
        "A smaller change of the input flips decisions for one group than for another.",
        "Compare the groups' margins in the per-group distance table; add training data "
        "near the boundary for the closer group.",
    ),
    "counterfactual_flip_rate": Advice(
        "decisions that change when only {scope} changes",
        "The model uses {scope} directly: changing it alone changes the decision.",
        "Remove {scope} from the inputs or retrain with a fairness constraint, then re-audit.",
    ),
}


CHECK = Check(
    name="robustness",
    title="Robustness",
    run=run,
    settings=RobustnessSettings,
    conclude=conclude,
    thresholds={
        "corruption_accuracy_ratio": Threshold(warn=0.9, fail=0.75),
        "robust_accuracy_ratio": Threshold(warn=0.8, fail=0.5),
        "flip_rate_gap": Threshold(warn=0.05, fail=0.10, higher_is_better=False),
        "adversarial_flip_rate_gap": Threshold(warn=0.05, fail=0.10, higher_is_better=False),
        "min_perturbation_ratio": Threshold(warn=0.8, fail=0.5),
        "counterfactual_flip_rate": Threshold(warn=0.05, fail=0.10, higher_is_better=False),
    },
    evidence=("EU AI Act Art. 15", "NIST AI RMF MEASURE 2.5", "NIST AI RMF MEASURE 2.6"),
    summary="accuracy under corruptions and L∞/L2 attacks, per-group flips and flip "
    "distances, counterfactual probes",
    advice=ADVICE,
    cost=robustness_cost,
    shrink=robustness_shrink,
)
