"""``from_transformers``: a Hugging Face sequence classifier and its texts as a Subject."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd
import torch
from torch import nn

from audit.errors import bad_input, describe
from audit.hf import _tokens
from audit.hf._wrapper import HFClassifier

__all__ = [
    "MISSING_TRANSFORMERS",
    "encode_texts",
    "from_transformers",
    "hf_trainer",
    "require_transformers",
]

MISSING_TRANSFORMERS = (
    "audit.hf needs the 'transformers' package, which is not installed. "
    "Install it with: pip install 'rai-audit[hf]'"
)


def require_transformers() -> Any:
    """Import and return ``transformers``, or raise ImportError naming the extra.

    Examples
    --------
    >>> require_transformers().__name__
    'transformers'
    """
    try:
        import transformers
    except ImportError as error:
        raise ImportError(MISSING_TRANSFORMERS) from error
    return transformers


def encode_texts(
    texts: Sequence[str], tokenizer: Any, *, max_length: int, argument: str = "texts"
) -> torch.Tensor:
    """Token ids ``(rows, max_length)`` of ``texts``: special tokens added, padded, cut.

    Examples
    --------
    >>> ids = encode_texts(["a b", "c"], tokenizer, max_length=8)  # doctest: +SKIP
    >>> ids.shape  # doctest: +SKIP
    torch.Size([2, 8])
    """
    if isinstance(texts, str) or not all(isinstance(t, str) for t in texts):
        raise bad_input(argument, "a list of str (one text per row)", describe(texts))
    if not texts:
        raise bad_input(argument, "at least one text", "an empty list")
    encoded = tokenizer(
        list(texts),
        padding="max_length",
        truncation=True,
        max_length=max_length,
        return_tensors="pt",
    )
    return encoded["input_ids"].long()


def _wrap(model: nn.Module, pad_id: int, summary: str) -> HFClassifier:
    if isinstance(model, HFClassifier):
        return model
    return HFClassifier(model, pad_id=pad_id, summary=summary)  # type: ignore[arg-type]


def hf_trainer(
    model_factory: Callable[[], nn.Module],
    recipe: Any,
    *,
    pad_id: int,
    summary: Literal["first", "last"] = "first",
) -> Callable[..., nn.Module]:
    """A ``trainer(X, y, seed) -> HFClassifier`` for shadow models (membership inference).

    Each call builds ``model_factory()`` (a fresh Hugging Face model, e.g.
    ``lambda: BertForSequenceClassification(config)``) with weights drawn from ``seed``,
    wraps it and fine-tunes it on the token ids ``X`` with :func:`audit.training.fit`
    and ``recipe`` (:func:`audit.training.make_trainer`).

    Examples
    --------
    >>> from audit.recipe import Recipe
    >>> trainer = hf_trainer(lambda: bert_from_config(), Recipe(epochs=1), pad_id=0)
    ...     # doctest: +SKIP
    """
    from audit.training import make_trainer

    if not callable(model_factory):
        raise bad_input("model_factory", "a callable () -> model", describe(model_factory))
    return make_trainer(lambda: _wrap(model_factory(), pad_id, summary), recipe)


def _summary_of(tokenizer: Any, ids: torch.Tensor) -> tuple[Literal["first", "last"], int | None]:
    """Whether the head reads the first token: the tokenizer puts its class token first."""
    cls_id = getattr(tokenizer, "cls_token_id", None)
    if cls_id is not None and bool((ids[:, 0] == int(cls_id)).all()):
        return "first", int(cls_id)
    return "last", None


def _reference_id(tokenizer: Any, pad_id: int, reference_token: str | None) -> int:
    """The token that replaces words in Integrated-Gradients baselines and perturbations."""
    if reference_token is not None:
        found = tokenizer.convert_tokens_to_ids(reference_token)
        unknown = found is None or (
            found == getattr(tokenizer, "unk_token_id", None)
            and reference_token != getattr(tokenizer, "unk_token", None)
        )
        if unknown or int(found) == pad_id:
            raise bad_input(
                "reference_token",
                "a token of the tokenizer's vocabulary other than the padding token",
                repr(reference_token),
            )
        return int(found)
    for name in ("unk_token_id", "mask_token_id"):
        value = getattr(tokenizer, name, None)
        if value is not None and int(value) != pad_id:
            return int(value)
    raise bad_input(
        "reference_token",
        "a token to replace words with in baselines (the tokenizer has no unknown or mask "
        "token distinct from its padding token)",
        "None",
    )


def _sensitive(
    given: pd.DataFrame | pd.Series | None,
    texts: Sequence[str],
    terms: Mapping[str, Sequence[str]] | bool | None,
) -> pd.DataFrame | pd.Series | None:
    if terms is None or terms is False:
        return given
    found = _tokens.group_terms(texts, None if terms is True else terms)
    if given is None:
        return found
    frame = given.to_frame() if isinstance(given, pd.Series) else given
    if len(frame) != len(found):
        return given  # the Subject names the misaligned argument
    return pd.concat([frame.reset_index(drop=True), found], axis=1)


def from_transformers(
    model: nn.Module,
    tokenizer: Any,
    train: tuple[Sequence[str], Any],
    test: tuple[Sequence[str], Any],
    *,
    max_length: int,
    sensitive_train: pd.DataFrame | pd.Series | None = None,
    sensitive_test: pd.DataFrame | pd.Series | None = None,
    group_terms: Mapping[str, Sequence[str]] | bool | None = None,
    evidence_terms: Sequence[str] | None = None,
    class_names: list[str] | None = None,
    reference_token: str | None = None,
    trainer: Callable[..., nn.Module] | None = None,
    model_factory: Callable[[], nn.Module] | None = None,
    recipe: Any = None,
    name: str | None = None,
    dataset: str | None = None,
    seed: int | None = None,
) -> Any:
    """An :class:`audit.Subject` for a Hugging Face sequence classifier and its texts.

    The texts are tokenised with ``tokenizer`` (special tokens, padding and truncation
    to ``max_length``); the model is wrapped in :class:`~audit.hf.HFClassifier` (token
    ids in, attention mask from the padding id, ``logits`` out), so every check sees a
    plain ``(rows, classes)`` model on ``"text"`` data. The explain hints are the
    model's input embeddings (Layer Integrated Gradients), its attention weights
    (``output_attentions=True``, rolled out from the position the head reads:
    ``summary="first"`` when every row starts with the class token, else ``"last"``),
    the tokenizer's vocabulary and its special ids (``all_special_ids``: kept in
    baselines, left out of the report's word tables, whose pieces are merged into words).

    Parameters
    ----------
    model : torch.nn.Module
        An ``AutoModelForSequenceClassification``-style model; ``model.config.pad_token_id``,
        when set, must be the tokenizer's padding id.
    tokenizer : PreTrainedTokenizerBase
        A tokenizer with a padding token (for GPT-2: ``tokenizer.pad_token = ...``).
    train, test : tuple of (list of str, labels)
        Texts and integer labels ``0..C-1``.
    max_length : int
        Tokens per row (special tokens included); longer texts are cut.
    sensitive_train, sensitive_test : DataFrame or Series, optional
        Sensitive features aligned with the texts.
    group_terms : mapping of str to list of str, or True, optional
        Add the sensitive column ``group_term``: the group whose terms each text contains
        (:func:`audit.hf.group_terms`; ``True``: the generated corpus's names and pronouns).
    evidence_terms : list of str, optional
        Words known to carry the label (planted evidence): their pieces in the test
        rows become ``explain.ground_truth_test``, which explanations are scored on.
    class_names : list of str, optional
        Default: ``model.config.id2label`` when it names every class.
    reference_token : str, optional
        The token that replaces words in baselines; default the unknown token, else the
        mask token.
    trainer : callable, optional
        ``trainer(X, y, seed) -> model`` for shadow models (offline LiRA); a Hugging Face
        model it returns is wrapped.
    model_factory, recipe : optional
        Instead of ``trainer``: a fresh Hugging Face model and an
        :class:`audit.training.Recipe` to fine-tune it with (:func:`hf_trainer`).
    name, dataset : str, optional
        For the report; default name: the model's class name.
    seed : int, optional
        The seed the model and splits were made with.

    Returns
    -------
    audit.Subject

    Raises
    ------
    ImportError
        When ``transformers`` is not installed (``pip install 'rai-audit[hf]'``).
    AuditInputError
        When an argument is malformed; the message names it.

    Examples
    --------
    >>> from audit.hf import from_transformers
    >>> subject = from_transformers(model, tokenizer, (texts, labels), (texts, labels),
    ...                             max_length=32, group_terms=True)  # doctest: +SKIP
    >>> subject.modality  # doctest: +SKIP
    'text'
    """
    require_transformers()
    from audit.hints import ExplainHints, TrainingRecord
    from audit.subject import Subject

    if not isinstance(model, nn.Module) or not hasattr(model, "get_input_embeddings"):
        raise bad_input(
            "model", "a Hugging Face model (an nn.Module with get_input_embeddings)", model
        )
    if isinstance(model, HFClassifier):
        model = model.model
    pad_id = getattr(tokenizer, "pad_token_id", None)
    if not callable(tokenizer) or pad_id is None:
        raise bad_input(
            "tokenizer",
            "a Hugging Face tokenizer with a padding token (for GPT-2 style tokenizers set "
            "tokenizer.pad_token first)",
            describe(tokenizer),
        )
    pad_id = int(pad_id)
    config = getattr(model, "config", None)
    config_pad = getattr(config, "pad_token_id", None)
    if config_pad is not None and int(config_pad) != pad_id:
        raise bad_input(
            "model.config.pad_token_id",
            f"the tokenizer's padding id {pad_id} (set model.config.pad_token_id = "
            "tokenizer.pad_token_id)",
            str(config_pad),
        )
    if not isinstance(max_length, int) or isinstance(max_length, bool) or max_length < 2:
        raise bad_input("max_length", "an int >= 2", max_length)
    for argument, split in (("train", train), ("test", test)):
        if not isinstance(split, tuple | list) or len(split) != 2:
            raise bad_input(argument, "a tuple (texts, labels)", describe(split))
    X_train = encode_texts(train[0], tokenizer, max_length=max_length, argument="train[0] (texts)")
    X_test = encode_texts(test[0], tokenizer, max_length=max_length, argument="test[0] (texts)")
    summary, cls_id = _summary_of(tokenizer, X_train)
    wrapper = HFClassifier(model, pad_id=pad_id, summary=summary)
    vocabulary = [str(t) for t in tokenizer.convert_ids_to_tokens(list(range(len(tokenizer))))]
    unk_id = _reference_id(tokenizer, pad_id, reference_token)
    special = [int(i) for i in getattr(tokenizer, "all_special_ids", [])]
    truth = None
    if evidence_terms is not None:
        truth = _tokens.evidence_mask(X_test.numpy(), vocabulary, evidence_terms, special=special)
    if class_names is None:
        labels = getattr(config, "id2label", None) or {}
        names = [labels.get(i) for i in range(len(labels))]
        default = all(str(n).startswith("LABEL_") for n in names)
        class_names = None if default or None in names else [str(n) for n in names]
    training = None
    if trainer is not None and model_factory is not None:
        raise bad_input("model_factory", "None when trainer is given", describe(model_factory))
    if model_factory is not None:
        from audit.recipe import Recipe

        trainer = hf_trainer(model_factory, recipe or Recipe(), pad_id=pad_id, summary=summary)
    if trainer is not None:
        if not callable(trainer):
            raise bad_input("trainer", "a callable trainer(X, y, seed) -> model", describe(trainer))
        inner = trainer

        def wrapped_trainer(X: torch.Tensor, y: torch.Tensor, seed: int) -> nn.Module:
            return _wrap(inner(X, y, seed), pad_id, summary)

        wrapped_trainer.recipe = getattr(inner, "recipe", None)  # type: ignore[attr-defined]
        training = TrainingRecord(trainer=wrapped_trainer)
    return Subject(
        wrapper,
        (X_train, np.asarray(train[1])),
        (X_test, np.asarray(test[1])),
        modality="text",
        class_names=class_names,
        sensitive_train=_sensitive(sensitive_train, train[0], group_terms),
        sensitive_test=_sensitive(sensitive_test, test[0], group_terms),
        explain=ExplainHints(
            embedding_layer=model.get_input_embeddings(),
            attention=wrapper.attention_weights,
            vocabulary=vocabulary,
            pad_id=pad_id,
            cls_id=cls_id,
            unk_id=unk_id,
            special_ids=special,
            summary=summary,
            ground_truth_test=truth,
        ),
        training=training,
        name=name or type(model).__name__,
        dataset=dataset,
        seed=seed,
    )
