"""Vision domain: a residual CNN classifying scikit-learn's 8×8 handwritten digits.

Variants: ``default``; ``overfit`` (a stratified 5% of the fitting rows, no dropout,
weight decay or early stopping).
"""

from __future__ import annotations

from audit.domains._spec import DomainSpec, Plan, Variant
from audit.recipe import Recipe

__all__ = ["DEFAULT_RECIPE", "OVERFIT_RECIPE", "OVERFIT_TRAIN_SHARE", "PRIVATE_RECIPE", "SPEC"]

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


def augment_digits(X, generator):
    """Light augmentation of a batch of digits in [0, 1]: a shift of up to one pixel,
    contrast 0.7–1, brightness +0–0.2 and Gaussian noise of σ 0–0.05 per image.

    Examples
    --------
    >>> import torch
    >>> X = torch.rand(4, 1, 8, 8)
    >>> out = augment_digits(X, torch.Generator().manual_seed(0))
    >>> out.shape, bool(out.min() >= 0), bool(out.max() <= 1)
    (torch.Size([4, 1, 8, 8]), True, True)
    """
    import torch
    import torch.nn.functional as F

    n = X.shape[0]

    def draw(*shape):
        return torch.rand(*shape, generator=generator)

    padded = F.pad(X, (1, 1, 1, 1))
    dy = torch.randint(0, 3, (n,), generator=generator)
    dx = torch.randint(0, 3, (n,), generator=generator)
    still = draw(n) < 0.5  # half the images keep their place
    dy, dx = torch.where(still, 1, dy), torch.where(still, 1, dx)
    rows = (torch.arange(8)[None, :] + dy[:, None])[:, None, :, None].expand(n, 1, 8, 10)
    shifted = padded.gather(2, rows)
    cols = (torch.arange(8)[None, :] + dx[:, None])[:, None, None, :].expand(n, 1, 8, 8)
    shifted = shifted.gather(3, cols)
    mean = shifted.mean(dim=(1, 2, 3), keepdim=True)
    contrast = 0.7 + 0.3 * draw(n, 1, 1, 1)
    out = mean + (shifted - mean) * contrast + 0.2 * draw(n, 1, 1, 1)
    out = out + 0.05 * draw(n, 1, 1, 1) * torch.randn(out.shape, generator=generator)
    return out.clamp(0.0, 1.0)


def prepare(*, seed: int, variant: str) -> Plan:
    """The digits split for ``seed`` and the residual CNN.

    The digits are split 70/30 into train and test (stratified, seeded); a
    stratified 20% of the train split is held out for validation (the learning
    curve and, in the default variant, early stopping). The Subject's train split
    is the rows the model was fitted on: the other 80% in the default variant, a
    stratified :data:`OVERFIT_TRAIN_SHARE` of them in ``"overfit"``, which also
    drops dropout, weight decay and early stopping. The Subject has
    ``modality="image"``, inputs ``(rows, 1, 8, 8)`` in [0, 1], classes
    ``"0"``..``"9"``, and hints ``explain.input_shape``, ``channel_names`` and
    ``gradcam_layer`` (the model's last residual block).

    Examples
    --------
    >>> from audit.settings import TrainingConfig
    >>> subject = SPEC.build(seed=0, training=TrainingConfig(epochs=2))
    >>> subject.explain.input_shape, subject.n_classes
    ((1, 8, 8), 10)
    """
    import torch

    from audit.datasets._digits import digits_images
    from audit.domains._common import stratified_subset, validation_split
    from audit.hints import ExplainHints
    from audit.models._cnn import ResNetSmall

    overfit = variant == "overfit"
    data = digits_images(seed)
    fit_rows, val_rows = validation_split(data.y_train, share=VALIDATION_SHARE, seed=seed)
    if overfit:
        fit_rows = stratified_subset(
            fit_rows, data.y_train[fit_rows], share=OVERFIT_TRAIN_SHARE, seed=seed
        )
    dropout = 0.0 if overfit else 0.1
    return Plan(
        X=torch.from_numpy(data.X_train),
        y=torch.from_numpy(data.y_train),
        fit_rows=fit_rows,
        val_rows=val_rows,
        model_factory=lambda: ResNetSmall(
            1, len(data.class_names), widths=WIDTHS, dropout=dropout
        ),
        subject={
            "train": (data.X_train[fit_rows], data.y_train[fit_rows]),
            "test": (data.X_test, data.y_test),
            "modality": "image",
            "class_names": data.class_names,
            "dataset": data.source,
        },
        explain=lambda model: ExplainHints(
            input_shape=data.input_shape,
            channel_names=list(data.channel_names),
            gradcam_layer=model.last_block,
        ),
        single_thread=True,
        augment=None if overfit else augment_digits,
    )


SPEC = DomainSpec(
    name="vision",
    summary="Handwritten digits 8x8 (1,797 images, scikit-learn), CNN with residual blocks",
    modality="image",
    model_family="residual CNN",
    prepare=prepare,
    variants=(
        Variant("default", DEFAULT_RECIPE, PRIVATE_RECIPE),
        Variant("overfit", OVERFIT_RECIPE, summary="5% of the rows, no regularisation"),
    ),
)
