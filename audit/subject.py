"""The Subject: the model under audit, its data and its metadata, validated once."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd
import torch
from torch import nn

from audit._arrays import as_features, as_labels, as_sensitive
from audit.errors import bad_input, describe
from audit.history import TrainingHistory

__all__ = ["MODALITIES", "Subject"]

Modality = Literal["tabular", "image", "sequence", "text"]
MODALITIES: tuple[str, ...] = ("tabular", "image", "sequence", "text")


class Subject:
    """A model and the data it is audited on.

    Parameters
    ----------
    model : torch.nn.Module
        A classifier returning logits of shape ``(rows, classes)`` with at least
        two classes, or a single binary logit of shape ``(rows,)`` / ``(rows, 1)``.
    train, test : tuple of (X, y)
        Features (tensor, ndarray or numeric DataFrame, rows first) and integer
        class labels ``0..C-1``.
    modality : {"tabular", "image", "sequence", "text"}
        For ``"text"``, X holds integer token ids ``(rows, sequence length)`` and
        stays int64; other modalities are converted to float32.
    feature_names, class_names : list of str, optional
        Default: the DataFrame's columns / ``"class 0"``, ``"class 1"``, ...
    sensitive_train, sensitive_test : DataFrame or Series, optional
        Sensitive features aligned with the rows of each split.
    history : TrainingHistory, optional
        Per-epoch training history, when known.
    name : str, optional
        A name for the report; default: the model's class name.
    metadata : dict, optional
        Anything more an audit may use. Keys the audits read, when present:
        ``raw_train`` / ``raw_test`` (original columns, DataFrames), ``feature_groups``,
        ``input_shape``, ``channel_names``, ``vocabulary`` (token strings by id),
        ``pad_id``, ``gradcam_layer`` (the last convolutional block, a module),
        ``embedding_layer`` (a module), ``attention`` (a callable ``X -> tensor`` of
        shape ``(rows, layers, heads, L, L)``), ``ground_truth_test`` (per-row 0/1
        masks of the inputs that carry the signal, shaped like X), ``dataset``.

    Raises
    ------
    AuditInputError
        When any argument is malformed; the message names the argument.

    Examples
    --------
    >>> import torch
    >>> model = torch.nn.Linear(3, 2)
    >>> X, y = torch.randn(8, 3), torch.tensor([0, 1] * 4)
    >>> Subject(model, (X, y), (X, y)).n_classes
    2
    """

    def __init__(
        self,
        model: nn.Module,
        train: tuple[Any, Any],
        test: tuple[Any, Any],
        *,
        modality: Modality = "tabular",
        feature_names: list[str] | None = None,
        class_names: list[str] | None = None,
        sensitive_train: pd.DataFrame | pd.Series | None = None,
        sensitive_test: pd.DataFrame | pd.Series | None = None,
        history: TrainingHistory | None = None,
        name: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        if not isinstance(model, nn.Module):
            raise bad_input("model", "a torch.nn.Module", model)
        if modality not in MODALITIES:
            raise bad_input("modality", f"one of {list(MODALITIES)}", repr(modality))
        self.model = model
        self.modality: str = modality
        integer = modality == "text"  # token ids stay integers
        self.X_train, self.y_train, train_names, train_index = _split("train", train, integer)
        self.X_test, self.y_test, test_names, test_index = _split("test", test, integer)
        if self.X_train.shape[1:] != self.X_test.shape[1:]:
            raise bad_input(
                "test[0] (X)",
                f"the same shape per row as train, {tuple(self.X_train.shape[1:])}",
                f"{tuple(self.X_test.shape[1:])}",
            )
        if train_names is not None and test_names is not None and train_names != test_names:
            raise bad_input(
                "test[0] (X)",
                "the same columns as train, in the same order",
                f"columns {test_names[:5]}{'...' if len(test_names) > 5 else ''}",
            )
        if modality == "tabular" and self.X_train.ndim != 2:
            raise bad_input(
                "train[0] (X)", "a 2-D array (rows, features) for tabular data", self.X_train
            )

        self.n_classes, self.binary_logit = _probe_model(model, self.X_test)
        self.feature_names = _feature_names(feature_names, train_names, self.X_train, modality)
        self.class_names = _class_names(class_names, self.n_classes)
        for split, labels in (("train", self.y_train), ("test", self.y_test)):
            low, high = int(labels.min()), int(labels.max())
            if low < 0 or high >= self.n_classes:
                raise bad_input(
                    f"{split}[1] (y)",
                    f"labels in 0..{self.n_classes - 1} (the model has {self.n_classes} outputs)",
                    f"labels from {low} to {high}",
                )

        self.sensitive_train = _sensitive(
            "sensitive_train", sensitive_train, self.X_train, train_index
        )
        self.sensitive_test = _sensitive("sensitive_test", sensitive_test, self.X_test, test_index)
        if (
            self.sensitive_train is not None
            and self.sensitive_test is not None
            and list(self.sensitive_train.columns) != list(self.sensitive_test.columns)
        ):
            raise bad_input(
                "sensitive_test",
                f"the same columns as sensitive_train, {list(self.sensitive_train.columns)}",
                f"{list(self.sensitive_test.columns)}",
            )
        if history is not None and not isinstance(history, TrainingHistory):
            raise bad_input("history", "an audit.TrainingHistory or None", history)
        if name is not None and not isinstance(name, str):
            raise bad_input("name", "a str or None", name)
        self.history = history
        self.name = name or type(model).__name__
        self.metadata: dict[str, Any] = dict(metadata or {})
        self._proba_cache: dict[str, np.ndarray] = {}

    @property
    def n_features(self) -> int:
        return int(np.prod(self.X_train.shape[1:]))

    def split(self, split: Literal["train", "test"]) -> tuple[torch.Tensor, torch.Tensor]:
        """Return ``(X, y)`` of ``"train"`` or ``"test"``."""
        if split == "train":
            return self.X_train, self.y_train
        if split == "test":
            return self.X_test, self.y_test
        raise bad_input("split", "'train' or 'test'", repr(split))

    def predict_proba(
        self, split: Literal["train", "test"] = "test", *, batch_size: int = 4096
    ) -> np.ndarray:
        """Class probabilities of shape ``(rows, classes)`` for a split, batched and cached."""
        if split not in self._proba_cache:
            X, _ = self.split(split)
            self._proba_cache[split] = predict_proba(
                self.model, X, batch_size=batch_size, binary_logit=self.binary_logit
            )
        return self._proba_cache[split]

    def clear_cache(self) -> None:
        """Forget cached predictions (call after changing the model's weights)."""
        self._proba_cache.clear()

    def summary(self) -> dict[str, Any]:
        """A JSON-ready description for the report."""
        n_params = sum(p.numel() for p in self.model.parameters())
        return {
            "name": self.name,
            "modality": self.modality,
            "model_class": type(self.model).__name__,
            "n_parameters": int(n_params),
            "n_train": int(self.X_train.shape[0]),
            "n_test": int(self.X_test.shape[0]),
            "input_shape": list(self.X_train.shape[1:]),
            "n_classes": self.n_classes,
            "class_names": list(self.class_names),
            "feature_names": list(self.feature_names),
            "sensitive_features": (
                [] if self.sensitive_test is None else list(self.sensitive_test.columns)
            ),
            "trained_epochs": None if self.history is None else len(self.history.records),
        }

    def __repr__(self) -> str:
        return (
            f"Subject(name={self.name!r}, modality={self.modality!r}, "
            f"train={tuple(self.X_train.shape)}, test={tuple(self.X_test.shape)}, "
            f"classes={self.n_classes})"
        )


def predict_proba(
    model: nn.Module, X: torch.Tensor, *, batch_size: int = 4096, binary_logit: bool = False
) -> np.ndarray:
    """Return softmax (or sigmoid, for one binary logit) probabilities, in batches."""
    was_training = model.training
    model.eval()
    outputs = []
    try:
        with torch.inference_mode():
            for start in range(0, X.shape[0], batch_size):
                logits = model(X[start : start + batch_size])
                if binary_logit:
                    p = torch.sigmoid(logits.reshape(-1))
                    outputs.append(torch.stack([1 - p, p], dim=1))
                else:
                    outputs.append(torch.softmax(logits, dim=1))
    finally:
        model.train(was_training)
    return torch.cat(outputs).to(torch.float64).numpy()


def _split(
    argument: str, value: Any, integer: bool = False
) -> tuple[torch.Tensor, torch.Tensor, list[str] | None, pd.Index | None]:
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise bad_input(argument, "a tuple (X, y)", value)
    X_value, y_value = value
    X, names = as_features(X_value, f"{argument}[0] (X)", integer=integer)
    y = as_labels(y_value, f"{argument}[1] (y)", n_rows=X.shape[0])
    index = X_value.index if isinstance(X_value, pd.DataFrame) else None
    return X, y, names, index


def _probe_model(model: nn.Module, X: torch.Tensor) -> tuple[int, bool]:
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


def _feature_names(
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


def _class_names(given: list[str] | None, n_classes: int) -> list[str]:
    if given is None:
        return [f"class {i}" for i in range(n_classes)]
    if not isinstance(given, (list, tuple)) or not all(isinstance(n, str) for n in given):
        raise bad_input("class_names", "a list of str", given)
    if len(given) != n_classes:
        raise bad_input(
            "class_names", f"{n_classes} names, one per model output", f"{len(given)} names"
        )
    return list(given)


def _sensitive(
    argument: str, value: Any, X: torch.Tensor, index: pd.Index | None
) -> pd.DataFrame | None:
    if value is None:
        return None
    return as_sensitive(value, argument, n_rows=X.shape[0], index=index)
