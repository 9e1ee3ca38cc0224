"""What the performance check costs: the predictions of every train and test row, and
the bootstrap of its intervals.

The subject caches its predictions, so the first check that needs them pays for them
(the performance check, which runs before the others that read them); they do not
shrink (every row is predicted). The bootstrap resamples the cached test predictions:
milliseconds for the reference models, it scales down with the rest under a budget.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from audit.budget import Workload, scaled

if TYPE_CHECKING:
    from audit.settings import PerformanceSettings

__all__ = ["performance_cost", "performance_shrink"]

OVERHEAD_S = 1.0
#: Seconds per bootstrap replicate and test row (measured: 1,000 replicates of 5,000
#: rows in 0.99 s on 2 cores).
REPLICATE_ROW_S = 2e-7


def performance_cost(settings: PerformanceSettings, workload: Workload) -> float:
    """Estimated seconds of the performance check: one forward pass per row, and the
    bootstrap's replicates.

    Examples
    --------
    >>> from audit.settings import PerformanceSettings
    >>> w = Workload(1024, 512, 3 * 224 * 224, "image", pass_seconds=0.04)
    >>> round(performance_cost(PerformanceSettings(), w), 1)
    62.5
    """
    predictions = (workload.rows_train + workload.rows_test) * workload.pass_seconds
    bootstrap = settings.n_bootstrap * workload.rows_test * REPLICATE_ROW_S
    return OVERHEAD_S + predictions + bootstrap


def performance_shrink(
    settings: PerformanceSettings, fraction: float, workload: Workload | None = None
) -> tuple[PerformanceSettings, list[str]]:
    """Fewer bootstrap replicates (at least 200); the predictions stay.

    Examples
    --------
    >>> from audit.settings import PerformanceSettings
    >>> performance_shrink(PerformanceSettings(), 0.1)[1]
    ['bootstrap replicates 1000 → 200']
    """
    if settings.n_bootstrap == 0:
        return settings, []
    rounds = scaled(settings.n_bootstrap, fraction, floor=200)
    changes = [] if rounds == settings.n_bootstrap else [
        f"bootstrap replicates {settings.n_bootstrap} → {rounds}"
    ]
    return settings.model_copy(update={"n_bootstrap": rounds}), changes
