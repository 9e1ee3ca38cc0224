"""Explainability check: attributions of the subject's model, with trust evidence and badges."""

from __future__ import annotations

from typing import TYPE_CHECKING

from audit.checks._registry import Check, RunContext
from audit.results import Section, Table, Threshold
from audit.settings import ExplainSettings

if TYPE_CHECKING:
    from audit.subject import Subject

__all__ = ["CHECK", "conclude", "run"]

#: Trust tests whose failure marks a method unreliable, in the order they are named.
TRUST_TESTS = ("completeness_gap", "randomization_spearman", "deletion_gain", "localisation_lift")


def run(
    subject: Subject, settings: ExplainSettings | None = None, context: RunContext | None = None
) -> Section:
    """Explain the predicted class of sampled test rows with every method of the modality.

    See :func:`audit.explain.explainability_section`; the run's seed picks the rows.
    """
    from audit.explain import explainability_section

    return explainability_section(subject, settings, seed=0 if context is None else context.seed)


def conclude(section: Section) -> None:
    """After the policy's verdicts, give each method a badge: trusted, or unreliable and why."""
    methods = list(dict.fromkeys(m.scope for m in section.metrics if m.scope))
    if not methods:
        return
    from audit.explain import METHODS

    rows = []
    for method in methods:
        evidence = {m.name: m for m in section.metrics if m.scope == method}
        failing = [
            name for name in TRUST_TESTS if name in evidence and evidence[name].verdict == "fail"
        ]
        warned = [
            name for name in TRUST_TESTS if name in evidence and evidence[name].verdict == "warn"
        ]
        badge = "unreliable: " + ", ".join(failing) if failing else "trusted"
        if warned and not failing:
            badge += " (caution: " + ", ".join(warned) + ")"
        label = METHODS[method].label if method in METHODS else method

        def value(name: str, evidence=evidence) -> float | None:
            return evidence[name].value if name in evidence else None

        rows.append(
            [
                label,
                METHODS[method].library if method in METHODS else "",
                value("completeness_gap"),
                value("deletion_gain"),
                value("insertion_gain"),
                value("randomization_spearman"),
                value("infidelity"),
                value("sensitivity_max"),
                value("localisation_lift"),
                badge,
            ]
        )
    section.tables.insert(
        0,
        Table(
            id="trust",
            title="Can each explanation be trusted?",
            columns=[
                "method",
                "library",
                "completeness gap",
                "deletion gain",
                "insertion gain",
                "randomization spearman",
                "infidelity",
                "sensitivity max",
                "localisation lift",
                "badge",
            ],
            rows=rows,
            caption="A method is unreliable when a trust test fails under the policy: completeness "
            "(Integrated Gradients), the model-randomization sanity test, deletion against "
            "a random order, or localisation of planted evidence.",
        ),
    )
    trusted = sum(row[-1].startswith("trusted") for row in rows)
    section.summary = f"{trusted} of {len(rows)} methods trusted. " + section.summary


CHECK = Check(
    name="explainability",
    title="Explainability",
    run=run,
    settings=ExplainSettings,
    conclude=conclude,
    thresholds={
        "completeness_gap": Threshold(warn=0.01, fail=0.05, higher_is_better=False),
        "randomization_spearman": Threshold(warn=0.6, fail=0.85, higher_is_better=False),
        "deletion_gain": Threshold(warn=None, fail=0.0, higher_is_better=True),
        "localisation_lift": Threshold(warn=2.0, fail=1.2, higher_is_better=True),
        # a sensitive feature (or a proxy) among the top 5 features warns
        "sensitive_feature_rank": Threshold(warn=5.5, fail=None, higher_is_better=True),
    },
    evidence=("EU AI Act Art. 13", "NIST AI RMF MEASURE 2.9"),
    summary="attributions (captum, shap) with trust evidence and a badge per method",
)
