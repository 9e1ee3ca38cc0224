"""A Hugging Face sequence classifier as a plain ``ids -> logits`` module.

The suite's checks call a model on one tensor and read a ``(rows, classes)`` tensor.
:class:`HFClassifier` takes the padded token ids, builds the attention mask from the
padding id, calls the wrapped model and returns its ``logits``; it also gives the
per-layer attention weights (``output_attentions=True``, with the eager attention
implementation switched on for the call) in the shape the attention views read.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any, Literal

import numpy as np
import torch
from torch import nn

__all__ = ["HFClassifier", "rollout_relevance"]

Summary = Literal["first", "last"]


class HFClassifier(nn.Module):
    """Wrap an ``AutoModelForSequenceClassification``-style model: token ids in, logits out.

    Parameters
    ----------
    model : torch.nn.Module
        A Hugging Face model called as ``model(input_ids=..., attention_mask=...)`` whose
        output has ``logits`` ``(rows, classes)`` (or is a tuple with the logits first).
    pad_id : int
        The padding id: the attention mask is ``ids != pad_id``.
    summary : {"first", "last"}
        Which position the classification head reads: the first token (``[CLS]``, BERT
        and other encoders) or the last non-padding token (GPT-2 and other decoders).
        Used by :func:`rollout_relevance`; :func:`~audit.hf.from_transformers` passes it
        to the report as ``explain.summary``.

    Examples
    --------
    >>> from transformers import BertConfig, BertForSequenceClassification
    >>> bert = BertForSequenceClassification(BertConfig(
    ...     vocab_size=30, hidden_size=8, num_hidden_layers=1, num_attention_heads=2,
    ...     intermediate_size=16, max_position_embeddings=16))
    >>> model = HFClassifier(bert, pad_id=0).eval()
    >>> ids = torch.tensor([[2, 5, 6, 3, 0, 0]])
    >>> model(ids).shape, model.attention_weights(ids).shape
    (torch.Size([1, 2]), torch.Size([1, 1, 2, 6, 6]))
    """

    def __init__(self, model: nn.Module, *, pad_id: int, summary: Summary = "first") -> None:
        super().__init__()
        if summary not in ("first", "last"):
            raise ValueError(f"summary must be 'first' or 'last', got {summary!r}")
        self.model = model
        self.pad_id = int(pad_id)
        self.summary = summary

    def mask(self, ids: torch.Tensor) -> torch.Tensor:
        """The attention mask of ``ids``: 1 at tokens, 0 at padding."""
        return (ids != self.pad_id).long()

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        """Logits ``(rows, classes)`` of padded token ids ``(rows, L)``."""
        if ids.ndim != 2:
            raise ValueError(f"token ids must be (rows, length), got shape {tuple(ids.shape)}")
        ids = ids.long()
        out = self.model(input_ids=ids, attention_mask=self.mask(ids))
        return _logits(out)

    def attention_weights(self, ids: torch.Tensor) -> torch.Tensor:
        """Per-head attention ``(rows, layers, heads, L, L)``, in eval mode, without gradients.

        Row ``[..., i, :]`` is query ``i``'s distribution over the keys (padded keys get
        0). The model's training mode and attention implementation are restored after.
        """
        ids = torch.as_tensor(ids).long()
        was_training = self.training
        self.eval()
        try:
            with torch.no_grad(), _eager_attention(self.model):
                out = self.model(
                    input_ids=ids, attention_mask=self.mask(ids), output_attentions=True
                )
        finally:
            self.train(was_training)
        attentions = getattr(out, "attentions", None)
        if not attentions:
            raise ValueError(
                f"{type(self.model).__name__} returned no attentions with output_attentions=True"
            )
        return torch.stack([a.float() for a in attentions], dim=1)

    def summary_positions(self, ids: torch.Tensor) -> torch.Tensor:
        """Per row, the position the classification head reads (see ``summary``)."""
        from audit.explain._attention import summary_positions

        ids = torch.as_tensor(ids).cpu().numpy()
        return torch.from_numpy(summary_positions(ids, self.summary, self.pad_id))


def _logits(out: Any) -> torch.Tensor:
    logits = getattr(out, "logits", None)
    if logits is None and isinstance(out, tuple | list) and out:
        logits = out[0]
    if not isinstance(logits, torch.Tensor):
        raise ValueError(
            f"the model's output has no 'logits' tensor (got {type(out).__name__}): "
            "expected an AutoModelForSequenceClassification-style model"
        )
    return logits


@contextlib.contextmanager
def _eager_attention(model: nn.Module) -> Iterator[None]:
    """Switch ``model`` to the eager attention implementation (the one that returns
    weights) for the duration, then back."""
    config = getattr(model, "config", None)
    before = getattr(config, "_attn_implementation", None)
    switch = before not in (None, "eager") and hasattr(model, "set_attn_implementation")
    if switch:
        model.set_attn_implementation("eager")
    try:
        yield
    finally:
        if switch:
            model.set_attn_implementation(before)


def rollout_relevance(
    model: HFClassifier, ids: torch.Tensor, *, residual: float = 0.5
) -> np.ndarray:
    """Attention rollout from the position the head reads: each token's share, per row.

    The rollout (:func:`audit.explain._attention.rollout`) row of the first token for
    encoders, of the last non-padding token for decoders.

    Returns
    -------
    numpy.ndarray
        ``(rows, L)``; each row sums to 1.

    Examples
    --------
    >>> from transformers import GPT2Config, GPT2ForSequenceClassification
    >>> gpt = GPT2ForSequenceClassification(GPT2Config(
    ...     vocab_size=30, n_embd=8, n_layer=1, n_head=2, n_positions=16, pad_token_id=0))
    >>> model = HFClassifier(gpt, pad_id=0, summary="last")
    >>> relevance = rollout_relevance(model, torch.tensor([[4, 5, 6, 0]]))
    >>> relevance.shape, round(float(relevance.sum()), 6), float(relevance[0, 3])
    ((1, 4), 1.0, 0.0)
    """
    from audit.explain._attention import rollout

    ids = torch.as_tensor(ids).long()
    weights = model.attention_weights(ids).double().numpy()
    matrices = rollout(weights, residual=residual)
    positions = model.summary_positions(ids).numpy()
    return matrices[np.arange(len(ids)), positions]
