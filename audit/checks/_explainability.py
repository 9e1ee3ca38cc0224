"""Explainability check: attributions of the subject's model, with trust evidence and badges.

A method is *trusted* only when every trust test it has passes under the policy;
*caution* when one warns (or cannot be judged) and none fails; *unreliable* when
one fails. The trust tests:

- ``completeness_gap`` (Integrated Gradients);
- ``randomization_spearman``: the cascading model-randomization test (Adebayo et al.
  2018), the mean Spearman of the signed maps once every layer is re-drawn, judged
  by its interval (|attribution| is reported beside it: for methods that multiply
  by the input it stays near the input's own pattern whatever the weights);
- ``deletion_p_value``: the share of ``random_orders`` random orders whose deletion
  curve falls at least as fast as the method's; it fails above 0.05 (the method's
  order is then not shown to beat a random one);
- ``localisation_lift`` where evidence is planted;
- ``model_skill_p_value``, for every method at once: a label-permutation test of the
  model's skill on the test rows; a model with none (untrained, fit to noise) has
  nothing its explanations could reveal, so each method is at most *caution*.

The headline global importance, and the rank of a sensitive feature, come from the
trusted methods only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from audit.checks._registry import Advice, Check, RunContext
from audit.explain._cost import explain_cost, explain_shrink
from audit.results import Section, Table, Threshold, worst_verdict
from audit.settings import ExplainSettings

if TYPE_CHECKING:
    from audit.subject import Subject

__all__ = ["CHECK", "conclude", "run"]


def run(
    subject: Subject,
    settings: ExplainSettings | None = None,
    context: RunContext | None = None,
) -> Section:
    """Explain the predicted class of sampled test rows with every method of the modality.

    See :func:`audit.explain.explainability_section`; the run's seed picks the rows.
    """
    from audit.explain import explainability_section

    return explainability_section(
        subject,
        settings,
        seed=0 if context is None else context.seed,
        progress=None if context is None else context.progress,
        engine=None if context is None else context.engine,
    )


#: The trust table's columns after method and library: (column, metric name).
_COLUMNS = (
    ("completeness gap", "completeness_gap"),
    ("deletion p-value", "deletion_p_value"),
    ("deletion gain", "deletion_gain"),
    ("insertion p-value", "insertion_p_value"),
    ("insertion gain", "insertion_gain"),
    ("randomization spearman (full cascade)", "randomization_spearman"),
    ("randomization spearman |attribution|", "randomization_spearman_abs"),
    ("randomization spearman (one stage, highest)", "randomization_spearman_independent"),
    ("infidelity", "infidelity"),
    ("sensitivity max", "sensitivity_max"),
    ("localisation lift", "localisation_lift"),
)


def conclude(section: Section) -> None:
    """After the policy's verdicts: badges, their counts, and the headline from trusted methods."""
    from audit.explain import METHODS
    from audit.explain._badges import badges, count_sentence
    from audit.explain._headline import headline_sentence, importance_figure, rerank
    from audit.explain._tabular import reflag

    found = badges(section.metrics)
    if not found:
        return
    labels = {m: METHODS[m].label if m in METHODS else m for m in found}
    rows = []
    for method, badge in found.items():
        evidence = {m.name: m for m in section.metrics if m.scope == method}
        rows.append(
            [
                labels[method],
                METHODS[method].library if method in METHODS else "",
                *(evidence[n].value if n in evidence else None for _, n in _COLUMNS),
                badge.text,
            ]
        )
    section.tables.insert(
        0,
        Table(
            id="trust",
            title="Can each explanation be trusted?",
            columns=["method", "library", *(c for c, _ in _COLUMNS), "badge"],
            rows=rows,
            caption="Trusted: every trust test passes under the policy; caution: one warns "
            "(in the warn zone, inconclusive) or cannot be judged, none fails; unreliable: "
            "one fails. The tests: completeness (Integrated Gradients), the cascading "
            "model-randomization test (Spearman once every layer is re-drawn, by its "
            "interval), deletion against random orders (p-value), localisation of "
            "planted evidence, and, for every method, whether the model shows skill at all.",
        ),
    )
    trusted = [m for m, b in found.items() if b.status == "trusted"]
    tables = {t.id: t for t in section.tables}
    headline = ""
    if "global_importance" in tables:
        table = tables["global_importance"]
        rerank(table, trusted)
        section.figures = [
            importance_figure(table, list(found)) if f.id == "global_importance" else f
            for f in section.figures
        ]
        reflag(section.tables, section.metrics, section.notes)
        headline = headline_sentence(table, [labels[m] for m in trusted])
    section.verdict = worst_verdict([m.verdict for m in section.metrics])
    section.summary = f"{count_sentence(found, labels)} {headline}".strip()


#: Plain words, why it matters and the next step, for the report's top findings.
ADVICE = {
    "deletion_p_value": Advice(
        "p-value of {scope}'s deletion test against random orders",
        "Removing the features {scope} ranks first hurts the model no more than random "
        "removal: its explanations may not reflect the model.",
        "Do not rely on {scope}'s explanations; use the methods marked trusted.",
    ),
    "randomization_spearman": Advice(
        "rank correlation of {scope}'s attributions before and after randomising the model",
        "Explanations that barely change when the model is destroyed do not explain the model.",
        "Do not rely on {scope}'s explanations; use the methods marked trusted.",
    ),
    "model_skill_p_value": Advice(
        "p-value of the model's skill against a random model",
        "A model no better than chance has nothing to explain.",
        "Fix the model's performance before reading its explanations.",
    ),
    "completeness_gap": Advice(
        "gap between {scope}'s attributions and the output they should add up to",
        "Attributions that do not add up misstate each feature's share.",
        "Use more integration steps, or another baseline, for {scope}.",
    ),
    "localisation_lift": Advice(
        "how much more of {scope}'s attribution falls on the known cause than by chance",
        "Explanations miss the evidence that is known to drive the label.",
        "Do not rely on {scope}'s explanations for this modality.",
    ),
    "sensitive_feature_rank": Advice(
        "headline importance rank of the sensitive feature {scope}",
        "The model leans on a sensitive feature (or its proxy) to decide.",
        "Review whether {scope} may be used; see the fairness section and mitigation.",
    ),
}


CHECK = Check(
    name="explainability",
    title="Explainability",
    run=run,
    settings=ExplainSettings,
    conclude=conclude,
    thresholds={
        "completeness_gap": Threshold(warn=0.01, fail=0.05, higher_is_better=False),
        # of the signed maps, the whole model re-drawn: above 0.85 the weights barely matter
        "randomization_spearman": Threshold(warn=0.6, fail=0.85, higher_is_better=False),
        # a permutation p-value: above 0.05 the method's order does not beat random orders
        "deletion_p_value": Threshold(warn=None, fail=0.05, higher_is_better=False),
        # a label-permutation p-value: above 0.05 the model shows no skill on the test rows
        "model_skill_p_value": Threshold(warn=0.05, fail=None, higher_is_better=False),
        "localisation_lift": Threshold(warn=2.0, fail=1.2, higher_is_better=True),
        # a sensitive feature (or a proxy) among the top 5 features warns
        "sensitive_feature_rank": Threshold(warn=5.5, fail=None, higher_is_better=True),
    },
    evidence=("EU AI Act Art. 13", "NIST AI RMF MEASURE 2.9"),
    summary="attributions (captum, shap) with trust evidence and a badge per method",
    advice=ADVICE,
    cost=explain_cost,
    shrink=explain_shrink,
)
