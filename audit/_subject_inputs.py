"""Validation of a Subject's arguments, and of the model's outputs on every batch.

Each error is one line that names the argument (``model`` for what the model does)
and what came.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import torch
from torch import nn

from audit._arrays import as_features, as_labels, as_sensitive
from audit._frames import duplicated_columns, unique_columns
from audit._outputs import OutputSpec, adapted
from audit.errors import AuditInputError, bad_input, clip, describe

__all__ = [
    "batch_error",
    "check_batch_output",
    "check_finite_outputs",
    "class_names_of",
    "feature_groups_of",
    "feature_names_of",
    "probe_model",
    "raw_frame",
    "sensitive_of",
    "split_of",
]


def split_of(
    argument: str, value: Any, integer: bool = False
) -> tuple[torch.Tensor, torch.Tensor, list[str] | None, pd.Index | None]:
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise bad_input(argument, "a tuple (X, y)", value)
    X_value, y_value = value
    X, names = as_features(X_value, f"{argument}[0] (X)", integer=integer)
    y = as_labels(y_value, f"{argument}[1] (y)", n_rows=X.shape[0])
    index = X_value.index if isinstance(X_value, pd.DataFrame) else None
    return X, y, names, index


def probe_model(model: nn.Module, X: torch.Tensor) -> tuple[nn.Module, OutputSpec]:
    """Call the model on two rows; return it as a classifier of ``(rows, C >= 2)`` logits
    (:func:`audit._outputs.adapted`) and what it returns.

    Examples
    --------
    >>> model, spec = probe_model(nn.Linear(3, 1), torch.zeros(4, 3))
    >>> spec.describe(), model(torch.zeros(4, 3)).shape
    ('one logit (rows, 1)', torch.Size([4, 2]))
    """
    try:
        return adapted(model, X)
    except AuditInputError:
        raise
    except Exception as error:  # the user's model may raise anything
        raise bad_input(
            "model",
            f"a module that accepts a batch shaped like the data, {tuple(X[:2].shape)}",
            _error_text(error),
        ) from error


def feature_names_of(
    given: list[str] | None, from_frame: list[str] | None, X: torch.Tensor, modality: str
) -> list[str]:
    if given is None:
        if from_frame is not None:
            return from_frame
        if modality == "tabular":
            return [f"x{i}" for i in range(X.shape[1])]
        return []
    if not isinstance(given, (list, tuple)) or not all(isinstance(n, str) for n in given):
        raise bad_input("feature_names", "a list of str", given)
    if modality == "tabular" and len(given) != X.shape[1]:
        raise bad_input(
            "feature_names", f"{X.shape[1]} names, one per column of X", f"{len(given)} names"
        )
    duplicated = duplicated_columns(given)
    if duplicated:
        raise bad_input("feature_names", "unique names", f"duplicated {clip(str(duplicated))}")
    return list(given)


def class_names_of(given: list[str] | None, n_classes: int) -> list[str]:
    if given is None:
        return [f"class {i}" for i in range(n_classes)]
    if not isinstance(given, (list, tuple)) or not all(isinstance(n, str) for n in given):
        raise bad_input("class_names", "a list of str", given)
    if len(given) != n_classes:
        raise bad_input(
            "class_names", f"{n_classes} names, one per model output", f"{len(given)} names"
        )
    return list(given)


def feature_groups_of(
    value: Mapping[str, list[str]] | None, feature_names: list[str], modality: str
) -> dict[str, list[str]] | None:
    if value is None:
        return None
    argument = "feature_groups"
    if modality != "tabular":
        raise bad_input(argument, "None for non-tabular data", f"groups for {modality} data")
    if not isinstance(value, Mapping) or not value:
        raise bad_input(argument, "a non-empty mapping of feature → its encoded columns", value)
    known, seen = set(feature_names), {}
    groups = {}
    for feature, columns in value.items():
        where = f"{argument}[{clip(repr(str(feature)), 40)}]"
        if isinstance(columns, str) or not isinstance(columns, (list, tuple)) or not columns:
            raise bad_input(where, "a non-empty list of column names", columns)
        for column in columns:
            if column not in known:
                raise bad_input(where, "columns among feature_names", describe(column))
            if column in seen:
                raise bad_input(
                    where,
                    "each column in one group only",
                    f"{describe(column)}, already in {clip(repr(str(seen[column])), 40)}",
                )
            seen[column] = feature
        groups[str(feature)] = list(columns)
    return groups


def raw_frame(argument: str, value: Any, X: torch.Tensor) -> pd.DataFrame | None:
    if value is None:
        return None
    if not isinstance(value, pd.DataFrame):
        raise bad_input(argument, "a DataFrame of the original columns", value)
    if len(value) != X.shape[0]:
        raise bad_input(argument, f"one row per row of X ({X.shape[0]})", f"{len(value)} rows")
    unique_columns(value, argument)
    return value


def sensitive_of(
    argument: str, value: Any, X: torch.Tensor, index: pd.Index | None
) -> pd.DataFrame | None:
    if value is None:
        return None
    return as_sensitive(value, argument, n_rows=X.shape[0], index=index)


def _error_text(error: BaseException) -> str:
    """``Type: first line of the message``, cut short, for an error raised by the model."""
    return clip(f"{type(error).__name__}: {error}", 160)


def batch_error(error: Exception, start: int, stop: int) -> AuditInputError:
    """The error for a model that raised on rows ``start .. stop - 1`` of a split.

    Examples
    --------
    >>> str(batch_error(RuntimeError("boom"), 64, 128)).split(", got ")[1]
    'RuntimeError: boom for a batch of 64 rows (rows 64..127).'
    """
    return bad_input(
        "model",
        "a module that accepts every batch of the data",
        f"{_error_text(error)} for a batch of {stop - start} rows (rows {start}..{stop - 1})",
    )


def check_batch_output(out: Any, *, rows: int, classes: int | None, binary_logit: bool) -> int:
    """Check the model's output for a batch of ``rows`` rows; return the number of classes.

    ``classes`` is the number the model gave so far (``None`` before the first batch).
    A one-logit model must return ``(rows,)`` or ``(rows, 1)``; any other model
    ``(rows, classes)`` for every batch.

    Examples
    --------
    >>> check_batch_output(torch.zeros(5, 3), rows=5, classes=None, binary_logit=False)
    3
    >>> out = torch.zeros(64, 3)
    >>> check_batch_output(out, rows=64, classes=2, binary_logit=False)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    audit.errors.AuditInputError: model: expected outputs of shape (batch, 2) for every batch, ...
    """
    if not isinstance(out, torch.Tensor):
        raise bad_input(
            "model",
            "a tensor of logits for every batch",
            f"a {type(out).__name__} for a batch of {rows} rows",
        )
    shape = tuple(out.shape)
    if binary_logit:
        if shape in ((rows,), (rows, 1)):
            return 2
        expected = "(batch,) or (batch, 1)"
    else:
        if (
            len(shape) == 2
            and shape[0] == rows
            and shape[1] >= 2
            and shape[1] == (classes or shape[1])
        ):
            return shape[1]
        expected = f"(batch, {classes})" if classes else "(batch, classes >= 2)"
    raise bad_input(
        "model",
        f"outputs of shape {expected} for every batch",
        f"{shape} for a batch of {rows} rows",
    )


def check_finite_outputs(proba: np.ndarray, *, split: str | None = None) -> None:
    """Refuse probabilities with NaN (from NaN or infinite logits), naming the rows.

    One vectorised pass over the ``(rows, classes)`` probabilities already computed.

    Examples
    --------
    >>> proba = np.full((200, 2), 0.5)
    >>> proba[[17, 40, 41], 0] = np.nan
    >>> check_finite_outputs(proba, split="test")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    audit.errors.AuditInputError: model: expected finite outputs, got NaN for 3 of 200 test ...
    """
    bad = ~np.isfinite(proba).all(axis=1)
    if bad.any():
        rows = f"{split} rows" if split else "rows"
        raise bad_input(
            "model",
            "finite outputs",
            f"NaN for {int(bad.sum())} of {len(proba)} {rows} (first: row {int(np.argmax(bad))})",
        )
