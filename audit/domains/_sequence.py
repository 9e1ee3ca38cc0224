"""Sequence domain: an LSTM finding the class-defining event in generated multichannel signals.

Variants: ``default``; ``overfit`` (a wider LSTM on a stratified 6% of the fitting rows,
no dropout, weight decay or early stopping).
"""

from __future__ import annotations

from audit.domains._spec import DomainSpec, Plan, Variant
from audit.recipe import Recipe

__all__ = [
    "DEFAULT_RECIPE",
    "OVERFIT_RECIPE",
    "OVERFIT_TRAIN_SHARE",
    "PRIVATE_RECIPE",
    "SIGNALS",
    "SPEC",
]

#: Arguments of :func:`~audit.datasets._signals.event_signals` (with the seed).
SIGNALS = {"n": 2000, "length": 40, "channels": 3, "n_classes": 3, "event_length": 5}
AMPLITUDE, NOISE = 3.0, 1.0
#: Adam with weight decay, dropout 0.1 before the head, early stopping on validation loss.
DEFAULT_RECIPE = Recipe(epochs=80, batch_size=128, lr=5e-3, weight_decay=1e-4, patience=8)
#: DP-SGD (and the DP model's non-private twin): larger batches, a higher learning rate,
#: fewer epochs, all of them spent (the noise is calibrated to them; no early stopping on
#: the noisy validation loss); tuned at ε = 3 on a held-out split of the fitting rows.
PRIVATE_RECIPE = Recipe(epochs=40, batch_size=128, lr=2e-2, weight_decay=0.0, patience=None)
#: The overfitting control: no weight decay, no early stopping, many epochs.
OVERFIT_RECIPE = Recipe(epochs=200, batch_size=32, lr=5e-3, weight_decay=0.0, patience=None)
#: Share of the fitting rows the overfit variant trains on (stratified).
OVERFIT_TRAIN_SHARE = 0.06
#: LSTM settings of each variant.
MODEL = {"hidden": 32, "pooling": "mean", "dropout": 0.1}
OVERFIT_MODEL = {"hidden": 64, "pooling": "last", "dropout": 0.0}
TEST_SHARE, VALIDATION_SHARE = 0.3, 0.2


def prepare(*, seed: int, variant: str) -> Plan:
    """Generate the event signals for ``seed``, split them, and the LSTM.

    2,000 rows of 40 steps × 3 channels of Gaussian noise; each row's class
    (``pulse``, ``ramp``, ``oscillation``) is set by a 5-step event on channel 0, 1
    or 2 at a random step. The rows are split 70/30 into train and test
    (stratified); 20% of the train split is held out for validation. The default
    model (hidden size 32, mean over time, dropout 0.1) stops early; the
    ``"overfit"`` variant fits a wider LSTM (hidden size 64, no dropout, no weight
    decay, no early stopping) on a stratified :data:`OVERFIT_TRAIN_SHARE` of the
    fitting rows. The Subject's train split is the rows the model was fitted on;
    it has ``modality="sequence"``, inputs ``(rows, 40, 3)`` and hints
    ``explain.input_shape``, ``channel_names`` and ``ground_truth_test`` (0/1 event
    masks shaped like ``X_test``).

    Examples
    --------
    >>> from audit.settings import TrainingConfig
    >>> subject = SPEC.build(seed=0, training=TrainingConfig(epochs=2))
    >>> subject.explain.ground_truth_test.shape == tuple(subject.X_test.shape)
    True
    """
    import numpy as np
    import torch
    from sklearn.model_selection import train_test_split

    from audit.datasets._signals import event_signals
    from audit.domains._common import stratified_subset, validation_split
    from audit.hints import ExplainHints
    from audit.models._lstm import LSTMClassifier

    overfit = variant == "overfit"
    data = event_signals(seed, amplitude=AMPLITUDE, noise=NOISE, **SIGNALS)
    train_rows, test_rows = train_test_split(
        np.arange(len(data.y)), test_size=TEST_SHARE, random_state=seed, stratify=data.y
    )
    train_rows, test_rows = np.sort(train_rows), np.sort(test_rows)
    fit_rows, val_rows = validation_split(data.y[train_rows], share=VALIDATION_SHARE, seed=seed)
    if overfit:
        labels = data.y[train_rows][fit_rows]
        fit_rows = stratified_subset(fit_rows, labels, share=OVERFIT_TRAIN_SHARE, seed=seed)
    X_train, y_train = data.X[train_rows], data.y[train_rows]
    n_channels, n_classes = data.X.shape[2], len(data.class_names)
    settings = OVERFIT_MODEL if overfit else MODEL
    fitted = train_rows[fit_rows]  # positions in the generated data
    return Plan(
        X=torch.from_numpy(X_train),
        y=torch.from_numpy(y_train),
        fit_rows=fit_rows,
        val_rows=val_rows,
        model_factory=lambda: LSTMClassifier(n_channels, n_classes, **settings),
        subject={
            "train": (data.X[fitted], data.y[fitted]),
            "test": (data.X[test_rows], data.y[test_rows]),
            "modality": "sequence",
            "class_names": data.class_names,
            "dataset": (
                f"Generated event signals ({len(data.y)} rows of {data.X.shape[1]} steps x "
                f"{n_channels} channels, Gaussian noise sd {data.noise:g}; class set by a "
                f"{data.event_length}-step event of amplitude {data.amplitude:g}), seed {seed}"
            ),
        },
        explain=lambda model: ExplainHints(
            input_shape=tuple(data.X.shape[1:]),
            channel_names=list(data.channel_names),
            ground_truth_test=data.mask[test_rows],
        ),
        single_thread=True,
    )


SPEC = DomainSpec(
    name="sequence",
    summary="Generated multichannel signals, class set by a short event at a known place; LSTM",
    modality="sequence",
    model_family="LSTM",
    prepare=prepare,
    variants=(
        Variant("default", DEFAULT_RECIPE, PRIVATE_RECIPE),
        Variant("overfit", OVERFIT_RECIPE, summary="6% of the rows, a wider LSTM"),
    ),
)
