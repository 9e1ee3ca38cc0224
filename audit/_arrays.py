"""Conversion and validation of user arrays (tensor, ndarray, DataFrame, Series)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import torch

from audit._frames import unique_columns
from audit.errors import bad_input, clip, describe

__all__ = ["as_features", "as_labels", "as_sensitive"]

#: What labels must be, for messages: string labels are refused, not encoded, because
#: only the user knows which output of the model each label is.
_LABELS_EXPECTED = (
    "integer class labels 0..C-1 (map string labels to the model's output order "
    "yourself and pass class_names=)"
)


def as_features(
    value: Any, argument: str, *, integer: bool = False
) -> tuple[torch.Tensor, list[str] | None]:
    """Return ``value`` as a float32 tensor (and DataFrame column names, if any).

    With ``integer`` (token ids of text models), an int64 tensor of non-negative
    integers instead. Raises a named error for an unsupported type, non-numeric
    columns, no rows, or NaN / infinite values.
    """
    names: list[str] | None = None
    if isinstance(value, pd.DataFrame):
        unique_columns(value, argument)
        bad = [str(c) for c in value.columns if not _is_numeric_dtype(value[c].dtype)]
        if bad:
            raise bad_input(
                argument,
                "numeric columns only (encode categorical columns first, e.g. with "
                "audit.datasets.TabularEncoder)",
                f"non-numeric column(s) {bad[:5]}",
            )
        names = [str(c) for c in value.columns]
        array = value.to_numpy(dtype=np.float32)
    elif isinstance(value, torch.Tensor):
        array = value.detach().cpu()
    elif isinstance(value, np.ndarray):
        if not (
            np.issubdtype(value.dtype, np.number) or value.dtype == np.bool_
        ) or np.iscomplexobj(value):
            raise bad_input(argument, "a real numeric array", value)
        array = value
    else:
        raise bad_input(argument, "a torch.Tensor, numpy.ndarray or pandas.DataFrame", value)
    if isinstance(array, np.ndarray) and not array.flags.writeable:
        array = array.copy()  # torch cannot share read-only memory (pandas copy-on-write)
    tensor = torch.as_tensor(array)
    if tensor.is_complex():
        raise bad_input(argument, "real numbers", tensor)
    if integer:
        return _as_token_ids(tensor, argument), names
    tensor = tensor.to(torch.float32)
    if tensor.ndim < 2 or tensor.shape[0] == 0:
        raise bad_input(
            argument, "an array of shape (rows, features...) with at least one row", tensor
        )
    finite = torch.isfinite(tensor)
    if not bool(finite.all()):
        bad_rows = (~finite).reshape(tensor.shape[0], -1).any(dim=1).nonzero().flatten()
        raise bad_input(
            argument,
            "finite values (no NaN or infinity)",
            f"{int((~finite).sum())} non-finite value(s), first in row {int(bad_rows[0])}",
        )
    return tensor.contiguous(), names


def _as_token_ids(tensor: torch.Tensor, argument: str) -> torch.Tensor:
    if tensor.is_floating_point() or tensor.dtype == torch.bool:
        raise bad_input(argument, "integer token ids (an integer array) for text", tensor)
    if tensor.ndim < 2 or tensor.shape[0] == 0:
        raise bad_input(argument, "token ids of shape (rows, sequence length)", tensor)
    if int(tensor.min()) < 0:
        raise bad_input(argument, "non-negative token ids", f"a minimum of {int(tensor.min())}")
    return tensor.to(torch.int64).contiguous()


def as_labels(value: Any, argument: str, *, n_rows: int) -> torch.Tensor:
    """Return ``value`` as a 1-D int64 tensor of ``n_rows`` integer class labels.

    String (or other non-numeric) labels are refused with one line: which output of
    the model each label is depends on how the model was trained, so the caller maps
    them (and names the classes with ``class_names``).
    """
    if isinstance(value, (pd.Series, pd.DataFrame)):
        if isinstance(value, pd.DataFrame):
            if value.shape[1] != 1:
                raise bad_input(argument, "a 1-D array of labels", value)
            value = value.iloc[:, 0]
        if _is_numeric_dtype(value.dtype):  # nullable ints: pd.NA becomes NaN, refused below
            value = value.to_numpy(dtype=np.float64 if value.hasnans else None, na_value=np.nan)
        else:
            value = value.to_numpy()
    if isinstance(value, (list, tuple)):
        value = np.asarray(value)
    if not isinstance(value, (np.ndarray, torch.Tensor)):
        raise bad_input(argument, "a tensor, ndarray or Series of labels", value)
    if isinstance(value, np.ndarray) and not (
        np.issubdtype(value.dtype, np.number) or value.dtype == np.bool_
    ):
        raise bad_input(argument, _LABELS_EXPECTED, _non_numeric(value))
    if isinstance(value, np.ndarray) and not value.flags.writeable:
        value = value.copy()
    tensor = torch.as_tensor(value)
    if tensor.ndim == 2 and tensor.shape[1] == 1:
        tensor = tensor[:, 0]
    if tensor.ndim != 1:
        raise bad_input(argument, "a 1-D array of labels", tensor)
    if tensor.shape[0] != n_rows:
        raise bad_input(argument, f"{n_rows} labels, one per row of X", f"{tensor.shape[0]} labels")
    if tensor.is_complex():
        raise bad_input(argument, "integer class labels 0..C-1", tensor)
    if tensor.is_floating_point():
        if not bool(torch.isfinite(tensor).all()):
            raise bad_input(
                argument,
                "finite labels (no NaN)",
                f"{int((~torch.isfinite(tensor)).sum())} NaN or infinite label(s)",
            )
        if not bool((tensor == tensor.round()).all()):
            raise bad_input(argument, "integer class labels 0..C-1", "non-integer values")
    return tensor.to(torch.int64)


def _non_numeric(values: np.ndarray) -> str:
    """``string labels such as 'good'`` (or the dtype) for a non-numeric label array."""
    first = values.flat[0] if values.size else None
    if values.dtype.kind in "US" or isinstance(first, str):
        return f"string labels such as {clip(repr(str(first)), 40)}"
    return f"labels of dtype {values.dtype}"


def as_sensitive(value: Any, argument: str, *, n_rows: int, index: pd.Index | None) -> pd.DataFrame:
    """Return sensitive features as a DataFrame of ``n_rows`` rows, without missing values.

    When the features came as a DataFrame (``index`` given) and ``value`` carries a
    non-default index, the two indexes must be equal: rows are aligned, not guessed.
    """
    if isinstance(value, pd.Series):
        value = value.to_frame(name=value.name if value.name is not None else "sensitive")
    if isinstance(value, (str, list, tuple)):  # column names instead of the columns
        raise bad_input(
            argument,
            "a pandas DataFrame or Series aligned with the rows (the columns themselves, "
            "e.g. frame[['sex']], not their names)",
            describe(value),
        )
    if not isinstance(value, pd.DataFrame):
        raise bad_input(argument, "a pandas DataFrame or Series aligned with the rows", value)
    if value.shape[1] == 0:
        raise bad_input(argument, "at least one sensitive column", "a DataFrame with no columns")
    unique_columns(value, argument)
    if len(value) != n_rows:
        raise bad_input(argument, f"{n_rows} rows, one per row of X", f"{len(value)} rows")
    if index is not None and not value.index.equals(index):
        raise bad_input(
            argument,
            "the same row index as X (rows aligned)",
            "a DataFrame whose index differs from X's",
        )
    missing = value.isna().sum()
    if int(missing.sum()):
        column = str(missing[missing > 0].index[0])
        raise bad_input(
            argument, "no missing values", f"{int(missing[column])} missing in column {column!r}"
        )
    frame = value.reset_index(drop=True).copy()
    frame.columns = [str(c) for c in frame.columns]
    return frame


def _is_numeric_dtype(dtype: Any) -> bool:
    return pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype)
