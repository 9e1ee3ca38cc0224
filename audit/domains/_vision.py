"""Vision domain: a residual CNN classifying scikit-learn's 8×8 handwritten digits."""

from __future__ import annotations

from collections.abc import Callable

import torch

from audit.datasets._digits import digits_images
from audit.domains._common import seeded_model, stratified_subset, train, validation_split
from audit.domains._context import BuildRecord
from audit.hints import ExplainHints, TrainingRecord
from audit.models._cnn import ResNetSmall
from audit.settings import PrivacySettings, TrainingConfig
from audit.subject import Subject
from audit.training import Recipe

__all__ = ["DEFAULT_RECIPE", "OVERFIT_RECIPE", "OVERFIT_TRAIN_SHARE", "PRIVATE_RECIPE", "build"]

#: Adam with weight decay, dropout 0.1 before the head, early stopping on validation loss.
DEFAULT_RECIPE = Recipe(epochs=30, batch_size=64, lr=3e-3, weight_decay=1e-4, patience=8)
#: DP-SGD (and the DP model's non-private twin): larger batches, a higher learning rate,
#: fewer epochs, all of them spent (the noise is calibrated to them; no early stopping on
#: the noisy validation loss); tuned at ε = 3 on a held-out split of the fitting rows.
PRIVATE_RECIPE = Recipe(epochs=20, batch_size=256, lr=3e-3, weight_decay=0.0, patience=None)
#: The overfitting control: no weight decay, no early stopping, many epochs.
OVERFIT_RECIPE = Recipe(epochs=100, batch_size=32, lr=3e-3, weight_decay=0.0, patience=None)
#: Share of the fitting rows the overfit variant trains on (stratified).
OVERFIT_TRAIN_SHARE = 0.05
VALIDATION_SHARE = 0.2
WIDTHS = (16, 32)


def build(
    *,
    seed: int,
    variant: str,
    training: TrainingConfig,
    on_epoch: Callable[..., None] | None = None,
    privacy: PrivacySettings | None = None,
    record: BuildRecord | None = None,
) -> Subject:
    """Train the digits CNN for ``seed`` and wrap it in a Subject.

    The digits are split 70/30 into train and test (stratified, seeded); a
    stratified 20% of the train split is held out for validation (the learning
    curve and, in the default variant, early stopping). The Subject's train split
    is the rows the model was fitted on: the other 80% in the default variant, a
    stratified :data:`OVERFIT_TRAIN_SHARE` of them in ``"overfit"``, which also
    drops dropout, weight decay and early stopping.

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
        ``modality="image"``, inputs ``(rows, 1, 8, 8)`` in [0, 1], classes
        ``"0"``..``"9"``; hints ``explain.input_shape``, ``channel_names``,
        ``gradcam_layer`` (the model's last residual block) and ``dataset``.

    Examples
    --------
    >>> from audit.config import TrainingConfig
    >>> subject = build(seed=0, variant="default", training=TrainingConfig(epochs=2))
    >>> subject.explain.input_shape, subject.n_classes
    ((1, 8, 8), 10)
    """
    overfit = variant == "overfit"
    data = digits_images(seed)
    fit_rows, val_rows = validation_split(data.y_train, share=VALIDATION_SHARE, seed=seed)
    if overfit:
        fit_rows = stratified_subset(
            fit_rows, data.y_train[fit_rows], share=OVERFIT_TRAIN_SHARE, seed=seed
        )
    X_all, y_all = torch.from_numpy(data.X_train), torch.from_numpy(data.y_train)

    dropout = 0.0 if overfit else 0.1
    model = seeded_model(
        lambda: ResNetSmall(1, len(data.class_names), widths=WIDTHS, dropout=dropout),
        seed,
        record=record,
    )
    result = train(
        model,
        X_all,
        y_all,
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
    model = result.model
    return Subject(
        model,
        train=(data.X_train[fit_rows], data.y_train[fit_rows]),
        test=(data.X_test, data.y_test),
        modality="image",
        class_names=data.class_names,
        history=result.history,
        dataset=data.source,
        explain=ExplainHints(
            input_shape=data.input_shape,
            channel_names=list(data.channel_names),
            gradcam_layer=model.last_block,
        ),
        training=TrainingRecord(validation_rows=len(val_rows)),
    )
