"""Validation of a Subject's arguments: each error names the argument and what came."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
import torch
from torch import nn

from audit._arrays import as_features, as_labels, as_sensitive
from audit.errors import bad_input, describe

__all__ = [
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


def probe_model(model: nn.Module, X: torch.Tensor) -> tuple[int, bool]:
    """Call the model on two rows; return (number of classes, single-logit binary?)."""
    was_training = model.training
    model.eval()
    try:
        with torch.inference_mode():
            out = model(X[:2])
    except Exception as error:  # the user's model may raise anything
        raise bad_input(
            "model",
            f"a module that accepts a batch shaped like the data, {tuple(X[:2].shape)}",
            f"{type(error).__name__}: {error}",
        ) from error
    finally:
        model.train(was_training)
    if not isinstance(out, torch.Tensor):
        raise bad_input(
            "model", "a module that returns a tensor of logits", f"a {type(out).__name__}"
        )
    rows = X[:2].shape[0]
    if (out.ndim == 1 and out.shape[0] == rows) or (out.ndim == 2 and out.shape == (rows, 1)):
        return 2, True
    if out.ndim == 2 and out.shape[0] == rows and out.shape[1] >= 2:
        return int(out.shape[1]), False
    raise bad_input(
        "model", "logits of shape (rows, classes>=2) or (rows,)", f"output {describe(out)}"
    )


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
    if len(set(given)) != len(given):
        raise bad_input("feature_names", "unique names", "duplicates")
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
        if isinstance(columns, str) or not isinstance(columns, (list, tuple)) or not columns:
            raise bad_input(f"{argument}[{feature!r}]", "a non-empty list of column names", columns)
        for column in columns:
            if column not in known:
                raise bad_input(
                    f"{argument}[{feature!r}]", "columns among feature_names", repr(column)
                )
            if column in seen:
                raise bad_input(
                    f"{argument}[{feature!r}]",
                    "each column in one group only",
                    f"{column!r}, already in {seen[column]!r}",
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
    return value


def sensitive_of(
    argument: str, value: Any, X: torch.Tensor, index: pd.Index | None
) -> pd.DataFrame | None:
    if value is None:
        return None
    return as_sensitive(value, argument, n_rows=X.shape[0], index=index)
