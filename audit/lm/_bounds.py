"""Chance and DP bounds on canary exposure, and what a DP record's ε covers."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from audit.lm._subject import LanguageModelSubject

__all__ = ["chance_bound", "chance_exposure", "dp_exposure_bound"]


def chance_exposure() -> float:
    """Mean exposure of a secret the model never saw: ``1 / ln 2`` ≈ 1.44 bits.

    A never-inserted secret drawn at random from the space has a rank uniform on
    ``1..|R|``, whatever the model, so ``P(exposure ≥ t) = 2^-t`` and its mean is
    ``log2 e``.

    Examples
    --------
    >>> round(chance_exposure(), 2)
    1.44
    """
    return 1.0 / math.log(2)


def chance_bound(level: float = 0.95) -> float:
    """The exposure a never-inserted secret stays below with probability ``level``.

    ``P(exposure ≥ t) = 2^-t`` gives ``t = log2(1 / (1 − level))``: 4.32 bits at 95%.

    Examples
    --------
    >>> round(chance_bound(0.95), 2), round(chance_bound(0.99), 2)
    (4.32, 6.64)
    """
    return math.log2(1.0 / (1.0 - level))


def dp_exposure_bound(epsilon: float, repetitions: int, space: int, level: float = 0.95) -> float:
    """Exposure a DP-SGD model keeps below with probability ``level`` for ``k`` units.

    ``repetitions`` counts the privacy units that hold the secret: its copies under
    DP per sequence, the users who wrote it under user-level DP. ε-DP per unit gives
    ``k``·ε for ``k`` units (group privacy), so a secret's rank
    is at most ``e^{kε}`` times likelier to be small than a fresh secret's:
    ``P(exposure ≥ t) ≤ e^{kε} 2^-t`` (δ left out), hence
    ``t = k ε log2 e + log2(1 / (1 − level))``, capped at ``log2 |R|``.

    Examples
    --------
    >>> round(dp_exposure_bound(3.0, 1, 10**6), 2), round(dp_exposure_bound(3.0, 16, 10**6), 2)
    (8.65, 19.93)
    """
    bound = repetitions * epsilon / math.log(2) + chance_bound(level)
    return float(min(bound, math.log2(space)))


def dp_record(subject: LanguageModelSubject) -> tuple[float | None, str]:
    """ε of the subject's DP-SGD record (None when not trained privately) and its unit."""
    record = getattr(getattr(subject, "training", None), "privacy", None) or {}
    epsilon = record.get("epsilon")
    unit = str(record.get("privacy_unit", "row"))
    return (float(epsilon) if epsilon is not None else None), unit


def units_holding(row: dict[str, Any], unit: str) -> int:
    """How many privacy units hold the secret: its writers (user-level DP) or copies."""
    if unit == "user" and row.get("writers") is not None:
        return int(row["writers"])
    return int(row["repetitions"])


def dp_note(epsilon: float, unit: str) -> str:
    """What the DP guarantee covers, and how to read the 'DP bound' column."""
    if unit == "user":
        covered = (
            f"DP-SGD was user-level: it bounds what everything one user wrote can change "
            f"(ε = {epsilon:.2f}), so a secret one person typed k times is protected at ε, "
            "as a secret seen once."
        )
    else:
        covered = (
            f"DP-SGD bounds what one training sequence can change (ε = {epsilon:.2f}); a "
            "secret inserted k times is k sequences, protected only at k·ε (group privacy): "
            "exposure above chance for a repeated canary is allowed by DP at this ε, not a "
            "failure of it."
        )
    return (
        covered + " The column 'DP bound' is the exposure the model stays below with "
        "probability 0.95 under that guarantee."
    )
