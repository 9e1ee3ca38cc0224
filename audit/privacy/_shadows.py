"""Shadow models and how they score rows, for offline LiRA (Carlini et al. 2022).

Shadow models train on random halves of the rows with the subject's trainer; offline
LiRA scores each row by where the target's confidence falls among its out-shadows'.
The trainings are independent tasks (:func:`audit.engines._tasks.map_tasks`): one after
another here, or as Ray tasks with ``engine="ray"``, with the same results.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch
from scipy.stats import norm
from torch import nn

from audit._outputs import adapted
from audit._predict import rows_per_batch
from audit.engines._tasks import map_tasks
from audit.errors import bad_input
from audit.settings import EngineSettings

__all__ = ["Progress", "lira_scores", "logit_confidence", "shadow_scores", "train_models"]

#: ``progress(stage, step, total)``: called before step ``step`` (1-based) of ``total`` of a
#: long stage starts, e.g. ``("shadow", 2, 4)``; a front end shows it as "shadow 2/4".
Progress = Callable[[str, int, int], None]


def lira_scores(
    target_scores: np.ndarray,
    shadow_out_scores: np.ndarray,
    out_mask: np.ndarray | None = None,
    *,
    fixed_variance: bool | None = None,
) -> np.ndarray:
    """Offline LiRA membership scores: −log P(Z > φ) with Z ~ N(μ_out, σ_out²) per example.

    ``shadow_out_scores`` is ``(shadows, examples)``; only entries where ``out_mask``
    is True (default: where finite) count. ``fixed_variance`` (default: when some example
    has fewer than 32 out-shadows) uses one pooled within-example σ for all examples.
    """
    target = np.asarray(target_scores, dtype=float)
    shadows = np.asarray(shadow_out_scores, dtype=float)
    if shadows.ndim != 2 or shadows.shape[1] != target.shape[0]:
        raise bad_input("shadow_out_scores", f"shape (shadows, {target.shape[0]})", shadows)
    mask = np.isfinite(shadows) if out_mask is None else np.asarray(out_mask, bool)
    mask = mask & np.isfinite(shadows)
    counts = mask.sum(axis=0)
    if counts.min() == 0:
        raise bad_input("shadow_out_scores", "at least one out-shadow per example", "none")
    values = np.where(mask, shadows, 0.0)
    mean = values.sum(axis=0) / counts
    residual = np.where(mask, shadows - mean, 0.0)
    if fixed_variance is None:
        fixed_variance = bool(counts.min() < 32)
    if fixed_variance:
        dof = max(int(counts.sum() - len(counts)), 1)
        std = np.full_like(mean, np.sqrt((residual**2).sum() / dof))
    else:
        std = np.sqrt((residual**2).sum(axis=0) / np.maximum(counts - 1, 1))
    return -norm.logsf(target, loc=mean, scale=np.maximum(std, 1e-8))


def confidence_from_log_proba(log_proba: np.ndarray, y: np.ndarray) -> np.ndarray:
    """φ = log(p_y / (1 − p_y)) from log-probabilities ``(rows, classes)``: the same φ as
    :func:`logit_confidence` of the logits (the softmax's constant cancels), without a
    forward pass when the subject has its predictions cached.

    Examples
    --------
    >>> logp = np.log(np.array([[0.25, 0.75], [0.5, 0.5]]))
    >>> confidence_from_log_proba(logp, np.array([1, 0])).round(4).tolist()
    [1.0986, 0.0]
    """
    y = np.asarray(y, dtype=np.int64)
    rows = np.arange(len(y))
    true = log_proba[rows, y]
    others = log_proba.copy()
    others[rows, y] = -np.inf
    with np.errstate(divide="ignore"):
        rest = np.logaddexp.reduce(others, axis=1)
    return true - rest


def logit_confidence(
    model: nn.Module, X: torch.Tensor, y: torch.Tensor, *, batch_size: int = 4096
) -> np.ndarray:
    """φ = log(p_y / (1 − p_y)) of each row's true class, computed stably from the logits.

    ``model`` may return any output :class:`audit.Subject` accepts (it is read through
    :func:`audit._outputs.adapted`): one binary logit ``z`` gives φ = ``z`` for class 1
    and ``-z`` for class 0, as the logits ``(-z/2, z/2)`` (or ``[0, z]``) do.

    Examples
    --------
    >>> model = torch.nn.Linear(1, 2)
    >>> phi = logit_confidence(model, torch.zeros(3, 1), torch.tensor([0, 1, 1]))
    >>> phi.shape
    (3,)
    """
    model, _ = adapted(model, X)
    batch_size = rows_per_batch(X, batch_size)
    was_training = model.training
    model.eval()
    out = []
    try:
        with torch.inference_mode():
            for start in range(0, X.shape[0], batch_size):
                logits = model(X[start : start + batch_size]).to(torch.float64)
                target = y[start : start + batch_size].long()
                true = logits.gather(1, target[:, None]).squeeze(1)
                others = logits.scatter(1, target[:, None], float("-inf"))
                out.append(true - torch.logsumexp(others, dim=1))
    finally:
        model.train(was_training)
    return torch.cat(out).numpy()


def shadow_scores(
    trainer: Callable[[torch.Tensor, torch.Tensor, int], nn.Module],
    X: torch.Tensor,
    y: torch.Tensor,
    *,
    k: int,
    seed: int = 0,
    progress: Progress | None = None,
    engine: str | EngineSettings | None = "serial",
) -> tuple[np.ndarray, np.ndarray]:
    """Train ``k`` shadow models on random halves of ``(X, y)``; φ of every row under each.

    As in Carlini et al.'s code, each row is in the training set of exactly
    ``k // 2`` shadows (so every row has ``k - k // 2`` out-shadows). Shadow ``i`` is
    trained by ``trainer(X[rows], y[rows], seed + i)``.

    Parameters
    ----------
    trainer : callable
        ``trainer(X, y, seed) -> nn.Module``, a fresh model trained on the rows given;
        its output may be any that :class:`audit.Subject` accepts (one logit, a mapping,
        ...): it is read as the subject's model is.
    X, y : Tensor
        All rows (members and non-members of the target).
    k : int
        The number of shadow models, at least 2.
    seed : int
        Seed of the halves and, plus the shadow's index, of each training.
    progress : callable, optional
        Called as ``progress("shadow", i, k)`` before shadow ``i`` (1-based) trains (with
        Ray: is submitted).
    engine : {"serial", "ray"} or EngineSettings
        Where the shadows train (:func:`audit.engines._tasks.map_tasks`): here, one
        after another, or as Ray tasks; each on one torch thread, so both give the same
        scores.

    Returns
    -------
    in_mask : ndarray of bool, shape (k, rows)
        Which rows each shadow trained on.
    scores : ndarray of float, shape (k, rows)
        φ of every row under each shadow (:func:`logit_confidence`).

    Examples
    --------
    >>> from audit.privacy import make_trainer
    >>> from audit.training import Recipe
    >>> trainer = make_trainer(lambda: torch.nn.Linear(2, 2), Recipe(epochs=1))
    >>> X, y = torch.randn(20, 2), torch.randint(0, 2, (20,))
    >>> steps = []
    >>> in_mask, scores = shadow_scores(trainer, X, y, k=2, progress=lambda *s: steps.append(s))
    >>> in_mask.sum(axis=0).tolist() == [1] * 20, scores.shape, steps
    (True, (2, 20), [('shadow', 1, 2), ('shadow', 2, 2)])
    """
    if not isinstance(k, int) or k < 2:
        raise bad_input("k", "an int >= 2 (each row needs an in- and an out-shadow)", k)
    X, y = torch.as_tensor(X), torch.as_tensor(y)
    rng = np.random.default_rng(seed)
    order = rng.random((k, X.shape[0])).argsort(axis=0)
    in_mask = order < k // 2
    scores = map_tasks(
        _shadow_task,
        [(i, seed + i) for i in range(k)],
        engine=engine,
        shared=(trainer, X, y, in_mask),
        on_start=None if progress is None else lambda i: progress("shadow", i + 1, k),
    )
    return in_mask, np.stack(scores)


def _shadow_task(
    task: tuple[int, int], trainer: Callable, X: torch.Tensor, y: torch.Tensor, in_mask: np.ndarray
) -> np.ndarray:
    """φ of every row under shadow ``i``, trained on its half with ``seed``."""
    i, seed = task
    rows = torch.as_tensor(np.flatnonzero(in_mask[i]))
    return logit_confidence(trainer(X[rows], y[rows], seed), X, y)


def train_models(
    trainer: Callable[..., nn.Module],
    X: torch.Tensor,
    y: torch.Tensor,
    jobs: Sequence[tuple[int, Any]],
    *,
    engine: str | EngineSettings | None = "serial",
    on_start: Callable[[int], None] | None = None,
) -> list[tuple[nn.Module, float]]:
    """Train one model per job ``(seed, private)`` on ``(X, y)``; each with its seconds.

    Job ``j`` is ``trainer(X, y, seed, private=private)`` (a trainer made by
    :func:`audit.training.make_trainer`; ``private=None``: without DP-SGD), run as a
    task of :func:`audit.engines._tasks.map_tasks` on ``engine``; ``on_start(j)`` is
    called before it. The privacy check trains a DP model's non-private twin and the
    points of its privacy–utility curve so.

    Examples
    --------
    >>> from audit.training import Recipe, make_trainer
    >>> trainer = make_trainer(lambda: torch.nn.Linear(2, 2), Recipe(epochs=1))
    >>> X, y = torch.randn(20, 2), torch.randint(0, 2, (20,))
    >>> [type(m).__name__ for m, _ in train_models(trainer, X, y, [(0, None), (1, None)])]
    ['Linear', 'Linear']
    """
    return map_tasks(
        _train_task, list(jobs), engine=engine, shared=(trainer, X, y), on_start=on_start
    )


def _train_task(
    job: tuple[int, Any], trainer: Callable, X: torch.Tensor, y: torch.Tensor
) -> tuple[nn.Module, float]:
    seed, private = job
    start = time.perf_counter()
    model = trainer(X, y, seed, private=private)
    return model, round(time.perf_counter() - start, 4)
