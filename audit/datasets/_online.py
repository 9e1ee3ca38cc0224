"""Opt-in loaders of larger public data sets. They need a network the first time.

Nothing in the package calls them by default. Offline, each raises
:class:`DatasetUnavailableError` with one sentence that says what failed and what
to do instead.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from audit.datasets._encode import encode_columns
from audit.datasets._german import TabularData
from audit.errors import AuditInputError

__all__ = ["DatasetUnavailableError", "adult", "huggingface_text"]

_NETWORK_ERRORS: tuple[type[BaseException], ...] = (OSError, ConnectionError, TimeoutError)


class DatasetUnavailableError(AuditInputError):
    """An online data set that could not be loaded (no network, or a missing package)."""


def adult(seed: int = 0, *, test_size: float = 0.3, data_home: str | None = None) -> TabularData:
    """The UCI Adult census income data through ``fairlearn.datasets.fetch_adult``.

    Downloads from OpenML on first use (then cached by scikit-learn in ``data_home``).
    Label 1 = income above 50K; sensitive features ``sex`` and ``race``. Categorical
    columns are one-hot encoded, numeric ones standardised on the training rows.

    Raises
    ------
    DatasetUnavailableError
        When the data cannot be downloaded (offline) or read from the cache.

    Examples
    --------
    >>> data = adult(seed=0)  # doctest: +SKIP
    """
    from fairlearn.datasets import fetch_adult
    from sklearn.model_selection import train_test_split

    try:
        with warnings.catch_warnings():  # scikit-learn warns before each retry
            warnings.simplefilter("ignore", UserWarning)
            bunch = fetch_adult(as_frame=True, data_home=data_home)
    except _NETWORK_ERRORS as error:
        raise DatasetUnavailableError(
            "adult: expected the UCI Adult data from OpenML (downloaded on first use), got "
            f"{type(error).__name__}: {error}. Connect to the network once, or audit an "
            "embedded domain such as 'credit'."
        ) from None
    raw = bunch.data.copy()
    y = (
        (bunch.target.astype(str).str.strip().str.startswith(">50K"))
        .astype("int64")
        .rename("income")
    )
    sensitive = raw[["sex", "race"]].astype(str).reset_index(drop=True)
    idx_train, idx_test = train_test_split(
        np.arange(len(raw)), test_size=test_size, random_state=seed, stratify=y
    )
    numeric = [c for c in raw.columns if pd.api.types.is_numeric_dtype(raw[c])]
    categorical = [c for c in raw.columns if c not in numeric]
    encoded, groups = encode_columns(raw, categorical, numeric, fit_rows=idx_train)

    def split(frame, idx):
        return frame.iloc[idx].reset_index(drop=True)

    return TabularData(
        X_train=split(encoded, idx_train),
        X_test=split(encoded, idx_test),
        y_train=split(y.reset_index(drop=True), idx_train),
        y_test=split(y.reset_index(drop=True), idx_test),
        sensitive_train=split(sensitive, idx_train),
        sensitive_test=split(sensitive, idx_test),
        raw_train=split(raw.reset_index(drop=True), idx_train),
        raw_test=split(raw.reset_index(drop=True), idx_test),
        class_names=["<=50K", ">50K"],
        feature_groups=groups,
    )


def huggingface_text(
    name: str, *, split: str = "train", text_column: str = "text", label_column: str = "label"
) -> tuple[list[str], np.ndarray]:
    """Sentences and integer labels of a Hugging Face ``datasets`` text data set.

    Needs the ``datasets`` package (``pip install 'rai-audit[online]'``) and, on first
    use, the network.

    Raises
    ------
    DatasetUnavailableError
        When ``datasets`` is not installed, or the data cannot be downloaded.

    Examples
    --------
    >>> texts, labels = huggingface_text("imdb", split="test")  # doctest: +SKIP
    """
    try:
        import datasets
    except ImportError:
        raise DatasetUnavailableError(
            f"{name}: expected the 'datasets' package for Hugging Face data, got none installed. "
            "Install it with: pip install 'rai-audit[online]'."
        ) from None
    try:
        table = datasets.load_dataset(name, split=split)
    except (*_NETWORK_ERRORS, ValueError, FileNotFoundError) as error:
        raise DatasetUnavailableError(
            f"{name}: expected to download the Hugging Face data set {name!r}, got "
            f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}. "
            "Connect to the network once, or audit the embedded 'text' domain."
        ) from None
    for column in (text_column, label_column):
        if column not in table.column_names:
            raise AuditInputError(
                f"{name}: expected a column {column!r}, got columns {table.column_names}."
            )
    return list(table[text_column]), np.asarray(table[label_column], dtype=np.int64)
