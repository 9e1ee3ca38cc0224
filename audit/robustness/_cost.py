"""What the robustness check costs, and how it shrinks to a compute budget.

Per audited row: one pass per corruption and severity, three per FGSM radius (forward,
backward), ``3 × steps + 1`` per PGD radius, about fifteen for the minimal-perturbation
search; plus the few adversarial examples and their attributions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from audit.budget import Workload, scaled

if TYPE_CHECKING:
    from audit.robustness._settings import RobustnessSettings

__all__ = ["robustness_cost", "robustness_shrink"]

OVERHEAD_S = 1.0
#: Corruptions per modality (tabular, image, sequence, text: what applies at most).
CORRUPTIONS = {"tabular": 3, "image": 7, "sequence": 4, "text": 4}


def robustness_cost(settings: RobustnessSettings, workload: Workload) -> float:
    """Estimated seconds of the robustness check at ``settings``.

    Examples
    --------
    >>> from audit.robustness._settings import RobustnessSettings
    >>> w = Workload(1000, 500, 64, "image", pass_seconds=1e-3)
    >>> round(robustness_cost(RobustnessSettings(), w))
    102
    """
    corruptions = CORRUPTIONS.get(workload.modality, 4) * len(settings.severities)
    radii = len(settings.epsilons)
    attacks = sum(
        3 if a.startswith("fgsm") else 3 * settings.pgd_steps + 1 for a in settings.attacks
    )
    per_row = 1 + corruptions + radii * attacks + (15 if settings.min_perturbation else 0)
    rows = min(settings.rows, workload.rows_test)
    examples = 3 * (2 * 32 * 3 + 3 * settings.pgd_steps) if settings.attacks else 0
    return OVERHEAD_S + (rows * per_row + examples) * workload.pass_seconds


#: Below this fraction of the default cost, only the judged severity and radius are drawn.
DEEP = 0.05


def robustness_shrink(
    settings: RobustnessSettings, fraction: float, workload: Workload | None = None
) -> tuple[RobustnessSettings, list[str]]:
    """Fewer audited rows; below 0.3 fewer PGD steps; below a quarter fewer bootstrap
    resamples; below 0.1 no L2 attacks; below
    :data:`DEEP` only the judged severity and radius, and no minimal-perturbation search.

    Examples
    --------
    >>> from audit.robustness._settings import RobustnessSettings
    >>> robustness_shrink(RobustnessSettings(), 0.05)[1]  # doctest: +NORMALIZE_WHITESPACE
    ['audited rows 256 → 32', 'PGD steps 10 → 3', 'attacks fgsm, fgsm_l2, pgd, pgd_l2 → fgsm, pgd',
     'bootstrap resamples 1000 → 200']
    """
    update: dict = {"rows": scaled(settings.rows, fraction, floor=16 if fraction < DEEP else 32)}
    if fraction < 0.3:
        update["pgd_steps"] = scaled(settings.pgd_steps, fraction / 0.3, floor=3)
    if fraction < 0.1 and any(a.endswith("_l2") for a in settings.attacks):
        update["attacks"] = [a for a in settings.attacks if not a.endswith("_l2")]
    if fraction < 0.25:
        update["resamples"] = scaled(settings.resamples, fraction * 4, floor=200)
    if fraction < DEEP:
        update["severities"] = [settings.judged_severity]
        update["epsilons"] = [settings.judged_epsilon]
        update["min_perturbation"] = False
    words = {
        "rows": "audited rows",
        "pgd_steps": "PGD steps",
        "attacks": "attacks",
        "severities": "severities",
        "epsilons": "radii",
        "min_perturbation": "minimal-perturbation search",
        "resamples": "bootstrap resamples",
    }
    changes = []
    for key, value in update.items():
        old = getattr(settings, key)
        if value != old:
            if key == "min_perturbation":
                changes.append(f"{words[key]} off")
                continue
            show = (lambda v: ", ".join(map(str, v))) if isinstance(value, list) else str
            changes.append(f"{words[key]} {show(old)} → {show(value)}")
    return settings.model_copy(update=update), changes
