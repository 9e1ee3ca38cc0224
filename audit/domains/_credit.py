"""Credit domain: a feed-forward network deciding credit risk on the German credit data.

Variants: ``default``; ``overfit`` (80 training rows, a wide network without
regularisation, 200 epochs, no early stopping); ``biased`` (trained on labels where
many women's good risks were recorded as bad, so the model leans on sex; tested on
the true labels).
"""

from __future__ import annotations

from audit.domains._spec import DomainSpec, Plan, Variant
from audit.recipe import Recipe

__all__ = ["BIAS_FLIP_SHARE", "DEFAULT_RECIPE", "OVERFIT_RECIPE", "PRIVATE_RECIPE", "SPEC"]

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


def prepare(*, seed: int, variant: str) -> Plan:
    """The German credit split for ``seed``, changed as ``variant`` asks, and the MLP.

    A stratified 20% of the training split is held out for validation (the
    learning curve and early stopping); the Subject's train split is the rest.
    """
    import numpy as np
    import torch

    from audit.datasets import german_credit
    from audit.domains._common import validation_split
    from audit.models import MLP

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
    hidden, dropout = ((256, 256), 0.0) if variant == "overfit" else ((32, 16), 0.1)
    return Plan(
        X=torch.tensor(data.X_train.to_numpy()),
        y=torch.tensor(labels),
        fit_rows=fit_rows,
        val_rows=val_rows,
        model_factory=lambda: MLP(len(data.feature_names), 2, hidden=hidden, dropout=dropout),
        subject={
            "train": (data.X_train.iloc[fit_rows].reset_index(drop=True), labels[fit_rows]),
            "test": (data.X_test, data.y_test),
            "modality": "tabular",
            "class_names": data.class_names,
            "sensitive_train": data.sensitive_train.iloc[fit_rows].reset_index(drop=True),
            "sensitive_test": data.sensitive_test,
            "dataset": "German credit (UCI Statlog), embedded",
            "feature_groups": data.feature_groups,
            # original (unencoded) columns, row-aligned with the Subject's splits
            "raw_train": data.raw_train.iloc[fit_rows].reset_index(drop=True),
            "raw_test": data.raw_test,
        },
    )


SPEC = DomainSpec(
    name="credit",
    summary=(
        "German credit risk (1,000 applicants), feed-forward network; sensitive: sex, age group"
    ),
    modality="tabular",
    model_family="feed-forward network (MLP)",
    prepare=prepare,
    limitations=(
        "German credit data of 1994 (Statlog): 'sex' is derived from 'personal status', "
        "and the labels record past lending decisions, not repayment.",
    ),
    variants=(
        Variant("default", DEFAULT_RECIPE, PRIVATE_RECIPE),
        Variant("overfit", OVERFIT_RECIPE, summary="80 rows, a wide network, no regularisation"),
        Variant(
            "biased",
            DEFAULT_RECIPE,
            PRIVATE_RECIPE,
            summary="women's good risks often recorded as bad in the training labels",
        ),
    ),
)
