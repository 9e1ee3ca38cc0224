"""Adult domain (online, opt-in): a feed-forward network on UCI Adult census income.

Needs the network on first use (``fairlearn.datasets.fetch_adult``); offline it fails
with one clear message, and the CLI exits with code 2.
"""

from __future__ import annotations

from audit.domains._spec import DomainSpec, Plan, Variant
from audit.recipe import Recipe

__all__ = ["DEFAULT_RECIPE", "PRIVATE_RECIPE", "SPEC"]

DEFAULT_RECIPE = Recipe(epochs=20, batch_size=256, lr=1e-3, weight_decay=1e-4, patience=4)
#: DP-SGD (and its twin): about 30,000 rows, so q ≈ 0.03 with batches of 1,024; every
#: epoch spent. Not tuned (the data is online only); the shape of the offline recipes.
PRIVATE_RECIPE = Recipe(epochs=10, batch_size=1024, lr=1e-2, weight_decay=0.0, patience=None)


def prepare(*, seed: int, variant: str) -> Plan:
    """Download (or read from cache) Adult, hold out 10% of train, and the MLP."""
    import torch

    from audit.datasets._online import adult
    from audit.domains._common import validation_split
    from audit.models import MLP

    data = adult(seed)
    labels = data.y_train.to_numpy()
    fit_rows, val_rows = validation_split(labels, share=0.1, seed=seed)
    X, y = torch.tensor(data.X_train.to_numpy()), torch.tensor(labels)
    return Plan(
        X=X,
        y=y,
        fit_rows=fit_rows,
        val_rows=val_rows,
        model_factory=lambda: MLP(X.shape[1], 2, hidden=(64, 32), dropout=0.1),
        subject={
            "train": (data.X_train.iloc[fit_rows].reset_index(drop=True), labels[fit_rows]),
            "test": (data.X_test, data.y_test),
            "class_names": data.class_names,
            "sensitive_train": data.sensitive_train.iloc[fit_rows].reset_index(drop=True),
            "sensitive_test": data.sensitive_test,
            "dataset": "UCI Adult census income (OpenML, via fairlearn)",
            "feature_groups": data.feature_groups,
            "raw_train": data.raw_train.iloc[fit_rows].reset_index(drop=True),
            "raw_test": data.raw_test,
        },
    )


SPEC = DomainSpec(
    name="adult",
    summary="UCI Adult census income (online: downloads on first use), feed-forward network; "
    "sensitive: sex, race",
    modality="tabular",
    model_family="feed-forward network (MLP)",
    prepare=prepare,
    variants=(Variant("default", DEFAULT_RECIPE, PRIVATE_RECIPE),),
    online=True,
)
