"""Fairness audit on fairlearn: group metrics, disparities, intervals and mitigation."""

from audit.fairness._contrasts import pair_intervals, rate_counts, worst_case
from audit.fairness._groups import GroupEncoder
from audit.fairness._mitigation import ScoreModel, mitigate
from audit.fairness._rates import (
    RATE_NAMES,
    confusion_counts,
    disparities,
    group_metric_frame,
    rates_from_counts,
)
from audit.fairness._section import REFERENCE_RATES, MitigationData, fairness_section

__all__ = [
    "RATE_NAMES",
    "REFERENCE_RATES",
    "GroupEncoder",
    "MitigationData",
    "ScoreModel",
    "confusion_counts",
    "disparities",
    "fairness_section",
    "group_metric_frame",
    "mitigate",
    "pair_intervals",
    "rate_counts",
    "rates_from_counts",
    "worst_case",
]
