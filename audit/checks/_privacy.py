"""The privacy check: the DP-SGD record, membership-inference attacks, the cost of privacy.

The work is done in :mod:`audit.privacy` (opacus); this module is the check's entry
in the registry.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from audit.checks._registry import Check, RunContext
from audit.results import Section, Threshold, worst_verdict
from audit.settings import PrivacySettings

if TYPE_CHECKING:
    from audit.subject import Subject

__all__ = ["CHECK", "conclude", "run"]


def run(
    subject: Subject, settings: PrivacySettings | None = None, context: RunContext | None = None
) -> Section:
    """Attack the training rows; see :func:`audit.privacy.privacy_section`."""
    from audit.privacy._section import run as privacy_section

    return privacy_section(subject, settings, seed=0 if context is None else context.seed)


def conclude(section: Section) -> None:
    """After the policy has judged the metrics, state the membership-inference verdict."""
    judged = [
        m
        for m in section.metrics
        if m.verdict != "info"
        and (m.name.startswith("mia_") or m.name == "empirical_epsilon_lower_bound")
    ]
    if not judged:
        return
    verdict = worst_verdict([m.verdict for m in judged])
    parts = ", ".join(
        f"{m.key} = {m.value:.3f} ({m.verdict})" for m in judged if m.value is not None
    )
    section.notes.insert(0, f"Membership-inference verdict: {verdict.upper()} from {parts}.")


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
)
