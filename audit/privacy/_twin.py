"""The models the privacy check trains with the subject's trainer, and how they score rows.

Shadow models train on random halves of the rows (offline LiRA scores each row by where
the target's confidence falls among its out-shadows'). The cost of privacy of a DP model
is measured with its non-private twin and its privacy–utility curve, trained by a
trainer made by :func:`audit.privacy.make_trainer` (which takes ``private=``): the twin
with the DP model's recipe and seed but without DP-SGD, each point of the curve with
DP-SGD at another ε.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from scipy.stats import norm
from torch import nn

from audit.errors import bad_input
from audit.results import Table
from audit.settings import PrivacySettings

__all__ = [
    "accepts_private",
    "cost_of_privacy",
    "cost_table",
    "fairness_here",
    "lira_scores",
    "logit_confidence",
    "shadow_scores",
    "twin_comparison",
]


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


def logit_confidence(
    model: nn.Module, X: torch.Tensor, y: torch.Tensor, *, batch_size: int = 4096
) -> np.ndarray:
    """φ = log(p_y / (1 − p_y)) of each row's true class, computed stably from the logits.

    A single binary logit ``z`` counts as the logits ``[0, z]``.

    Examples
    --------
    >>> model = torch.nn.Linear(1, 2)
    >>> phi = logit_confidence(model, torch.zeros(3, 1), torch.tensor([0, 1, 1]))
    >>> phi.shape
    (3,)
    """
    was_training = model.training
    model.eval()
    out = []
    try:
        with torch.inference_mode():
            for start in range(0, X.shape[0], batch_size):
                logits = model(X[start : start + batch_size]).to(torch.float64)
                if logits.ndim == 1 or logits.shape[1] == 1:
                    logits = torch.stack(
                        [torch.zeros_like(logits.reshape(-1)), logits.reshape(-1)], 1
                    )
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
) -> tuple[np.ndarray, np.ndarray]:
    """Train ``k`` shadow models on random halves of ``(X, y)``; φ of every row under each.

    As in Carlini et al.'s code, each row is in the training set of exactly
    ``k // 2`` shadows (so every row has ``k - k // 2`` out-shadows). Shadow ``i`` is
    trained by ``trainer(X[rows], y[rows], seed + i)``.

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
    >>> in_mask, scores = shadow_scores(trainer, X, y, k=2)
    >>> in_mask.sum(axis=0).tolist() == [1] * 20, scores.shape
    (True, (2, 20))
    """
    if not isinstance(k, int) or k < 2:
        raise bad_input("k", "an int >= 2 (each row needs an in- and an out-shadow)", k)
    X, y = torch.as_tensor(X), torch.as_tensor(y)
    rng = np.random.default_rng(seed)
    order = rng.random((k, X.shape[0])).argsort(axis=0)
    in_mask = order < k // 2
    scores = np.empty((k, X.shape[0]))
    for i in range(k):
        rows = torch.as_tensor(np.flatnonzero(in_mask[i]))
        model = trainer(X[rows], y[rows], seed + i)
        scores[i] = logit_confidence(model, X, y)
    return in_mask, scores


def accepts_private(trainer: Any) -> bool:
    """Whether ``trainer`` takes the ``private=`` keyword of :func:`make_trainer`'s trainers.

    Examples
    --------
    >>> accepts_private(lambda X, y, seed, *, private=None: None)
    True
    >>> accepts_private(lambda X, y, seed: None)
    False
    """
    if not callable(trainer):
        return False
    try:
        parameters = inspect.signature(trainer).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(
        p.kind is p.VAR_KEYWORD
        or (p.name == "private" and p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD))
        for p in parameters
    )


def _accuracy(subject) -> float:
    return float((subject.predict_proba("test").argmax(axis=1) == subject.y_test.numpy()).mean())


def _importance(subject, rows: int = 128) -> np.ndarray:
    """Saliency global importance (mean |gradient| per input element) on the first test rows."""
    from captum.attr import Saliency

    model = subject.model.eval()
    X = subject.X_test[:rows]
    if not X.is_floating_point():  # token ids: no input gradient
        return np.array([])
    with torch.no_grad():
        target = model(X).argmax(1)  # the predicted class of these rows only
    X = X.detach().clone().requires_grad_(True)  # captum would warn and set it itself
    attr = Saliency(model).attribute(X, target=target, abs=True).detach().numpy()
    return np.abs(attr.reshape(len(X), -1)).mean(0)


def fairness_here(subject) -> dict[str, float]:
    """This model's test disparities by sensitive feature (categorical columns only)."""
    import pandas as pd

    from audit.fairness import confusion_counts, disparities, rates_from_counts

    if subject.sensitive_test is None or subject.n_classes != 2:
        return {}
    y_true = subject.y_test.numpy()
    y_pred = subject.predict_proba("test").argmax(axis=1)
    values: dict[str, float] = {}
    for column in subject.sensitive_test.columns:
        codes, groups = pd.factorize(subject.sensitive_test[column].astype(str))
        if len(groups) > 10:
            continue
        rates = rates_from_counts(confusion_counts(y_true, y_pred, codes, len(groups)))
        for name, value in disparities(rates).items():
            values[f"{name}[{column}]"] = float(value)
    return values


