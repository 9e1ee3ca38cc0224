"""The German credit data (UCI Statlog), embedded in the package."""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources

import numpy as np
import pandas as pd

from audit.datasets._encode import encode_columns
from audit.errors import bad_input

__all__ = ["GERMAN_CREDIT_SHA256", "TabularData", "german_credit"]

GERMAN_CREDIT_SHA256 = "321ff0594e1f887ad6bf05dc51d34c616f1c32dca8c7cdb141434df295f67997"
_FILE = "german_credit.csv"

_CATEGORICAL = ["sex", "housing", "saving_accounts", "checking_account", "purpose"]
_NUMERIC = ["job", "credit_amount", "duration", "age"]
AGE_CUTOFF = 25


@dataclass
class TabularData:
    """A tabular data set, encoded for a model and split into train and test.

    ``X_*`` are the encoded model inputs (readable column names; one-hot columns
    are named ``feature=value``), ``raw_*`` the original columns, ``y_*`` the labels
    and ``sensitive_*`` the sensitive features, all aligned by row.
    ``feature_groups`` maps each original feature to its encoded columns.
    """

    X_train: pd.DataFrame
    X_test: pd.DataFrame
    y_train: pd.Series
    y_test: pd.Series
    sensitive_train: pd.DataFrame
    sensitive_test: pd.DataFrame
    raw_train: pd.DataFrame
    raw_test: pd.DataFrame
    class_names: list[str]
    feature_groups: dict[str, list[str]] = field(default_factory=dict)

    @property
    def feature_names(self) -> list[str]:
        return list(self.X_train.columns)


def load_german_raw() -> pd.DataFrame:
    """Return the 1,000 raw rows: ``risk`` (1 = good), ``sex``, ``age`` and 7 more columns."""
    with resources.files("audit.datasets").joinpath("data", _FILE).open("rb") as handle:
        return pd.read_csv(handle)


def german_credit(
    seed: int = 0, *, test_size: float = 0.3, include_sensitive: bool = True
) -> TabularData:
    """Load the German credit data, encoded and split with a seeded stratified split.

    Categorical columns are one-hot encoded (``checking_account=little``); numeric
    columns are standardised with the mean and standard deviation of the training
    rows only. Labels: 1 = good risk, 0 = bad risk. Sensitive features: ``sex``
    and ``age_group`` (``<=25`` / ``>25``).

    Parameters
    ----------
    seed : int
        Seed of the stratified train/test split.
    test_size : float
        Share of rows in the test split, in (0, 1).
    include_sensitive : bool
        Whether ``sex`` and ``age`` are model inputs too (they are always returned
        as sensitive features).

    Returns
    -------
    TabularData

    Examples
    --------
    >>> data = german_credit(seed=0)
    >>> data.X_train.shape, data.X_test.shape
    ((700, 26), (300, 26))
    """
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise bad_input("seed", "a non-negative int", seed)
    if not 0.0 < float(test_size) < 1.0:
        raise bad_input("test_size", "a float in (0, 1)", test_size)
    from sklearn.model_selection import train_test_split

    raw = load_german_raw()
    y = raw.pop("risk").astype("int64").rename("risk")
    sensitive = pd.DataFrame(
        {
            "sex": raw["sex"].astype(str),
            "age_group": np.where(raw["age"] <= AGE_CUTOFF, f"<={AGE_CUTOFF}", f">{AGE_CUTOFF}"),
        }
    )
    categorical = [c for c in _CATEGORICAL if include_sensitive or c != "sex"]
    numeric = [c for c in _NUMERIC if include_sensitive or c != "age"]
    raw = raw[categorical + numeric]

    train_idx, test_idx = train_test_split(
        np.arange(len(raw)), test_size=test_size, random_state=int(seed), stratify=y
    )
    encoded, groups = encode_columns(raw, categorical, numeric, fit_rows=train_idx)

    def split(frame: pd.DataFrame | pd.Series, idx: np.ndarray):
        return frame.iloc[idx].reset_index(drop=True)

    return TabularData(
        X_train=split(encoded, train_idx),
        X_test=split(encoded, test_idx),
        y_train=split(y, train_idx),
        y_test=split(y, test_idx),
        sensitive_train=split(sensitive, train_idx),
        sensitive_test=split(sensitive, test_idx),
        raw_train=split(raw, train_idx),
        raw_test=split(raw, test_idx),
        class_names=["bad risk", "good risk"],
        feature_groups=groups,
    )
