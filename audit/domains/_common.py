"""Pieces the reference domains share: recipes with overrides, seeded splits and models."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np
import torch
from sklearn.model_selection import train_test_split

from audit.config import TrainingConfig
from audit.domains._context import current
from audit.training import FitResult, Recipe, fit

__all__ = ["recipe_with", "seeded_model", "train", "validation_split"]


def recipe_with(training: TrainingConfig, base: Recipe) -> Recipe:
    """Return ``base`` with the fields that ``training`` sets replaced.

    Examples
    --------
    >>> recipe_with(TrainingConfig(epochs=3), Recipe(epochs=50)).epochs
    3
    """
    overrides = {k: v for k, v in training.model_dump().items() if v is not None}
    return replace(base, **overrides)


def validation_split(
    labels: np.ndarray, *, share: float, seed: int, stratify: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Row indices ``(fit, validation)`` of a seeded (stratified) split."""
    rows = np.arange(len(labels))
    fit_rows, val_rows = train_test_split(
        rows, test_size=share, random_state=seed, stratify=labels if stratify else None
    )
    return np.sort(fit_rows), np.sort(val_rows)


def seeded_model(factory: Callable[[], torch.nn.Module], seed: int) -> torch.nn.Module:
    """Build a model with weights drawn from ``seed``, leaving the caller's RNG alone.

    Inside a build context the factory is recorded (shadow models are built with it).
    """
    record = current()
    if record is not None:
        record.factory, record.seed = factory, seed
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return factory()


def train(
    model: torch.nn.Module,
    X: torch.Tensor,
    y: torch.Tensor,
    fit_rows: np.ndarray,
    val_rows: np.ndarray,
    *,
    recipe: Recipe,
    seed: int,
    on_epoch: Callable[..., None] | None = None,
    private_recipe: Recipe | None = None,
) -> FitResult:
    """Fit on ``fit_rows`` with ``val_rows`` for the validation curve and early stopping.

    Inside a build context with DP enabled, trains with DP-SGD (opacus) instead and
    records the privacy accounting. DP-SGD wants its own recipe (larger batches, a
    higher learning rate, fewer epochs): ``private_recipe``, when given, replaces
    ``recipe`` for the DP model and for its non-private twin, so that the two differ
    only by clipping and noise. The recipe used is recorded either way.
    """
    fit_idx, val_idx = torch.as_tensor(fit_rows), torch.as_tensor(val_rows)
    record = current()
    if record is not None:
        if record.dp_recipe and private_recipe is not None:
            recipe = private_recipe
        record.recipe = recipe
        if record.privacy is not None:
            from audit.privacy import fit_private

            private = fit_private(
                model,
                (X[fit_idx], y[fit_idx]),
                (X[val_idx], y[val_idx]),
                recipe=recipe,
                seed=seed,
                settings=record.privacy,
                on_epoch=on_epoch,
            )
            record.privacy_record = private.record
            return FitResult(model=private.model, history=private.history)
    return fit(
        model,
        (X[fit_idx], y[fit_idx]),
        (X[val_idx], y[val_idx]),
        recipe=recipe,
        seed=seed,
        on_epoch=on_epoch,
    )
