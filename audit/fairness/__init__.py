"""Fairness audit on fairlearn: group metrics, disparities, intervals and mitigation."""

from audit.fairness._contrasts import (
    ContrastBounds,
    contrast_bounds,
    pair_intervals,
    rate_counts,
    worst_case,
)
from audit.fairness._groups import MAX_GROUPS, GroupCodes, GroupEncoder
from audit.fairness._mitigation import ScoreModel, mitigate
from audit.fairness._rates import (
    RATE_NAMES,
    confusion_counts,
    disparities,
    group_metric_frame,
    group_rates_frame,
    rates_from_counts,
)
from audit.fairness._section import (
    REFERENCE_RATES,
    MitigationData,
    check_group_counts,
    fairness_section,
)

__all__ = [
    "MAX_GROUPS",
    "RATE_NAMES",
    "REFERENCE_RATES",
    "ContrastBounds",
    "GroupCodes",
    "GroupEncoder",
    "MitigationData",
    "ScoreModel",
    "check_group_counts",
    "confusion_counts",
    "contrast_bounds",
    "disparities",
    "fairness_section",
    "group_metric_frame",
    "group_rates_frame",
    "mitigate",
    "pair_intervals",
    "rate_counts",
    "rates_from_counts",
    "worst_case",
]
