"""The judged metrics of one sensitive feature: worst-case disparities and reference ratios.

Each metric carries the simultaneous interval the policy judges, built from
:func:`~audit.fairness._contrasts.contrast_bounds` of the feature's judged groups.
"""

from __future__ import annotations

import numpy as np

from audit.errors import bad_input
from audit.fairness._contrasts import RATE_PARTS, ContrastBounds, contrast_bounds, rate_counts
from audit.fairness._rates import disparities, reference_ratios
from audit.results import Metric, Section
from audit.settings import REFERENCE_RATES, FairnessSettings

__all__ = ["DESCRIPTIONS", "Contrasts", "add_disparities", "add_reference_ratios", "contrasts"]

DESCRIPTIONS = {
    "demographic_parity_difference": "largest gap in selection rate between groups",
    "demographic_parity_ratio": "smallest over largest selection rate (four-fifths rule: >= 0.8)",
    "equalized_odds_difference": "largest gap in true or false positive rate between groups",
    "equalized_odds_ratio": "smallest ratio of group true or false positive rates",
    "equal_opportunity_difference": "largest gap in true positive rate between groups",
    "equal_opportunity_ratio": "smallest over largest true positive rate",
    "false_positive_rate_ratio": "smallest over largest false positive rate",
    "false_negative_rate_ratio": "smallest over largest false negative rate",
}

#: The rates behind each worst-case disparity, and how it combines them.
_DISPARITY_RATES = {
    "demographic_parity": ("selection_rate",),
    "equalized_odds": ("true_positive_rate", "false_positive_rate"),
    "equal_opportunity": ("true_positive_rate",),
    "false_positive_rate": ("false_positive_rate",),
    "false_negative_rate": ("false_negative_rate",),
}

#: Per rate: the judged groups' events and trials, and the bounds of their contrasts.
Contrasts = dict[str, tuple[np.ndarray, np.ndarray, ContrastBounds]]


def reference_group(
    feature: str,
    names: list[str],
    judged: np.ndarray,
    counts: np.ndarray,
    settings: FairnessSettings,
) -> int:
    """Index of the reference group: the configured one, else the largest judged group."""
    wanted = settings.reference_groups.get(feature)
    if wanted is None:
        return int(np.argmax(np.where(judged, counts, -1)))
    if wanted not in names:
        raise bad_input(
            f"fairness.reference_groups.{feature}", f"one of the groups {names}", repr(wanted)
        )
    return names.index(wanted)


def contrasts(counts: np.ndarray, alpha: float, reference: int | None) -> Contrasts:
    """Per rate: (events, trials, bounds) of the judged groups' ``counts``.

    ``reference`` is the reference group's index among them (``None`` when it is not judged).
    """
    out = {}
    for rate in RATE_PARTS:
        events, trials = rate_counts(counts, rate)
        out[rate] = (
            events,
            trials,
            contrast_bounds(events, trials, alpha=alpha, reference=reference),
        )
    return out


def add_disparities(
    section: Section,
    feature: str,
    rates: dict[str, np.ndarray],
    judged: np.ndarray,
    found: Contrasts | None,
) -> None:
    """Append the worst-case disparities of the judged groups, with their intervals."""
    point = disparities({k: v[judged] for k, v in rates.items()})
    for name, value in point.items():
        base = name.rsplit("_", 1)[0]
        kind = "ratio" if name.endswith("_ratio") else "difference"
        ci, events, rows = None, None, None
        if found is not None:
            parts = [found[rate] for rate in _DISPARITY_RATES[base]]
            bounds = [getattr(b, kind) for _, _, b in parts]
            if all(b is not None for b in bounds):
                pick = min if kind == "ratio" else max  # equalized odds: the worse of two
                ci = [pick(b[0] for b in bounds), pick(b[1] for b in bounds)]
            events = min(int(e.sum()) for e, _, _ in parts)
            defined = [t[t > 0] for _, t, _ in parts]
            rows = min((int(t.min()) for t in defined if t.size), default=None)
        section.metrics.append(
            Metric(
                name,
                float(value),
                scope=feature,
                description=DESCRIPTIONS[name],
                ci=ci,
                events=events,
                n=rows,
            )
        )


def add_reference_ratios(
    section: Section,
    feature: str,
    names: list[str],
    rates: dict[str, np.ndarray],
    judged: np.ndarray,
    reference: int,
    found: Contrasts | None,
) -> None:
    """Append each judged group's rates over the reference group's, with their intervals."""
    point = reference_ratios(rates, reference, REFERENCE_RATES)
    position = np.cumsum(judged) - 1  # index of each judged group among the judged
    for i, group in enumerate(names):
        if i == reference or not judged[i]:
            continue
        for rate in REFERENCE_RATES:
            ci, events, rows = None, None, None
            if found is not None and judged[reference]:
                x, t, bounds = found[rate]
                a, b = position[i], position[reference]
                low, high = bounds.to_reference_low[a], bounds.to_reference_high[a]
                ci = None if np.isnan(low) else [float(low), float(high)]
                events, rows = int(x[a] + x[b]), int(min(t[a], t[b]))
            section.metrics.append(
                Metric(
                    f"{rate}_vs_reference",
                    float(point[rate][i]),
                    scope=f"{feature}: {group} / {names[reference]}",
                    description=f"{rate.replace('_', ' ')} of {group} over that of the "
                    f"reference group {names[reference]} (four-fifths band 0.8-1.25)",
                    ci=ci,
                    events=events,
                    n=rows,
                )
            )
