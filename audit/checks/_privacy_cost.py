"""What the privacy check costs, and how it shrinks to a compute budget.

Training dominates: each shadow model of the offline LiRA attack trains on the target's
recipe over about as many rows as the target (``epochs × rows × 3`` passes, a backward
counted as two forward ones); a DP model adds its non-private twin and one training per
point of the privacy–utility curve, DP-SGD's per-example gradients costing about three
times a plain step. Scoring every row under every model is small beside it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from audit.budget import Workload, scaled

if TYPE_CHECKING:
    from audit.settings import PrivacySettings

__all__ = ["privacy_cost", "privacy_shrink"]

OVERHEAD_S = 1.0
#: DP-SGD's step against a plain one (per-example gradients and clipping).
DP_FACTOR = 3.0


def privacy_cost(settings: PrivacySettings, workload: Workload) -> float:
    """Estimated seconds of the privacy check at ``settings``.

    Examples
    --------
    >>> from audit.settings import PrivacySettings
    >>> w = Workload(1000, 500, 64, "image", epochs=20, pass_seconds=1e-4)
    >>> round(privacy_cost(PrivacySettings(), w), 1)
    25.6
    """
    one_training = workload.epochs * workload.rows_train * 3
    trainings = settings.shadow_models if settings.attack else 0
    if settings.dp:
        trainings += 1  # the non-private twin
        if settings.utility_curve:
            trainings += DP_FACTOR * len(settings.utility_epsilons)
    # each shadow (and a DP model's twin) scores every row; the target's own scores come
    # from the predictions cached by the performance check
    scored = (settings.shadow_models if settings.attack else 0) + (1 if settings.dp else 0)
    scoring = scored * (workload.rows_train + workload.rows_test)
    return OVERHEAD_S + (trainings * one_training + scoring) * workload.pass_seconds


def privacy_shrink(
    settings: PrivacySettings, fraction: float, workload: Workload | None = None
) -> tuple[PrivacySettings, list[str]]:
    """Fewer shadow models (none below a quarter: the loss attack alone); no utility curve
    below a half.

    Examples
    --------
    >>> from audit.settings import PrivacySettings
    >>> privacy_shrink(PrivacySettings(), 0.5)[1]
    ['shadow models 4 → 2']
    >>> privacy_shrink(PrivacySettings(dp=True), 0.1)[1]
    ['shadow models 4 → 0 (the loss-threshold attack only)', 'privacy–utility curve off']
    """
    update: dict = {}
    if fraction < 0.25:
        update["shadow_models"] = 0
    else:
        update["shadow_models"] = scaled(settings.shadow_models, fraction, floor=2)
    if settings.dp and settings.utility_curve and fraction < 0.5:
        update["utility_curve"] = False
    changes = []
    if update["shadow_models"] != settings.shadow_models:
        tail = " (the loss-threshold attack only)" if update["shadow_models"] == 0 else ""
        changes.append(f"shadow models {settings.shadow_models} → {update['shadow_models']}{tail}")
    if "utility_curve" in update:
        changes.append("privacy–utility curve off")
    return settings.model_copy(update=update), changes
