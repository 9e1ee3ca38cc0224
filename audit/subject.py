"""The Subject: the model under audit, its data and its typed hints, validated once."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any, Literal

import numpy as np
import pandas as pd
import torch
from torch import nn

from audit._predict import predict_proba
from audit._seeds import as_seed
from audit._subject_inputs import (
    class_names_of,
    feature_groups_of,
    feature_names_of,
    probe_model,
    raw_frame,
    sensitive_of,
    split_of,
)
from audit.errors import bad_input
from audit.hints import ExplainHints, TrainingRecord, hints_from
from audit.history import TrainingHistory

__all__ = ["MODALITIES", "Subject", "predict_proba"]

Modality = Literal["tabular", "image", "sequence", "text"]
MODALITIES: tuple[str, ...] = ("tabular", "image", "sequence", "text")


class Subject:
    """A model and the data it is audited on.

    Parameters
    ----------
    model : torch.nn.Module
        Returns logits ``(rows, classes >= 2)`` or one logit ``(rows,)`` / ``(rows, 1)``:
        a tensor, ``out["logits"]``, ``out.logits`` or ``out[0]``. Read once, here:
        ``subject.model`` returns class logits ``(rows, classes >= 2)`` for every check
        (one logit ``z`` as ``(-z/2, z/2)``: ``softmax[:, 1] == sigmoid(z)``);
        ``subject.user_model`` is the model as given, ``subject.output`` what it returns
        (``docs/models.md``).
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
    feature_groups : mapping of str to list of str, optional
        Tabular data whose columns encode original features (one-hot levels, say):
        each original feature → its encoded columns, e.g.
        ``{"purpose": ["purpose=car", "purpose=education"], "age": ["age"]}``.
        Explanations are then reported per original feature (attributions summed
        over its columns; perturbation methods perturb its columns together).
    raw_train, raw_test : DataFrame, optional
        The original (unencoded) columns, one row per row of each split: the data
        check audits these, and local explanations show ``feature = raw value``.
    explain : ExplainHints or mapping, optional
        Layers, attention, vocabulary, input shape, channel names and ground truth
        for the explainers; see :class:`audit.ExplainHints`.
    training : TrainingRecord or mapping, optional
        History, recipe, a ``trainer`` for shadow models, the DP-SGD record; see
        :class:`audit.TrainingRecord`.
    history : TrainingHistory, optional
        Shorthand for ``training=TrainingRecord(history=history)``.
    name : str, optional
        A name for the report; default: the model's class name.
    dataset : str, optional
        A description of the data, for the model card.
    seed : int, optional
        The seed the model and splits were made with; an audit with no seed of its
        own runs with it. Any non-negative int; kept modulo ``2**32``
        (:func:`audit._seeds.as_seed`).

    Raises
    ------
    AuditInputError
        When any argument is malformed; the message names the argument. String
        labels are refused (map them to the model's outputs yourself), and so are
        duplicated column names.

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
        feature_groups: Mapping[str, list[str]] | None = None,
        raw_train: pd.DataFrame | None = None,
        raw_test: pd.DataFrame | None = None,
        explain: ExplainHints | Mapping[str, Any] | None = None,
        training: TrainingRecord | Mapping[str, Any] | None = None,
        history: TrainingHistory | None = None,
        name: str | None = None,
        dataset: str | None = None,
        seed: int | None = None,
        metadata: Any = None,
    ) -> None:
        if metadata is not None:
            raise bad_input(
                "metadata",
                "typed hints instead (metadata was removed): feature_groups=, raw_train=, "
                "raw_test=, explain=audit.ExplainHints(...), training=audit.TrainingRecord(...), "
                "dataset=",
                f"metadata with keys {sorted(metadata) if isinstance(metadata, Mapping) else '?'}",
            )
        if not isinstance(model, nn.Module):
            raise bad_input("model", "a torch.nn.Module", model)
        if modality not in MODALITIES:
            raise bad_input("modality", f"one of {list(MODALITIES)}", repr(modality))
        self.modality: str = modality
        integer = modality == "text"  # token ids stay integers
        self.X_train, self.y_train, train_names, train_index = split_of("train", train, integer)
        self.X_test, self.y_test, test_names, test_index = split_of("test", test, integer)
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

        self.user_model: nn.Module = model  # shadow models and twins are built like it
        self.model, self.output = probe_model(model, self.X_test)
        self.n_classes: int = self.output.n_classes
        self.feature_names = feature_names_of(feature_names, train_names, self.X_train, modality)
        self.class_names = class_names_of(class_names, self.n_classes)
        for split, labels in (("train", self.y_train), ("test", self.y_test)):
            low, high = int(labels.min()), int(labels.max())
            if low < 0 or high >= self.n_classes:
                raise bad_input(
                    f"{split}[1] (y)",
                    f"labels in 0..{self.n_classes - 1} (the model has {self.n_classes} outputs)",
                    f"labels from {low} to {high}",
                )

        self.sensitive_train = sensitive_of(
            "sensitive_train", sensitive_train, self.X_train, train_index
        )
        self.sensitive_test = sensitive_of(
            "sensitive_test", sensitive_test, self.X_test, test_index
        )
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
        if dataset is not None and not isinstance(dataset, str):
            raise bad_input("dataset", "a str or None", dataset)
        seed = None if seed is None else as_seed(seed)
        self.training: TrainingRecord | None = hints_from(TrainingRecord, training, "training")
        if history is not None:
            if self.training is not None and self.training.history is not None:
                raise bad_input("history", "None when training.history is given", history)
            if self.training is None:
                self.training = TrainingRecord()
            self.training.history = history
        self.explain: ExplainHints = hints_from(ExplainHints, explain, "explain") or ExplainHints()
        self.feature_groups = feature_groups_of(feature_groups, self.feature_names, modality)
        self.raw_train = raw_frame("raw_train", raw_train, self.X_train)
        self.raw_test = raw_frame("raw_test", raw_test, self.X_test)
        truth = self.explain.ground_truth_test
        if truth is not None and tuple(np.shape(truth)) != tuple(self.X_test.shape):
            raise bad_input(
                "explain.ground_truth_test",
                f"masks shaped like X_test, {tuple(self.X_test.shape)}",
                f"shape {tuple(np.shape(truth))}",
            )
        self.name = name or type(model).__name__
        self.dataset = dataset
        self.seed = seed
        #: set by :func:`audit.reference`: the reference domain and variant
        self.domain: str | None = None
        self.variant: str | None = None
        self._proba_cache: dict[str, np.ndarray] = {}

    @property
    def binary_logit(self) -> bool:
        """Whether ``model`` returns one logit: never (see ``output.one_logit``)."""
        return False

    @property
    def history(self) -> TrainingHistory | None:
        """The training history, when known (``training.history``)."""
        return None if self.training is None else self.training.history

    @classmethod
    def from_transformers(
        cls, model: nn.Module, tokenizer: Any, train: Any, test: Any, **options: Any
    ) -> Subject:
        """A Subject for a Hugging Face sequence classifier and its texts.

        See :func:`audit.hf.from_transformers` for the options (``max_length``, sensitive
        columns, group terms, a trainer); needs ``pip install 'rai-audit[hf]'``.

        Examples
        --------
        >>> Subject.from_transformers(model, tokenizer, (texts, labels), (texts, labels),
        ...                           max_length=32)  # doctest: +SKIP
        """
        from audit.hf import from_transformers

        return from_transformers(model, tokenizer, train, test, **options)

    def with_model(self, model: nn.Module, *, name: str | None = None) -> Subject:
        """A copy of this subject, with the same data and hints, auditing ``model``.

        The copy has no training record (``model`` was not trained by it) and no cached
        predictions. ``model`` is read as the subject's own was (any accepted output).
        """
        other = copy.copy(self)
        other.user_model = model
        other.model, other.output = probe_model(model, self.X_test)
        if other.output.n_classes != self.n_classes:
            raise bad_input(
                "model",
                f"a model with {self.n_classes} classes, as the subject's",
                f"{other.output.describe()}",
            )
        other.n_classes = other.output.n_classes
        other.training = None
        other.name = name or self.name
        other._proba_cache = {}
        return other

    def record(self) -> dict[str, Any]:
        """Where the subject comes from, for the result's record (JSON-ready scalars)."""
        items = {
            "domain": self.domain,
            "variant": self.variant,
            "seed": self.seed,
            "dataset": self.dataset,
            "validation_rows": None if self.training is None else self.training.validation_rows,
        }
        return {key: value for key, value in items.items() if value is not None}

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
        """Class probabilities of shape ``(rows, classes)`` for a split, batched and cached.

        Raises
        ------
        AuditInputError
            When the model raises on a batch, returns another shape than the probe's
            for a batch, or gives NaN for some rows (see :func:`predict_proba`).
        """
        if split not in self._proba_cache:
            X, _ = self.split(split)
            self._proba_cache[split], self._proba_cache[f"{split}:log"] = predict_proba(
                self.model,
                X,
                batch_size=batch_size,
                n_classes=self.n_classes,
                split=split,
                log=True,
            )
        return self._proba_cache[split]

    def log_proba(self, split: Literal["train", "test"] = "test") -> np.ndarray:
        """Log class probabilities ``(rows, classes)``, float64 from the logits (stable
        where a probability rounds to 1), cached with :meth:`predict_proba`'s."""
        self.predict_proba(split)
        return self._proba_cache[f"{split}:log"]

    def clear_cache(self) -> None:
        """Forget cached predictions (call after changing the model's weights)."""
        self._proba_cache.clear()

    def summary(self) -> dict[str, Any]:
        """A JSON-ready description for the report."""
        n_params = sum(p.numel() for p in self.model.parameters())
        return {
            "name": self.name,
            "modality": self.modality,
            "model_class": type(self.user_model).__name__,
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
