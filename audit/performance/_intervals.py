"""Intervals of the performance metrics, simultaneous over the ones the policy judges.

Test accuracy gets Wilson's score interval (statsmodels), and so does the train-test
gap through it (the train accuracy on the fitted rows is a fixed number); balanced
accuracy, ROC AUC, F1 and the expected calibration error get percentile intervals
from a seeded bootstrap of the test rows, vectorised over the replicates of a chunk
(:data:`CHUNK` replicates, each chunk with its own seed). Each interval is at level
``1 - alpha / m`` for the ``m`` metrics judged (Bonferroni), so the section's
false-FAIL rate is at most ``alpha``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from audit.settings import EngineSettings

__all__ = ["CHUNK", "bootstrap_scores", "chunk_seeds", "proportion_interval"]

#: Replicates drawn and scored together: one Ray task each with ``engine="ray"``.
CHUNK = 250


def proportion_interval(successes: int, trials: int, *, alpha: float) -> list[float]:
    """Wilson's score interval of ``successes / trials`` (statsmodels).

    Examples
    --------
    >>> [round(v, 3) for v in proportion_interval(80, 100, alpha=0.05)]
    [0.711, 0.867]
    """
    from statsmodels.stats.proportion import proportion_confint

    low, high = proportion_confint(successes, trials, alpha=alpha, method="wilson")
    return [float(low), float(high)]


def chunk_seeds(
    seed: int, n_boot: int, chunk: int = CHUNK
) -> list[tuple[np.random.SeedSequence, int]]:
    """The seed and size of each chunk of ``n_boot`` replicates, ``chunk`` at a time.

    Chunk ``i``'s seed is ``SeedSequence(seed).spawn(...)[i]``: it depends on ``seed``
    and ``i`` only, so neither the engine nor its workers change a replicate.

    Examples
    --------
    >>> [(s.spawn_key, size) for s, size in chunk_seeds(7, 600)]
    [((0,), 250), ((1,), 250), ((2,), 100)]
    """
    sizes = [min(chunk, n_boot - start) for start in range(0, n_boot, chunk)]
    return list(zip(np.random.SeedSequence(seed).spawn(len(sizes)), sizes, strict=True))


def bootstrap_scores(
    y_true: np.ndarray,
    proba: np.ndarray,
    *,
    n_boot: int,
    seed: int,
    n_bins: int,
    engine: str | EngineSettings | None = None,
) -> dict[str, np.ndarray]:
    """Replicates of balanced accuracy, ROC AUC, F1 and ECE on resampled test rows.

    Rows are resampled within each class (so every replicate holds every class). The
    replicates are drawn in chunks of :data:`CHUNK`, each from its own seed
    (:func:`chunk_seeds`); a chunk is computed at once: ``(chunk, rows)`` index arrays,
    counts with ``bincount`` and AUCs from the replicates' row weights. ROC AUC and F1
    follow :func:`scores`: binary tasks score class 1, multi-class tasks the
    one-vs-rest macro average.

    ``engine="ray"`` (or an :class:`~audit.settings.EngineSettings`) runs the chunks as
    Ray tasks (:func:`audit.engines._tasks.map_tasks`), with the same replicates as
    here. A chunk's cost grows with ``CHUNK × positives × negatives`` (the AUC): at 300
    test rows the whole bootstrap takes about 50 ms, less than starting the tasks, so
    serial, the default, is the right choice; Ray pays off from a few thousand test rows
    (1000 replicates of 5000 rows: about 2 s serially).

    Examples
    --------
    >>> y = np.array([0, 1] * 50); p = np.c_[1 - np.linspace(0, 1, 100), np.linspace(0, 1, 100)]
    >>> reps = bootstrap_scores(y, p, n_boot=20, seed=0, n_bins=10)
    >>> sorted(reps), reps["roc_auc"].shape
    (['balanced_accuracy', 'ece', 'f1', 'roc_auc'], (20,))
    """
    from audit.engines._tasks import map_tasks

    chunks = map_tasks(
        _chunk_scores, chunk_seeds(seed, n_boot), engine=engine, shared=(y_true, proba, n_bins)
    )
    if not chunks:
        return {name: np.empty(0) for name in ("balanced_accuracy", "roc_auc", "f1", "ece")}
    return {name: np.concatenate([c[name] for c in chunks]) for name in chunks[0]}


def _chunk_scores(
    chunk: tuple[np.random.SeedSequence, int], y_true: np.ndarray, proba: np.ndarray, n_bins: int
) -> dict[str, np.ndarray]:
    """The replicates of one chunk (a task): ``chunk`` is its seed and size."""
    seed, n_boot = chunk
    rng = np.random.default_rng(seed)
    n, n_classes = proba.shape
    idx = np.empty((n_boot, n), dtype=np.int64)
    start = 0
    for c in range(n_classes):  # stratified: each class keeps its count
        rows = np.flatnonzero(y_true == c)
        if rows.size:
            idx[:, start : start + rows.size] = rows[
                rng.integers(0, rows.size, (n_boot, rows.size))
            ]
            start += rows.size
    y = y_true[idx]  # (B, n)
    pred = proba.argmax(axis=1)[idx]
    offsets = (np.arange(n_boot) * n_classes)[:, None]
    size = n_boot * n_classes
    support = np.bincount((offsets + y).ravel(), minlength=size).reshape(n_boot, n_classes)
    hits = np.bincount((offsets + y).ravel(), weights=(pred == y).ravel(), minlength=size)
    predicted = np.bincount((offsets + pred).ravel(), minlength=size).reshape(n_boot, n_classes)
    hits = hits.reshape(n_boot, n_classes)
    with np.errstate(invalid="ignore", divide="ignore"):
        recall = hits / support
        precision = hits / predicted
        f1 = np.nan_to_num(2 * precision * recall / (precision + recall))
    present = support > 0
    balanced = np.nanmean(np.where(present, recall, np.nan), axis=1)
    weights = np.bincount(
        (np.arange(n_boot)[:, None] * n + idx).ravel(), minlength=n_boot * n
    ).reshape(n_boot, n)  # how often each test row is drawn, per replicate
    classes = [1] if n_classes == 2 else range(n_classes)
    auc = np.mean([_auc(proba[:, c], y_true == c, weights) for c in classes], axis=0)
    f1_score = f1[:, 1] if n_classes == 2 else f1.mean(axis=1)
    return {
        "balanced_accuracy": balanced,
        "roc_auc": auc,
        "f1": f1_score,
        "ece": _ece(proba.max(axis=1)[idx], (pred == y).astype(np.float64), n_bins),
    }


def _auc(score: np.ndarray, positive: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """ROC AUC of every replicate (Mann–Whitney, ties at half) from its row weights.

    With ``K[i, j] = 1[s_i > s_j] + 1[s_i = s_j] / 2`` over positives ``i`` and negatives
    ``j``, a replicate drawing row ``r`` ``w_r`` times has ``AUC = w_p K w_n / (|w_p| |w_n|)``.
    """
    pos, neg = score[positive], score[~positive]
    if pos.size == 0 or neg.size == 0:
        return np.full(weights.shape[0], np.nan)
    kernel = (pos[:, None] > neg[None, :]) + 0.5 * (pos[:, None] == neg[None, :])
    w_pos, w_neg = weights[:, positive], weights[:, ~positive]
    u = np.einsum("bi,ij,bj->b", w_pos, kernel, w_neg, optimize=True)
    return u / (w_pos.sum(axis=1) * w_neg.sum(axis=1))


def _ece(confidence: np.ndarray, correct: np.ndarray, n_bins: int) -> np.ndarray:
    """Expected calibration error per row, with the bins of :func:`calibration`."""
    n_boot, n = confidence.shape
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    which = np.clip(np.searchsorted(edges, confidence, side="left") - 1, 0, n_bins - 1)
    key = (np.arange(n_boot)[:, None] * n_bins + which).ravel()
    size = n_boot * n_bins
    conf = np.bincount(key, weights=confidence.ravel(), minlength=size).reshape(n_boot, n_bins)
    acc = np.bincount(key, weights=correct.ravel(), minlength=size).reshape(n_boot, n_bins)
    return np.abs(acc - conf).sum(axis=1) / n
