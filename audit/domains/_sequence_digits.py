"""Sequence-digits domain: an LSTM reading the 8×8 handwritten digits row by row.

Variants: ``default``; ``overfit`` (a stratified 5% of the fitting rows, no dropout,
weight decay or early stopping).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from audit.domains._spec import DomainSpec, Plan, Variant
from audit.recipe import Recipe

if TYPE_CHECKING:
    import numpy as np

__all__ = [
    "DEFAULT_RECIPE",
    "OVERFIT_RECIPE",
    "OVERFIT_TRAIN_SHARE",
    "PRIVATE_RECIPE",
    "SPEC",
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
    >>> import numpy as np
    >>> rows_as_steps(np.zeros((2, 1, 8, 8))).shape
    (2, 8, 8)
    """
    import numpy as np

    return np.ascontiguousarray(images[:, 0])


def prepare(*, seed: int, variant: str) -> Plan:
    """The digits read as 8-step sequences, and the LSTM.

    Same splits as the vision domain (70/30 train/test, 20% of train held out for
    validation, stratified and seeded); each image's pixel rows are the steps,
    its 8 columns the features of a step. The LSTM (hidden size 64) classifies
    from its last hidden state. ``"overfit"`` trains on a stratified
    :data:`OVERFIT_TRAIN_SHARE` of the fitting rows with no dropout, weight decay
    or early stopping. The Subject has ``modality="sequence"``, inputs
    ``(rows, 8, 8)`` (steps = pixel rows, channels = pixel columns
    ``col0``..``col7``), classes ``"0"``..``"9"``.

    Examples
    --------
    >>> from audit.settings import TrainingConfig
    >>> subject = SPEC.build(seed=0, training=TrainingConfig(epochs=2))
    >>> tuple(subject.X_test.shape[1:])
    (8, 8)
    """
    import torch

    from audit.datasets._digits import digits_images
    from audit.domains._common import stratified_subset, validation_split
    from audit.hints import ExplainHints
    from audit.models._lstm import LSTMClassifier

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
    return Plan(
        X=torch.from_numpy(X_train),
        y=torch.from_numpy(data.y_train),
        fit_rows=fit_rows,
        val_rows=val_rows,
        model_factory=lambda: LSTMClassifier(
            n_channels, len(data.class_names), hidden=HIDDEN, pooling="last", dropout=dropout
        ),
        subject={
            "train": (X_train[fit_rows], data.y_train[fit_rows]),
            "test": (X_test, data.y_test),
            "modality": "sequence",
            "class_names": data.class_names,
            "dataset": f"{data.source}, read row by row ({n_steps} steps of {n_channels} pixels)",
        },
        explain=lambda model: ExplainHints(
            input_shape=(int(n_steps), int(n_channels)),
            channel_names=[f"col{c}" for c in range(n_channels)],
        ),
        single_thread=True,
    )


SPEC = DomainSpec(
    name="sequence-digits",
    summary="Handwritten digits read row by row as 8-step sequences; LSTM",
    modality="sequence",
    model_family="LSTM",
    prepare=prepare,
    variants=(
        Variant("default", DEFAULT_RECIPE, PRIVATE_RECIPE),
        Variant("overfit", OVERFIT_RECIPE, summary="5% of the rows, no regularisation"),
    ),
)
