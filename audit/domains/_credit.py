"""Credit domain: a feed-forward network deciding credit risk on the German credit data.

Variants: ``default``; ``overfit`` (80 training rows, a wide network without
regularisation, 200 epochs, no early stopping); ``biased`` (trained on labels where
many women's good risks were recorded as bad, so the model leans on sex; tested on
the true labels).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from audit.datasets import german_credit
from audit.domains._common import seeded_model, train, validation_split
from audit.domains._context import BuildRecord
from audit.hints import TrainingRecord
from audit.models import MLP
from audit.settings import PrivacySettings, TrainingConfig
from audit.subject import Subject
from audit.training import Recipe

__all__ = ["BIAS_FLIP_SHARE", "DEFAULT_RECIPE", "OVERFIT_RECIPE", "PRIVATE_RECIPE", "build"]

DEFAULT_RECIPE = Recipe(epochs=100, batch_size=64, lr=1e-3, weight_decay=1e-4, patience=15)
#: DP-SGD (and the DP model's non-private twin): larger batches, a higher learning rate,
#: fewer epochs, all of them spent (the noise is calibrated to them; no early stopping on
#: the noisy validation loss); tuned at ε = 3 on a held-out split of the fitting rows.
PRIVATE_RECIPE = Recipe(epochs=30, batch_size=256, lr=3e-2, weight_decay=0.0, patience=None)
OVERFIT_RECIPE = Recipe(epochs=200, batch_size=16, lr=1e-3, weight_decay=0.0, patience=None)
VALIDATION_SHARE = 0.2
OVERFIT_ROWS = 80
#: Share of the women's good-risk training labels recorded as bad in the ``biased`` variant.
BIAS_FLIP_SHARE = 0.6


def build(
    *,
    seed: int,
    variant: str,
    training: TrainingConfig,
    on_epoch: Callable[..., None] | None = None,
    privacy: PrivacySettings | None = None,
    record: BuildRecord | None = None,
) -> Subject:
    """Train the credit model for ``seed`` and ``variant`` and wrap it in a Subject.

    A stratified 20% of the training split is held out for validation (the
    learning curve and early stopping); the Subject's train split is the rest.
    """
    data = german_credit(seed)
    labels = data.y_train.to_numpy()
    fit_rows, val_rows = validation_split(labels, share=VALIDATION_SHARE, seed=seed)
    if variant == "overfit":
        keep = np.random.default_rng(seed).permutation(len(fit_rows))[:OVERFIT_ROWS]
        fit_rows = np.sort(fit_rows[keep])
    if variant == "biased":
        labels = labels.copy()
        rng = np.random.default_rng(seed)
        women = (data.sensitive_train["sex"].to_numpy() == "female") & (labels == 1)
        labels[women & (rng.random(len(labels)) < BIAS_FLIP_SHARE)] = 0
    X = torch.tensor(data.X_train.to_numpy())
    y = torch.tensor(labels)
    hidden, dropout = ((256, 256), 0.0) if variant == "overfit" else ((32, 16), 0.1)
    model = seeded_model(
        lambda: MLP(len(data.feature_names), 2, hidden=hidden, dropout=dropout), seed, record=record
    )
    result = train(
        model,
        X,
        y,
        fit_rows,
        val_rows,
        training=training,
        recipe=OVERFIT_RECIPE if variant == "overfit" else DEFAULT_RECIPE,
        seed=seed,
        private_recipe=None if variant == "overfit" else PRIVATE_RECIPE,
        on_epoch=on_epoch,
        privacy=privacy,
        record=record,
    )
    return Subject(
        result.model,
        train=(data.X_train.iloc[fit_rows].reset_index(drop=True), labels[fit_rows]),
        test=(data.X_test, data.y_test),
        modality="tabular",
        class_names=data.class_names,
        sensitive_train=data.sensitive_train.iloc[fit_rows].reset_index(drop=True),
        sensitive_test=data.sensitive_test,
        history=result.history,
        dataset="German credit (UCI Statlog), embedded",
        feature_groups=data.feature_groups,
        # original (unencoded) columns, row-aligned with the Subject's splits
        raw_train=data.raw_train.iloc[fit_rows].reset_index(drop=True),
        raw_test=data.raw_test,
        training=TrainingRecord(validation_rows=len(val_rows)),
    )
