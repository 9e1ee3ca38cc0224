"""What the compute check costs, and how it shrinks to a compute budget.

The inference timing predicts ``inference_batch`` test rows once to warm up and
``inference_repeats`` times more; counting FLOPs traces the model on one row.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from audit.budget import Workload, scaled

if TYPE_CHECKING:
    from audit.settings import ComputeSettings

__all__ = ["compute_cost", "compute_shrink"]

OVERHEAD_S = 0.5


def compute_cost(settings: ComputeSettings, workload: Workload) -> float:
    """Estimated seconds of the compute check at ``settings``.

    Examples
    --------
    >>> from audit.settings import ComputeSettings
    >>> w = Workload(1024, 512, 3 * 224 * 224, "image", pass_seconds=0.04)
    >>> round(compute_cost(ComputeSettings(), w), 1)
    62.0
    """
    rows = min(settings.inference_batch, workload.rows_test)
    passes = (1 + settings.inference_repeats) * rows + 1
    return OVERHEAD_S + passes * workload.pass_seconds


def compute_shrink(
    settings: ComputeSettings, fraction: float, workload: Workload | None = None
) -> tuple[ComputeSettings, list[str]]:
    """Fewer rows timed (at least 16) and, below a half, fewer repeats (at least 1).

    Examples
    --------
    >>> from audit.settings import ComputeSettings
    >>> compute_shrink(ComputeSettings(), 0.1)[1]
    ['inference rows timed 256 → 26', 'inference repeats 5 → 1']
    """
    update = {"inference_batch": scaled(settings.inference_batch, fraction, floor=16)}
    if fraction < 0.5:
        update["inference_repeats"] = scaled(settings.inference_repeats, fraction * 2, floor=1)
    words = {"inference_batch": "inference rows timed", "inference_repeats": "inference repeats"}
    changes = [
        f"{words[k]} {getattr(settings, k)} → {v}"
        for k, v in update.items()
        if v != getattr(settings, k)
    ]
    return settings.model_copy(update=update), changes