def twin_comparison(dp_subject, twin_model) -> dict[str, Any]:
    """The non-private twin's test accuracy, fairness and importance agreement with the DP model.

    Returns ``test_accuracy``, ``fairness`` (disparities by sensitive feature),
    ``importance_spearman`` (rank correlation of the two models' saliency importances,
    None where it is undefined) and ``recipe`` (the DP model's, trained without DP-SGD).
    """
    from scipy.stats import spearmanr

    twin = dp_subject.with_model(twin_model, name=f"{dp_subject.name} (non-private twin)")
    a, b = _importance(dp_subject), _importance(twin)
    stability = (
        float(spearmanr(a, b).statistic) if a.size > 2 and a.std() > 0 and b.std() > 0 else None
    )
    training = dp_subject.training
    return {
        "test_accuracy": _accuracy(twin),
        "fairness": fairness_here(twin),
        "importance_spearman": stability,
        "recipe": None if training is None else training.recipe,
    }


def _private_settings(training) -> PrivacySettings:
    """The settings the DP model was trained with, else what its DP record says."""
    if isinstance(training.private_settings, PrivacySettings):
        return training.private_settings
    record = training.privacy
    return PrivacySettings(
        dp=True,
        epsilon=record.get("target_epsilon") or record["epsilon"],
        delta=record.get("delta"),
        max_grad_norm=record.get("max_grad_norm") or 1.0,
        accountant=record.get("accountant") or "prv",
        grad_sample_mode=record.get("grad_sample_mode"),
    )


def cost_of_privacy(
    subject, settings: PrivacySettings, seed: int, stages: dict[str, float]
) -> tuple[dict[str, Any], list[tuple[float | None, float]] | None]:
    """Train a DP subject's non-private twin and, when asked, its privacy–utility curve.

    Both are trained on the subject's training rows by ``subject.training.trainer``
    (which must accept ``private=``) with the subject's seed, or ``seed`` when it has
    none. ``stages`` receives the seconds of each training (``privacy_twin``,
    ``utility_curve[epsilon=...]``).

    Returns
    -------
    tuple
        The twin comparison (:func:`twin_comparison`) and the curve, ``(ε, test
        accuracy)`` per ``settings.utility_epsilons`` (``None``: the twin), or ``None``
        when ``settings.utility_curve`` is off.
    """
    training = subject.training
    trainer = training.trainer
    seed = subject.seed if subject.seed is not None else seed
    X, y = subject.X_train, subject.y_train
    start = time.perf_counter()
    twin = twin_comparison(subject, trainer(X, y, seed, private=None))
    stages["privacy_twin"] = round(time.perf_counter() - start, 4)
    if not settings.utility_curve:
        return twin, None
    base = _private_settings(training)
    own = training.privacy.get("target_epsilon") or training.privacy.get("epsilon")
    curve: list[tuple[float | None, float]] = []
    for epsilon in settings.utility_epsilons:
        if epsilon is None:
            curve.append((None, twin["test_accuracy"]))
        elif own is not None and abs(float(epsilon) - float(own)) < 1e-9:
            curve.append((float(epsilon), _accuracy(subject)))
        else:
            private = base.model_copy(update={"epsilon": float(epsilon), "noise_multiplier": None})
            start = time.perf_counter()
            model = trainer(X, y, seed, private=private)
            stages[f"utility_curve[epsilon={float(epsilon):g}]"] = round(
                time.perf_counter() - start, 4
            )
            curve.append((float(epsilon), _accuracy(subject.with_model(model))))
    return twin, curve


def cost_table(subject, twin: dict[str, Any]) -> Table:
    """The table of the cost of privacy: the twin's measures beside the DP model's."""
    proba = subject.predict_proba("test")
    accuracy = float((proba.argmax(axis=1) == subject.y_test.numpy()).mean())
    here = fairness_here(subject)
    rows: list[list[Any]] = []
    pairs = [("test_accuracy", twin.get("test_accuracy"), accuracy)]
    pairs += [(k, v, here.get(k)) for k, v in (twin.get("fairness") or {}).items()]
    for name, before, after in pairs:
        change = None if before is None or after is None else after - before
        rows.append([name, before, after, change])
    if twin.get("importance_spearman") is not None:
        rows.append(
            ["feature-importance rank correlation", None, None, twin["importance_spearman"]]
        )
    return Table(
        id="cost_of_privacy",
        title="Cost of privacy: the non-private twin and this model",
        columns=["measure", "non-private twin", "this model (DP)", "change"],
        rows=rows,
        caption="Same data, seed, model and recipe; only DP-SGD differs (with the module swaps "
        "it needs, listed above). The rank correlation "
        "(Spearman) compares the two models' feature importances.",
    )
