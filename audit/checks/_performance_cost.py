"""What the performance check costs: the predictions of every train and test row.

The subject caches its predictions, so the first check that needs them pays for them
(the performance check, which runs before the others that read them); its bootstrap
and calibration work on the predictions, not the model. It does not shrink: every row
is predicted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from audit.budget import Workload

if TYPE_CHECKING:
    from audit.settings import PerformanceSettings

__all__ = ["performance_cost"]

OVERHEAD_S = 1.0


def performance_cost(settings: PerformanceSettings, workload: Workload) -> float:
    """Estimated seconds of the performance check: one forward pass per row.

    Examples
    --------
    >>> from audit.settings import PerformanceSettings
    >>> w = Workload(1024, 512, 3 * 224 * 224, "image", pass_seconds=0.04)
    >>> round(performance_cost(PerformanceSettings(), w), 1)
    62.4
    """
    return OVERHEAD_S + (workload.rows_train + workload.rows_test) * workload.pass_seconds
