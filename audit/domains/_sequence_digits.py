"""Sequence-digits domain: an LSTM reading the 8×8 handwritten digits row by row."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from audit.datasets._digits import digits_images
from audit.domains._common import seeded_model, stratified_subset, train, validation_split
from audit.domains._context import BuildRecord
from audit.hints import ExplainHints, TrainingRecord
from audit.models._lstm import LSTMClassifier
from audit.settings import PrivacySettings, TrainingConfig
from audit.subject import Subject
from audit.training import Recipe

__all__ = [
    "DEFAULT_RECIPE",
    "OVERFIT_RECIPE",
    "OVERFIT_TRAIN_SHARE",
    "PRIVATE_RECIPE",
    "build",
    "rows_as_steps",
]

#: Adam with weight decay, dropout 0.1 before the head, early stopping on validation loss.
DEFAULT_RECIPE = Recipe(epochs=60, batch_size=64, lr=5e-3, weight_decay=1e-4, patience=8)
#: DP-SGD (and the DP model's non-private twin): larger batches, a higher learning rate,
#: fewer epochs, all of them spent (the noise is calibrated to them; no early stopping on
#: the noisy validation loss); tuned at ε = 3 on a held-out split of the fitting rows.
PRIVATE_RECIPE = Recipe(epochs=40, batch_size=128, lr=2e-2, weight_decay=0.0, patience=None)
#: The overfitting control: no weight decay, no early stopping, many epochs.
OVERFIT_RECIPE = Recipe(epochs=150, batch_size=64, lr=5e-3, weight_decay=0.0, patience=None)
#: Share of the fitting rows the overfit variant trains on (stratified).
OVERFIT_TRAIN_SHARE = 0.05
VALIDATION_SHARE = 0.2
HIDDEN = 64


def rows_as_steps(images: np.ndarray) -> np.ndarray:
    """Turn images ``(N, 1, H, W)`` into sequences ``(N, H, W)``: one step per pixel row.

    Examples
    --------
    >>> rows_as_steps(np.zeros((2, 1, 8, 8))).shape
    (2, 8, 8)
    """
    return np.ascontiguousarray(images[:, 0])


def build(
    *,
    seed: int,
    variant: str,
    training: TrainingConfig,
    on_epoch: Callable[..., None] | None = None,
    privacy: PrivacySettings | None = None,
    record: BuildRecord | None = None,
) -> Subject:
    """Train the LSTM on the digits read as 8-step sequences and wrap it in a Subject.

    Same splits as the vision domain (70/30 train/test, 20% of train held out for
    validation, stratified and seeded); each image's pixel rows are the steps,
    its 8 columns the features of a step. The LSTM (hidden size 64) classifies
    from its last hidden state. ``"overfit"`` trains on a stratified
    :data:`OVERFIT_TRAIN_SHARE` of the fitting rows with no dropout, weight decay
    or early stopping.

    Parameters
    ----------
    seed : int
        Seed of the splits, the initial weights and the training.
    variant : {"default", "overfit"}
    training : TrainingConfig
        Overrides of the variant's recipe (:data:`DEFAULT_RECIPE`, :data:`OVERFIT_RECIPE`).
    on_epoch : callable, optional
        Called with each epoch's record.

    Returns
    -------
    Subject
        ``modality="sequence"``, inputs ``(rows, 8, 8)`` (steps = pixel rows,
        channels = pixel columns ``col0``..``col7``), classes ``"0"``..``"9"``.

    Examples
    --------
    >>> from audit.config import TrainingConfig
    >>> subject = build(seed=0, variant="default", training=TrainingConfig(epochs=2))
    >>> tuple(subject.X_test.shape[1:])
    (8, 8)
    """
    overfit = variant == "overfit"
    data = digits_images(seed)
    X_train, X_test = rows_as_steps(data.X_train), rows_as_steps(data.X_test)
    fit_rows, val_rows = validation_split(data.y_train, share=VALIDATION_SHARE, seed=seed)
    if overfit:
        fit_rows = stratified_subset(
            fit_rows, data.y_train[fit_rows], share=OVERFIT_TRAIN_SHARE, seed=seed
        )

    n_steps, n_channels = X_train.shape[1:]
    dropout = 0.0 if overfit else 0.1
    model = seeded_model(
        lambda: LSTMClassifier(
            n_channels, len(data.class_names), hidden=HIDDEN, pooling="last", dropout=dropout
        ),
        seed,
        record=record,
    )
    result = train(
        model,
        torch.from_numpy(X_train),
        torch.from_numpy(data.y_train),
        fit_rows,
        val_rows,
        training=training,
        recipe=OVERFIT_RECIPE if overfit else DEFAULT_RECIPE,
        seed=seed,
        private_recipe=None if overfit else PRIVATE_RECIPE,
        on_epoch=on_epoch,
        privacy=privacy,
        record=record,
        single_thread=True,
    )
    return Subject(
        result.model,
        train=(X_train[fit_rows], data.y_train[fit_rows]),
        test=(X_test, data.y_test),
        modality="sequence",
        class_names=data.class_names,
        history=result.history,
        dataset=f"{data.source}, read row by row ({n_steps} steps of {n_channels} pixels)",
        explain=ExplainHints(
            input_shape=(int(n_steps), int(n_channels)),
            channel_names=[f"col{c}" for c in range(n_channels)],
        ),
        training=TrainingRecord(validation_rows=len(val_rows)),
    )
