"""Medical domain: a feed-forward network diagnosing breast cancer (scikit-learn's data).

There is no sensitive attribute in this data set; the fairness section says so.
Variants: ``default``; ``overfit`` (24 training rows, a wide network without
regularisation).
"""

from __future__ import annotations

from audit.domains._spec import DomainSpec, Plan, Variant
from audit.recipe import Recipe

__all__ = ["DEFAULT_RECIPE", "OVERFIT_RECIPE", "PRIVATE_RECIPE", "SPEC"]

DEFAULT_RECIPE = Recipe(epochs=100, batch_size=32, lr=1e-3, weight_decay=1e-4, patience=15)
#: DP-SGD (and the DP model's non-private twin): larger batches, a higher learning rate,
#: fewer epochs, all of them spent (the noise is calibrated to them; no early stopping on
#: the noisy validation loss); tuned at ε = 3 on a held-out split of the fitting rows.
PRIVATE_RECIPE = Recipe(epochs=30, batch_size=64, lr=3e-2, weight_decay=0.0, patience=None)
OVERFIT_RECIPE = Recipe(epochs=300, batch_size=8, lr=3e-3, weight_decay=0.0, patience=None)
OVERFIT_ROWS = 24


def prepare(*, seed: int, variant: str) -> Plan:
    """The breast-cancer split for ``seed`` (20% of train held out) and the MLP."""
    import numpy as np
    import torch

    from audit.datasets._breast_cancer import breast_cancer
    from audit.domains._common import validation_split
    from audit.models import MLP

    data = breast_cancer(seed)
    labels = data.y_train.to_numpy()
    fit_rows, val_rows = validation_split(labels, share=0.2, seed=seed)
    if variant == "overfit":
        fit_rows = np.sort(np.random.default_rng(seed).permutation(fit_rows)[:OVERFIT_ROWS])
    X, y = torch.tensor(data.X_train.to_numpy()), torch.tensor(labels)
    hidden, dropout = ((256, 256), 0.0) if variant == "overfit" else ((32, 16), 0.1)
    return Plan(
        X=X,
        y=y,
        fit_rows=fit_rows,
        val_rows=val_rows,
        model_factory=lambda: MLP(X.shape[1], 2, hidden=hidden, dropout=dropout),
        subject={
            "train": (data.X_train.iloc[fit_rows].reset_index(drop=True), labels[fit_rows]),
            "test": (data.X_test, data.y_test),
            "modality": "tabular",
            "class_names": data.class_names,
            "dataset": "Breast cancer Wisconsin (diagnostic), scikit-learn",
            "feature_groups": data.feature_groups,
            "raw_train": data.raw_train.iloc[fit_rows].reset_index(drop=True),
            "raw_test": data.raw_test,
        },
    )


SPEC = DomainSpec(
    name="medical",
    summary="Breast cancer diagnosis (569 patients, scikit-learn), feed-forward network",
    modality="tabular",
    model_family="feed-forward network (MLP)",
    prepare=prepare,
    variants=(
        Variant("default", DEFAULT_RECIPE, PRIVATE_RECIPE),
        Variant("overfit", OVERFIT_RECIPE, summary="24 rows, a wide network, no regularisation"),
    ),
)
