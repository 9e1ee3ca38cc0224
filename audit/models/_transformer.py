"""A small BERT-like Transformer encoder classifying token sequences (the text domain)."""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["EncoderBlock", "TransformerClassifier"]


class EncoderBlock(nn.Module):
    """A pre-norm Transformer encoder block that can return its attention weights.

    ``x + Attention(LayerNorm(x))``, then ``x + FeedForward(LayerNorm(x))``, with a
    feed-forward of ``Linear–GELU–Dropout–Linear`` modules. Unlike
    ``nn.TransformerEncoderLayer`` it calls :attr:`self_attn` with
    ``need_weights=True`` when asked, so the per-head weights are available.

    Parameters
    ----------
    d_model : int
        Width of the token vectors.
    n_heads : int
        Attention heads; ``d_model`` must be a multiple.
    d_ff : int
        Hidden width of the feed-forward block.
    dropout : float
        Dropout on the attention weights and after each sub-block.

    Examples
    --------
    >>> block = EncoderBlock(8, 2, 16)
    >>> out, weights = block(torch.zeros(3, 5, 8), need_weights=True)
    >>> out.shape, weights.shape
    (torch.Size([3, 5, 8]), torch.Size([3, 2, 5, 5]))
    """

    def __init__(self, d_model: int, n_heads: int, d_ff: int, dropout: float = 0.0) -> None:
        super().__init__()
        self.norm1 = nn.LayerNorm(d_model)
        self.self_attn = nn.MultiheadAttention(d_model, n_heads, dropout=dropout, batch_first=True)
        self.dropout1 = nn.Dropout(dropout)
        self.norm2 = nn.LayerNorm(d_model)
        self.feed_forward = nn.Sequential(
            nn.Linear(d_model, d_ff), nn.GELU(), nn.Dropout(dropout), nn.Linear(d_ff, d_model)
        )
        self.dropout2 = nn.Dropout(dropout)

    def forward(
        self,
        x: torch.Tensor,
        padding_mask: torch.Tensor | None = None,
        *,
        need_weights: bool = False,
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Return the block's output and, with ``need_weights``, ``(batch, heads, L, L)`` weights.

        ``padding_mask`` is ``True`` at padded positions (ignored as keys). After
        opacus's ``ModuleValidator.fix`` (``DPMultiheadAttention``, no per-head
        weights) the weights are head-averaged, shaped ``(batch, 1, L, L)``.
        """
        h = self.norm1(x)
        if isinstance(self.self_attn, nn.MultiheadAttention):
            attended, weights = self.self_attn(
                h,
                h,
                h,
                key_padding_mask=padding_mask,
                need_weights=need_weights,
                average_attn_weights=False,
            )
        else:  # opacus's DPMultiheadAttention returns head-averaged weights only
            attended, weights = self.self_attn(
                h, h, h, key_padding_mask=padding_mask, need_weights=need_weights
            )
            weights = None if weights is None or not need_weights else weights.unsqueeze(1)
        x = x + self.dropout1(attended)
        x = x + self.dropout2(self.feed_forward(self.norm2(x)))
        return x, weights if need_weights else None


class TransformerClassifier(nn.Module):
    """Token and learned position embeddings, encoder blocks, a head on ``[CLS]``.

    Input: int64 token ids ``(batch, L)`` with ``[CLS]`` first and ``pad_id`` after
    the sentence; output: logits ``(batch, n_classes)`` read from the final,
    layer-normalised vector of position 0.

    Parameters
    ----------
    vocab_size : int
        Number of token ids.
    max_len : int
        Longest sequence (positions that have an embedding).
    n_classes : int
        Number of output logits.
    d_model, n_heads, n_layers, d_ff : int
        Width, attention heads, encoder blocks and feed-forward width.
    dropout : float
        Dropout in the blocks and on the embeddings (0: none).
    pad_id : int
        Id of ``[PAD]``: masked out as an attention key; its embedding stays zero.

    Examples
    --------
    >>> model = TransformerClassifier(20, 6, d_model=8, n_heads=2, n_layers=2)
    >>> ids = torch.tensor([[1, 5, 7, 0, 0, 0], [1, 4, 4, 9, 3, 0]])
    >>> model(ids).shape, model.attention_weights(ids).shape
    (torch.Size([2, 2]), torch.Size([2, 2, 2, 6, 6]))
    """

    def __init__(
        self,
        vocab_size: int,
        max_len: int,
        n_classes: int = 2,
        *,
        d_model: int = 32,
        n_heads: int = 2,
        n_layers: int = 2,
        d_ff: int = 64,
        dropout: float = 0.1,
        pad_id: int = 0,
    ) -> None:
        super().__init__()
        self.pad_id = pad_id
        self.max_len = max_len
        self.embedding = nn.Embedding(vocab_size, d_model, padding_idx=pad_id)
        self.position = nn.Embedding(max_len, d_model)
        self.embedding_dropout = nn.Dropout(dropout)
        self.blocks = nn.ModuleList(
            EncoderBlock(d_model, n_heads, d_ff, dropout) for _ in range(n_layers)
        )
        self.norm = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, n_classes)

    def _encode(
        self, ids: torch.Tensor, need_weights: bool
    ) -> tuple[torch.Tensor, list[torch.Tensor | None]]:
        if ids.ndim != 2:
            raise ValueError(f"token ids must be (batch, length), got shape {tuple(ids.shape)}")
        if ids.shape[1] > self.max_len:
            raise ValueError(f"sequences of {ids.shape[1]} tokens exceed max_len {self.max_len}")
        ids = ids.long()
        padding_mask = ids == self.pad_id
        # one row of positions per example: opacus needs a batch dimension on every layer
        positions = torch.arange(ids.shape[1], device=ids.device).expand(ids.shape[0], -1)
        x = self.embedding_dropout(self.embedding(ids) + self.position(positions))
        weights = []
        for block in self.blocks:
            x, w = block(x, padding_mask, need_weights=need_weights)
            weights.append(w)
        return self.norm(x), weights

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        """Logits ``(batch, n_classes)`` of token ids ``(batch, L)``."""
        hidden, _ = self._encode(ids, need_weights=False)
        return self.head(hidden[:, 0])

    def attention_weights(self, ids: torch.Tensor) -> torch.Tensor:
        """Per-head attention weights ``(batch, layers, heads, L, L)``, in eval mode, no grad.

        Row ``[..., i, :]`` is the distribution of query position ``i`` over the
        keys: it sums to 1 over the unpadded keys and is 0 at padded ones. The
        model's training mode is restored after.
        """
        was_training = self.training
        self.eval()
        try:
            with torch.no_grad():
                _, weights = self._encode(torch.as_tensor(ids), need_weights=True)
        finally:
            self.train(was_training)
        return torch.stack([w for w in weights if w is not None], dim=1)
