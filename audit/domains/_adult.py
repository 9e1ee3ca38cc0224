"""Adult domain (online, opt-in): a feed-forward network on UCI Adult census income.

Needs the network on first use (``fairlearn.datasets.fetch_adult``); offline it fails
with one clear message, and the CLI exits with code 2.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from audit.datasets._online import adult
from audit.domains._common import seeded_model, train, validation_split
from audit.domains._context import BuildRecord
from audit.models import MLP
from audit.settings import PrivacySettings, TrainingConfig
from audit.subject import Subject
from audit.training import Recipe

__all__ = ["DEFAULT_RECIPE", "PRIVATE_RECIPE", "build"]

DEFAULT_RECIPE = Recipe(epochs=20, batch_size=256, lr=1e-3, weight_decay=1e-4, patience=4)
#: DP-SGD (and its twin): about 30,000 rows, so q ≈ 0.03 with batches of 1,024; every
#: epoch spent. Not tuned (the data is online only); the shape of the offline recipes.
PRIVATE_RECIPE = Recipe(epochs=10, batch_size=1024, lr=1e-2, weight_decay=0.0, patience=None)


def build(
    *,
    seed: int,
    variant: str,
    training: TrainingConfig,
    on_epoch: Callable[..., None] | None = None,
    privacy: PrivacySettings | None = None,
    record: BuildRecord | None = None,
) -> Subject:
    """Download (or read from cache) Adult, train the network and wrap it in a Subject."""
    data = adult(seed)
    labels = data.y_train.to_numpy()
    fit_rows, val_rows = validation_split(labels, share=0.1, seed=seed)
    X, y = torch.tensor(data.X_train.to_numpy()), torch.tensor(labels)
    model = seeded_model(
        lambda: MLP(X.shape[1], 2, hidden=(64, 32), dropout=0.1), seed, record=record
    )
    result = train(
        model,
        X,
        y,
        fit_rows,
        val_rows,
        training=training,
        recipe=DEFAULT_RECIPE,
        seed=seed,
        private_recipe=PRIVATE_RECIPE,
        on_epoch=on_epoch,
        privacy=privacy,
        record=record,
    )
    return Subject(
        result.model,
        train=(data.X_train.iloc[fit_rows].reset_index(drop=True), labels[fit_rows]),
        test=(data.X_test, data.y_test),
        class_names=data.class_names,
        sensitive_train=data.sensitive_train.iloc[fit_rows].reset_index(drop=True),
        sensitive_test=data.sensitive_test,
        history=result.history,
        dataset="UCI Adult census income (OpenML, via fairlearn)",
        feature_groups=data.feature_groups,
        raw_train=data.raw_train.iloc[fit_rows].reset_index(drop=True),
        raw_test=data.raw_test,
    )
