"""The breast cancer diagnostic data (Wisconsin), as scikit-learn ships it."""

from __future__ import annotations

import numpy as np
import pandas as pd

from audit.datasets._german import TabularData
from audit.errors import bad_input

__all__ = ["breast_cancer"]


def breast_cancer(seed: int = 0, *, test_size: float = 0.3) -> TabularData:
    """Load the 569 diagnoses (30 numeric features), standardised on the training rows.

    Labels follow scikit-learn: 0 = malignant, 1 = benign. There is no sensitive
    attribute in this data set (``sensitive_*`` are empty frames).

    Examples
    --------
    >>> data = breast_cancer(seed=0)
    >>> data.X_train.shape, data.class_names
    ((398, 30), ['malignant', 'benign'])
    """
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise bad_input("seed", "a non-negative int", seed)
    from sklearn.datasets import load_breast_cancer
    from sklearn.model_selection import train_test_split

    bunch = load_breast_cancer(as_frame=True)
    raw = bunch.data.rename(columns=lambda c: c.replace(" ", "_"))
    y = bunch.target.astype("int64").rename("diagnosis")
    train_idx, test_idx = train_test_split(
        np.arange(len(raw)), test_size=test_size, random_state=int(seed), stratify=y
    )
    mean, std = raw.iloc[train_idx].mean(), raw.iloc[train_idx].std(ddof=0).replace(0, 1.0)
    encoded = ((raw - mean) / std).astype(np.float32)

    def split(frame, idx):
        return frame.iloc[idx].reset_index(drop=True)

    empty = pd.DataFrame(index=range(0))
    return TabularData(
        X_train=split(encoded, train_idx),
        X_test=split(encoded, test_idx),
        y_train=split(y, train_idx),
        y_test=split(y, test_idx),
        sensitive_train=empty,
        sensitive_test=empty,
        raw_train=split(raw, train_idx),
        raw_test=split(raw, test_idx),
        class_names=["malignant", "benign"],
        feature_groups={c: [c] for c in raw.columns},
    )
