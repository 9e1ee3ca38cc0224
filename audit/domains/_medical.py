"""Medical domain: a feed-forward network diagnosing breast cancer (scikit-learn's data).

There is no sensitive attribute in this data set; the fairness section says so.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from audit.datasets._breast_cancer import breast_cancer
from audit.domains._common import seeded_model, train, validation_split
from audit.domains._context import BuildRecord
from audit.models import MLP
from audit.settings import PrivacySettings, TrainingConfig
from audit.subject import Subject
from audit.training import Recipe

__all__ = ["DEFAULT_RECIPE", "OVERFIT_RECIPE", "PRIVATE_RECIPE", "build"]

DEFAULT_RECIPE = Recipe(epochs=100, batch_size=32, lr=1e-3, weight_decay=1e-4, patience=15)
#: DP-SGD (and the DP model's non-private twin): larger batches, a higher learning rate,
#: fewer epochs, all of them spent (the noise is calibrated to them; no early stopping on
#: the noisy validation loss); tuned at ε = 3 on a held-out split of the fitting rows.
PRIVATE_RECIPE = Recipe(epochs=30, batch_size=64, lr=3e-2, weight_decay=0.0, patience=None)
OVERFIT_RECIPE = Recipe(epochs=300, batch_size=8, lr=3e-3, weight_decay=0.0, patience=None)
OVERFIT_ROWS = 24


def build(
    *,
    seed: int,
    variant: str,
    training: TrainingConfig,
    on_epoch: Callable[..., None] | None = None,
    privacy: PrivacySettings | None = None,
    record: BuildRecord | None = None,
) -> Subject:
    """Train the diagnosis model for ``seed`` and ``variant`` and wrap it in a Subject.

    ``overfit`` keeps 24 training rows and a wide network without regularisation.
    """
    data = breast_cancer(seed)
    labels = data.y_train.to_numpy()
    fit_rows, val_rows = validation_split(labels, share=0.2, seed=seed)
    if variant == "overfit":
        fit_rows = np.sort(np.random.default_rng(seed).permutation(fit_rows)[:OVERFIT_ROWS])
    X, y = torch.tensor(data.X_train.to_numpy()), torch.tensor(labels)
    hidden, dropout = ((256, 256), 0.0) if variant == "overfit" else ((32, 16), 0.1)
    model = seeded_model(
        lambda: MLP(X.shape[1], 2, hidden=hidden, dropout=dropout), seed, record=record
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
        history=result.history,
        dataset="Breast cancer Wisconsin (diagnostic), scikit-learn",
        feature_groups=data.feature_groups,
        raw_train=data.raw_train.iloc[fit_rows].reset_index(drop=True),
        raw_test=data.raw_test,
    )
