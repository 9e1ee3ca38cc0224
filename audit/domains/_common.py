"""Pieces the reference domains share: recipes with overrides, seeded splits and models."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import replace

import numpy as np
import torch
from sklearn.model_selection import train_test_split

from audit._threads import one_thread
from audit.domains._context import BuildRecord
from audit.settings import PrivacySettings, TrainingConfig
from audit.training import FitResult, Recipe, fit

__all__ = ["recipe_with", "seeded_model", "stratified_subset", "train", "validation_split"]


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


def seeded_model(
    factory: Callable[[], torch.nn.Module], seed: int, *, record: BuildRecord | None = None
) -> torch.nn.Module:
    """Build a model with weights drawn from ``seed``, leaving the caller's RNG alone.

    ``record``, when given, records the factory and seed (shadow models and the
    non-private twin are built with them).
    """
    if record is not None:
        record.factory, record.seed = factory, seed
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return factory()


def stratified_subset(
    rows: np.ndarray, labels: np.ndarray, *, share: float, seed: int
) -> np.ndarray:
    """A seeded, stratified ``share`` of ``rows`` (``labels`` are theirs), in order.

    Examples
    --------
    >>> stratified_subset(np.arange(20), np.arange(20) % 2, share=0.2, seed=0).size
    4
    """
    _, kept = validation_split(labels, share=share, seed=seed)
    return rows[kept]


def train(
    model: torch.nn.Module,
    X: torch.Tensor,
    y: torch.Tensor,
    fit_rows: np.ndarray,
    val_rows: np.ndarray,
    *,
    training: TrainingConfig,
    recipe: Recipe,
    private_recipe: Recipe | None = None,
    seed: int,
    on_epoch: Callable[..., None] | None = None,
    single_thread: bool = False,
    privacy: PrivacySettings | None = None,
    record: BuildRecord | None = None,
    augment: Callable[..., torch.Tensor] | None = None,
) -> FitResult:
    """Fit on ``fit_rows`` with ``val_rows`` for the validation curve and early stopping.

    ``recipe`` is the domain's recipe, with the fields ``training`` sets replaced.
    With ``privacy`` (PrivacySettings, DP on), trains with DP-SGD (opacus) instead.
    DP-SGD wants its own recipe (larger batches, a higher learning rate, fewer
    epochs): ``private_recipe``, when given, replaces ``recipe`` for the DP model (and
    so for its non-private twin, which the privacy check trains with the recorded
    recipe: the two differ only by clipping and noise). ``record``, when given,
    receives the recipe used and the privacy accounting.
    ``single_thread`` trains on one torch thread (small convolutional, recurrent and
    attention models train faster so on a shared CPU).
    """
    if privacy is not None and private_recipe is not None:
        recipe = private_recipe
    recipe = recipe_with(training, recipe)
    if record is not None:
        record.recipe = recipe
    fit_idx, val_idx = torch.as_tensor(fit_rows), torch.as_tensor(val_rows)
    data = (X[fit_idx], y[fit_idx]), (X[val_idx], y[val_idx])
    with one_thread() if single_thread else contextlib.nullcontext():
        if privacy is not None:
            from audit.privacy import fit_private

            private = fit_private(
                model, *data, recipe=recipe, seed=seed, settings=privacy, on_epoch=on_epoch
            )
            if record is not None:
                record.privacy_record = private.record
            return FitResult(model=private.model, history=private.history)
        return fit(model, *data, recipe=recipe, seed=seed, on_epoch=on_epoch, augment=augment)
