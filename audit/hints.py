"""Typed hints a :class:`~audit.Subject` carries besides its model and data.

- :class:`ExplainHints`: what the explainers need to know of the model and inputs
  (GradCAM and embedding layers, an attention callable, the vocabulary, input shape,
  channel names, ground-truth masks of planted evidence).
- :class:`TrainingRecord`: how the model was trained (history, recipe, a ``trainer``
  that retrains the same recipe for shadow models, the DP-SGD record).

Both validate their fields when built; a mapping of hints with a misspelled key is an
:class:`~audit.AuditInputError` that names the key and the closest known one.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from numbers import Integral
from typing import Any, Literal

from audit.errors import bad_input, describe

__all__ = ["ExplainHints", "TrainingRecord", "hints_from"]


@dataclass(frozen=True)
class ExplainHints:
    """What the explainability check may use of the model and its inputs.

    Parameters
    ----------
    input_shape : tuple of int, optional
        The shape of one input row, for image and sequence views (default: X's).
    channel_names : list of str, optional
        Names of the input channels (image) or features per step (sequence).
    gradcam_layer : torch.nn.Module, optional
        The last convolutional block, for GradCAM (images).
    embedding_layer : torch.nn.Module, optional
        The token embedding, for layer Integrated Gradients (text).
    attention : callable, optional
        ``attention(X) -> tensor (rows, layers, heads, L, L)`` of attention weights.
    vocabulary : list of str, optional
        Token strings by id (text).
    pad_id, cls_id, unk_id : int, optional
        Special token ids (text): padding (the IG baseline), the class token (kept in
        baselines) and the unknown token (what perturbations replace tokens with;
        default: ``pad_id``).
    special_ids : list of int, optional
        Further token ids that are not words (text): separators, end-of-text, mask
        tokens (a Hugging Face tokenizer's ``all_special_ids``). They stay unchanged in
        explanation baselines, as padding and the class token do, and are left out of
        the report's word tables.
    summary : {"first", "last"}
        The position the classification head reads (text): the first token (``[CLS]``,
        encoders such as BERT) or the last non-padding token (decoders such as GPT-2).
        The attention views take the rollout row of that position.
    ground_truth_test : array, optional
        Per-row 0/1 masks, shaped like ``X_test``, of the inputs that carry the signal
        (planted evidence): explanations are scored on finding them.

    Examples
    --------
    >>> ExplainHints(input_shape=(1, 8, 8), channel_names=["gray"]).input_shape
    (1, 8, 8)
    """

    input_shape: tuple[int, ...] | None = None
    channel_names: list[str] | None = None
    gradcam_layer: Any = None
    embedding_layer: Any = None
    attention: Callable[[Any], Any] | None = None
    vocabulary: list[str] | None = None
    pad_id: int | None = None
    cls_id: int | None = None
    unk_id: int | None = None
    ground_truth_test: Any = None
    special_ids: list[int] | None = None
    summary: Literal["first", "last"] = "first"

    def __post_init__(self) -> None:
        from torch import nn

        for name in ("gradcam_layer", "embedding_layer"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, nn.Module):
                raise bad_input(
                    f"explain.{name}", "a torch.nn.Module (a model layer)", describe(value)
                )
        if self.attention is not None and not callable(self.attention):
            raise bad_input(
                "explain.attention", "a callable X -> weights", describe(self.attention)
            )
        if self.input_shape is not None:
            shape = tuple(self.input_shape)
            if not shape or not all(isinstance(n, int) and n > 0 for n in shape):
                raise bad_input("explain.input_shape", "a tuple of positive ints", self.input_shape)
            object.__setattr__(self, "input_shape", shape)
        for name in ("channel_names", "vocabulary"):
            value = getattr(self, name)
            if value is not None:
                if isinstance(value, str) or not all(isinstance(v, str) for v in value):
                    raise bad_input(f"explain.{name}", "a list of str", value)
                object.__setattr__(self, name, list(value))
        for name in ("pad_id", "cls_id", "unk_id"):
            value = getattr(self, name)
            if value is not None and (
                not isinstance(value, int) or isinstance(value, bool) or value < 0
            ):
                raise bad_input(f"explain.{name}", "a non-negative int token id", value)
        if self.special_ids is not None:
            ids = self.special_ids
            if isinstance(ids, str | bytes) or not hasattr(ids, "__iter__"):
                raise bad_input("explain.special_ids", "a list of non-negative int token ids", ids)
            ids = list(ids)
            if not all(isinstance(i, Integral) and not isinstance(i, bool) and i >= 0 for i in ids):
                raise bad_input("explain.special_ids", "a list of non-negative int token ids", ids)
            object.__setattr__(self, "special_ids", sorted({int(i) for i in ids}))
        if self.summary not in ("first", "last"):
            raise bad_input("explain.summary", "'first' or 'last'", repr(self.summary))

    def as_dict(self) -> dict[str, Any]:
        """The hints that are set, by name (what the explainers look up).

        A hint at its default (``None``; ``summary="first"``) is left out.

        Examples
        --------
        >>> ExplainHints(pad_id=0, summary="last").as_dict()
        {'pad_id': 0, 'summary': 'last'}
        """
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        return {
            name: value
            for name, value in values.items()
            if value is not None and not (name == "summary" and value == "first")
        }


@dataclass
class TrainingRecord:
    """How the audited model was trained, for the audits that retrain or compare.

    Parameters
    ----------
    history : TrainingHistory, optional
        Per-epoch losses and scores (learning curves, the overfitting evidence).
    recipe : audit.training.Recipe, optional
        Epochs, batch size, learning rate, ... as trained.
    trainer : callable, optional
        ``trainer(X, y, seed) -> nn.Module``: a fresh model trained with the same
        recipe on other rows (shadow models of membership inference). A trainer made
        by :func:`audit.privacy.make_trainer` also takes ``private=`` (a
        ``PrivacySettings`` or ``None`` for no privacy), which the privacy check uses
        for the non-private twin and the privacy–utility curve of a DP model.
    model_factory : callable, optional
        ``model_factory() -> nn.Module``, the untrained architecture.
    privacy : dict, optional
        The DP-SGD record of :func:`audit.privacy.fit_private` (ε, δ, σ, ...).
    private_settings : PrivacySettings, optional
        The settings the model was trained privately with.
    validation_rows : int, optional
        Rows held out of the training split for validation.

    Examples
    --------
    >>> TrainingRecord(validation_rows=140).privacy is None
    True
    """

    history: Any = None
    recipe: Any = None
    trainer: Callable[..., Any] | None = None
    model_factory: Callable[[], Any] | None = None
    privacy: dict[str, Any] | None = None
    private_settings: Any = None
    validation_rows: int | None = None
    #: the cost of privacy of a DP model, measured elsewhere: its non-private twin and
    #: utility curve. When unset the privacy check trains both with ``trainer``.
    privacy_twin: dict[str, Any] | None = None
    utility_curve: list[tuple[float | None, float]] | None = None

    def __post_init__(self) -> None:
        from audit.history import TrainingHistory

        if self.history is not None and not isinstance(self.history, TrainingHistory):
            raise bad_input("training.history", "an audit.TrainingHistory or None", self.history)
        for name in ("trainer", "model_factory"):
            value = getattr(self, name)
            if value is not None and not callable(value):
                raise bad_input(f"training.{name}", "a callable or None", describe(value))
        if self.privacy is not None and not isinstance(self.privacy, Mapping):
            raise bad_input("training.privacy", "the DP record (a dict) or None", self.privacy)
        if self.validation_rows is not None and (
            not isinstance(self.validation_rows, int) or self.validation_rows < 0
        ):
            raise bad_input("training.validation_rows", "a non-negative int", self.validation_rows)


def hints_from(kind: type, value: Any, argument: str) -> Any:
    """Return ``value`` as a ``kind`` (ExplainHints or TrainingRecord), from a mapping too.

    A key that ``kind`` does not have is an error naming it and the closest known one.

    Examples
    --------
    >>> hints_from(ExplainHints, {"pad_id": 0}, "explain").pad_id
    0
    >>> hints_from(ExplainHints, {"gradcam_layr": None}, "explain")
    Traceback (most recent call last):
    ...
    audit.errors.AuditInputError: explain['gradcam_layr']: expected a hint of ExplainHints \
(did you mean 'gradcam_layer'?), got an unknown key.
    """
    if value is None or isinstance(value, kind):
        return value
    if not isinstance(value, Mapping):
        raise bad_input(argument, f"an audit.{kind.__name__} or a mapping of its fields", value)
    known = [f.name for f in fields(kind)]
    for key in value:
        if key not in known:
            close = difflib.get_close_matches(str(key), known, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else f"; known: {known}"
            raise bad_input(
                f"{argument}[{key!r}]", f"a hint of {kind.__name__}{hint}", "an unknown key"
            )
    return kind(**value)
