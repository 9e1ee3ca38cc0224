"""Seeded, vectorised bootstrap of confusion counts.

Resampling n rows with replacement gives cell counts that follow a multinomial
distribution over the (group, true label, predicted label) cells with the observed
shares. Drawing the counts directly is the same bootstrap as resampling rows, at a
cost that grows with the number of cells, not of rows.
"""

from __future__ import annotations

import contextlib
import warnings

import numpy as np

__all__ = ["bootstrap_counts", "percentile_interval"]


def bootstrap_counts(counts: np.ndarray, *, n_boot: int, seed: int) -> np.ndarray:
    """Draw ``n_boot`` bootstrap replicates of ``counts`` (any shape), seeded.

    Returns an array of shape ``(n_boot, *counts.shape)`` whose replicates each sum
    to ``counts.sum()``.

    Examples
    --------
    >>> import numpy as np
    >>> reps = bootstrap_counts(np.array([[5, 3], [2, 10]]), n_boot=4, seed=0)
    >>> reps.shape, reps.sum(axis=(1, 2)).tolist()
    ((4, 2, 2), [20, 20, 20, 20])
    """
    flat = counts.reshape(-1).astype(np.int64)
    total = int(flat.sum())
    rng = np.random.default_rng(seed)
    draws = rng.multinomial(total, flat / total, size=n_boot)
    return draws.reshape(n_boot, *counts.shape)


def percentile_interval(replicates: np.ndarray, *, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Percentile interval over axis 0, ignoring replicates where a value is undefined.

    Where more than half the replicates are undefined, the interval is NaN.
    """
    tail = (1.0 - level) / 2 * 100
    defined = np.isfinite(replicates)
    enough = defined.mean(axis=0) >= 0.5
    with np.errstate(invalid="ignore"), quiet():
        low, high = np.nanpercentile(
            np.where(defined, replicates, np.nan), [tail, 100 - tail], axis=0
        )
    return np.where(enough, low, np.nan), np.where(enough, high, np.nan)


@contextlib.contextmanager
def quiet():
    """Silence numpy's warnings about all-NaN slices and 0/0 inside a block."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield
