"""The privacy check: the DP-SGD record, membership-inference attacks, the cost of privacy.

The work is done in :mod:`audit.privacy` (opacus); this module is the check's entry
in the registry.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from audit.checks._privacy_cost import privacy_cost, privacy_shrink
from audit.checks._registry import Advice, Check, RunContext
from audit.results import Metric, Section, Threshold, worst_verdict
from audit.settings import PrivacySettings
from audit.verdicts import verdict_sentence

if TYPE_CHECKING:
    from audit.subject import Subject

__all__ = ["CHECK", "conclude", "run"]


def run(
    subject: Subject, settings: PrivacySettings | None = None, context: RunContext | None = None
) -> Section:
    """Attack the training rows; see :func:`audit.privacy.privacy_section`."""
    from audit.privacy._section import run as privacy_section

    return privacy_section(
        subject,
        settings,
        seed=0 if context is None else context.seed,
        progress=None if context is None else context.progress,
        engine=None if context is None else context.engine,
    )


#: Metric names and scopes in words, for the summary
_WORDS = {
    "mia_auc": "AUC",
    "mia_balanced_accuracy": "balanced accuracy",
    "mia_tpr_at_1pct_fpr": "share of members found at 1% false positives",
    "mia_tpr_at_01pct_fpr": "share of members found at 0.1% false positives",
    "empirical_epsilon_lower_bound": "empirical ε lower bound",
    "epsilon": "DP-SGD ε",
    "delta": "DP-SGD δ",
}
_ATTACKS = {"loss_threshold": "loss-threshold attack", "lira_offline": "offline LiRA attack"}
#: How the policy's notes on a warning begin (audit.verdicts.decide)
_POLICY_WARNINGS = ("inconclusive", "in the warn zone")


def _in_words(metric: Metric) -> str:
    """``metric`` as a phrase: what it is, its value, why it got its verdict."""
    what = _WORDS.get(metric.name, metric.name.replace("_", " "))
    if metric.scope is not None:
        what = f"{_ATTACKS.get(metric.scope, metric.scope)}'s {what}"
    text = f"the {what} {metric.value:.3f}" if metric.value is not None else f"the {what}"
    t, interval = metric.threshold, metric.ci is not None and None not in metric.ci
    if metric.verdict == "fail" and t is not None and t.fail is not None:
        text += f", {'whose interval lies wholly' if interval else 'which lies'} beyond the "
        text += f"fail limit {t.fail:g}"
    elif metric.verdict == "pass" and t is not None:
        limit = t.warn if t.warn is not None else t.fail
        if limit is not None:
            text += f", {'whose interval lies' if interval else 'which lies'} within {limit:g}"
    elif metric.verdict == "warn":
        policy = next((p for p in _POLICY_WARNINGS if p in metric.note), None)
        if policy is not None:
            text += f": {metric.note[metric.note.index(policy) :].rstrip('.')}"
        elif t is not None and t.warn is not None:
            text += f", beyond the warn limit {t.warn:g}"
    elif metric.note:
        text += f" ({metric.note.rstrip('.')})"
    return text


def conclude(section: Section) -> None:
    """After the policy has judged the metrics, say in words which ones set the verdict.

    The summary starts with the metrics that set the section's verdict
    (:func:`audit.verdicts.verdict_sentence`, then the same in words: every judged
    figure when it passes), before the figures themselves; the membership-inference
    verdict goes first in the notes.
    """
    judged = [m for m in section.metrics if m.verdict != "info" and m.threshold is not None]
    verdict = worst_verdict([section.verdict, *(m.verdict for m in judged)])
    if judged:
        setters = [m for m in judged if m.verdict == verdict]
        why = "; ".join(_in_words(m) for m in setters)
        words = f"In words: {verdict.upper()} because of {why}."
        if verdict == "pass":
            words = f"In words: PASS, as every judged figure is within its limit: {why}."
    else:
        unjudged = [m for m in section.metrics if m.threshold is not None]
        why = "; ".join(_in_words(m) for m in unjudged) or "the policy limits no figure here"
        words = f"Not judged: {why}."
    lead = verdict_sentence(section.metrics, section.verdict)
    section.summary = " ".join(part for part in (lead, words, section.summary) if part)
    attacks = [m for m in judged if m.name.startswith("mia_") or m.name.startswith("empirical")]
    if attacks:
        parts = ", ".join(f"{m.key} = {m.value:.3f} ({m.verdict})" for m in attacks)
        mia = worst_verdict([m.verdict for m in attacks])
        section.notes.insert(0, f"Membership-inference verdict: {mia.upper()} from {parts}.")


#: Plain words, why it matters and the next step, for the report's top findings.
ADVICE = {
    "mia_auc": Advice(
        "membership-inference attack AUC ({scope})",
        "An attacker can tell whether a person was in the training data.",
        "Train with differential privacy (DP-SGD): see the privacy–utility curve.",
    ),
    "mia_tpr_at_1pct_fpr": Advice(
        "members found at 1% false alarms ({scope})",
        "Some training records are exposed with confidence.",
        "Train with differential privacy (DP-SGD): see the privacy–utility curve.",
    ),
    "empirical_epsilon_lower_bound": Advice(
        "empirical privacy loss ε found by the attack ({scope})",
        "The training leaks more about individuals than the policy allows.",
        "Train with differential privacy (DP-SGD) at a smaller ε: see the privacy–utility curve.",
    ),
}


CHECK = Check(
    name="privacy",
    title="Privacy",
    run=run,
    settings=PrivacySettings,
    conclude=conclude,
    thresholds={
        "mia_auc": Threshold(warn=0.6, fail=0.7, higher_is_better=False),
        "mia_tpr_at_1pct_fpr": Threshold(warn=0.05, fail=0.10, higher_is_better=False),
        "empirical_epsilon_lower_bound": Threshold(warn=0.5, fail=2.0, higher_is_better=False),
    },
    evidence=("EU AI Act Art. 15", "GDPR Art. 25", "NIST AI RMF MEASURE 2.10"),
    summary="DP-SGD record, membership inference (loss threshold, offline LiRA), cost of privacy",
    advice=ADVICE,
    cost=privacy_cost,
    shrink=privacy_shrink,
)
