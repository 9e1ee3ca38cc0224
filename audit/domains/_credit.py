"""Credit domain: a feed-forward network deciding credit risk on the German credit data."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import torch
from sklearn.model_selection import train_test_split

from audit.config import TrainingConfig
from audit.datasets import german_credit
from audit.models import MLP
from audit.subject import Subject
from audit.training import Recipe, fit

__all__ = ["DEFAULT_RECIPE", "build"]

DEFAULT_RECIPE = Recipe(epochs=100, batch_size=64, lr=1e-3, weight_decay=1e-4, patience=15)
VALIDATION_SHARE = 0.2


def recipe_with(training: TrainingConfig, base: Recipe | None = None) -> Recipe:
    """Return ``base`` (default: :data:`DEFAULT_RECIPE`) with the fields ``training`` sets."""
    base = base or DEFAULT_RECIPE
    overrides = {k: v for k, v in training.model_dump().items() if v is not None}
    return replace(base, **overrides)


def build(
    *,
    seed: int,
    variant: str,
    training: TrainingConfig,
    on_epoch: Callable[..., None] | None = None,
) -> Subject:
    """Train the credit model for ``seed`` and wrap it in a Subject.

    A stratified 20% of the training split is held out for validation (the
    learning curve and early stopping); the Subject's train split is the rest.
    """
    data = german_credit(seed)
    fit_idx, val_idx = train_test_split(
        range(len(data.y_train)),
        test_size=VALIDATION_SHARE,
        random_state=seed,
        stratify=data.y_train,
    )
    X_all = torch.tensor(data.X_train.to_numpy())
    y_all = torch.tensor(data.y_train.to_numpy())
    fit_rows, val_rows = torch.as_tensor(fit_idx), torch.as_tensor(val_idx)

    with torch.random.fork_rng(devices=[]):  # seeded weights, caller's RNG untouched
        torch.manual_seed(seed)
        model = MLP(len(data.feature_names), 2, hidden=(32, 16), dropout=0.1)
    result = fit(
        model,
        (X_all[fit_rows], y_all[fit_rows]),
        (X_all[val_rows], y_all[val_rows]),
        recipe=recipe_with(training),
        seed=seed,
        on_epoch=on_epoch,
    )
    return Subject(
        result.model,
        train=(data.X_train.iloc[fit_idx].reset_index(drop=True), data.y_train.iloc[fit_idx]),
        test=(data.X_test, data.y_test),
        modality="tabular",
        class_names=data.class_names,
        sensitive_train=data.sensitive_train.iloc[fit_idx].reset_index(drop=True),
        sensitive_test=data.sensitive_test,
        history=result.history,
        name="credit" if variant == "default" else f"credit ({variant})",
        metadata={
            "domain": "credit",
            "variant": variant,
            "seed": seed,
            "dataset": "German credit (UCI Statlog), embedded",
            "feature_groups": data.feature_groups,
            # original (unencoded) columns, row-aligned with the Subject's splits
            "raw_train": data.raw_train.iloc[fit_idx].reset_index(drop=True),
            "raw_test": data.raw_test,
            "validation_rows": len(val_idx),
        },
    )
