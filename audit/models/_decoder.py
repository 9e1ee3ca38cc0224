"""A small GPT-like causal Transformer decoder (the ``gpt`` domain).

Token and learned position embeddings, pre-norm blocks of causally masked
self-attention and a feed-forward, a final LayerNorm and an output head tied to the
token embedding. Every parameter lives in a layer opacus computes per-sample gradients
for (``nn.Embedding``, ``nn.Linear``, ``nn.LayerNorm``): the attention is GPT-style,
built from linear projections (opacus 1.6's ``DPMultiheadAttention``, which
``ModuleValidator.fix`` would put in place of ``nn.MultiheadAttention``, rejects a 2-D
causal mask when ``batch_first=True``: it compares the mask with the batch size), and
the tied head is an ``nn.Linear`` sharing the embedding's weight, so that its
per-sample gradients are computed and summed with the embedding's.
"""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["CausalDecoder", "CausalSelfAttention", "DecoderBlock", "causal_mask"]


def causal_mask(length: int, device: torch.device | None = None) -> torch.Tensor:
    """A ``(length, length)`` bool mask, ``True`` above the diagonal (keys in the future).

    Examples
    --------
    >>> causal_mask(3).int().tolist()
    [[0, 1, 1], [0, 0, 1], [0, 0, 0]]
    """
    return torch.ones(length, length, dtype=torch.bool, device=device).triu(1)


class CausalSelfAttention(nn.Module):
    """Multi-head self-attention with a causal mask, from linear projections (GPT-style).

    Parameters
    ----------
    d_model, n_heads : int
        Width and heads (``d_model`` a multiple of them).
    dropout : float
        Dropout on the attention weights.

    Examples
    --------
    >>> attention = CausalSelfAttention(8, 2)
    >>> out, weights = attention(torch.randn(3, 5, 8))
    >>> out.shape, weights.shape, bool(weights[0, 0, 0, 1:].eq(0).all())
    (torch.Size([3, 5, 8]), torch.Size([3, 2, 5, 5]), True)
    """

    def __init__(self, d_model: int, n_heads: int, dropout: float = 0.0) -> None:
        super().__init__()
        if d_model % n_heads:
            raise ValueError(f"d_model {d_model} is not a multiple of n_heads {n_heads}")
        self.n_heads = n_heads
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.out = nn.Linear(d_model, d_model)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The attended values ``(batch, L, d_model)`` and weights ``(batch, heads, L, L)``."""
        batch, length, width = x.shape
        q, k, v = self.qkv(x).split(width, dim=-1)
        q, k, v = (t.reshape(batch, length, self.n_heads, -1).transpose(1, 2) for t in (q, k, v))
        scores = q @ k.transpose(-2, -1) / (q.shape[-1] ** 0.5)
        scores = scores.masked_fill(causal_mask(length, x.device), float("-inf"))
        weights = torch.softmax(scores, dim=-1)
        mixed = (self.dropout(weights) @ v).transpose(1, 2).reshape(batch, length, width)
        return self.out(mixed), weights


class DecoderBlock(nn.Module):
    """``x + Attention(LayerNorm(x))`` with a causal mask, then ``x + FF(LayerNorm(x))``.

    Parameters
    ----------
    d_model, n_heads, d_ff : int
        Width, heads (``d_model`` a multiple of them) and feed-forward width.
    dropout : float
        Dropout on the attention weights and after each sub-block.

    Examples
    --------
    >>> block = DecoderBlock(8, 2, 16)
    >>> out, weights = block(torch.zeros(3, 5, 8), need_weights=True)
    >>> out.shape, weights.shape
    (torch.Size([3, 5, 8]), torch.Size([3, 2, 5, 5]))
    """

    def __init__(self, d_model: int, n_heads: int, d_ff: int, dropout: float = 0.0) -> None:
        super().__init__()
        self.norm1 = nn.LayerNorm(d_model)
        self.self_attn = CausalSelfAttention(d_model, n_heads, dropout)
        self.dropout1 = nn.Dropout(dropout)
        self.norm2 = nn.LayerNorm(d_model)
        self.feed_forward = nn.Sequential(
            nn.Linear(d_model, d_ff), nn.GELU(), nn.Dropout(dropout), nn.Linear(d_ff, d_model)
        )
        self.dropout2 = nn.Dropout(dropout)

    def forward(
        self, x: torch.Tensor, *, need_weights: bool = False
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """The block's output and, with ``need_weights``, ``(batch, heads, L, L)`` weights."""
        attended, weights = self.self_attn(self.norm1(x))
        x = x + self.dropout1(attended)
        x = x + self.dropout2(self.feed_forward(self.norm2(x)))
        return x, weights if need_weights else None


class CausalDecoder(nn.Module):
    """A GPT-like language model: token ids ``(batch, L)`` → next-token logits ``(batch, L, V)``.

    Position ``t`` of the output is the distribution of token ``t + 1`` given tokens
    ``0..t``. Sequences are right-padded: padding after a sentence never reaches its
    tokens (causal mask), and its targets are left out of the loss.

    Parameters
    ----------
    vocab_size : int
        Number of token ids.
    max_len : int
        Longest sequence (positions with an embedding).
    d_model, n_heads, n_layers, d_ff : int
        Width, heads, blocks and feed-forward width.
    dropout : float
        Dropout in the blocks and on the embeddings.
    pad_id : int
        Id of the padding token (its embedding starts at zero).

    Examples
    --------
    >>> model = CausalDecoder(20, 8, d_model=8, n_heads=2, n_layers=2, d_ff=16)
    >>> ids = torch.tensor([[1, 5, 7, 0], [1, 4, 4, 9]])
    >>> model(ids).shape, model.attention_weights(ids).shape
    (torch.Size([2, 4, 20]), torch.Size([2, 2, 2, 4, 4]))
    >>> model.head.weight is model.embedding.weight
    True
    """

    def __init__(
        self,
        vocab_size: int,
        max_len: int,
        *,
        d_model: int = 64,
        n_heads: int = 2,
        n_layers: int = 2,
        d_ff: int = 128,
        dropout: float = 0.0,
        pad_id: int = 0,
    ) -> None:
        super().__init__()
        self.pad_id = pad_id
        self.max_len = max_len
        self.vocab_size = vocab_size
        self.embedding = nn.Embedding(vocab_size, d_model, padding_idx=pad_id)
        self.position = nn.Embedding(max_len, d_model)
        self.embedding_dropout = nn.Dropout(dropout)
        self.blocks = nn.ModuleList(
            DecoderBlock(d_model, n_heads, d_ff, dropout) for _ in range(n_layers)
        )
        self.norm = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, vocab_size, bias=False)
        self.head.weight = self.embedding.weight  # tied output head
        with torch.no_grad():  # GPT-2's scale: a tied head starts near uniform
            nn.init.normal_(self.embedding.weight, std=0.02)
            nn.init.normal_(self.position.weight, std=0.02)
            self.embedding.weight[pad_id].zero_()

    def _decode(
        self, ids: torch.Tensor, need_weights: bool
    ) -> tuple[torch.Tensor, list[torch.Tensor | None]]:
        if ids.ndim != 2:
            raise ValueError(f"token ids must be (batch, length), got shape {tuple(ids.shape)}")
        if ids.shape[1] > self.max_len:
            raise ValueError(f"sequences of {ids.shape[1]} tokens exceed max_len {self.max_len}")
        ids = ids.long()
        # one row of positions per example: opacus needs a batch dimension on every layer
        positions = torch.arange(ids.shape[1], device=ids.device).expand(ids.shape[0], -1)
        x = self.embedding_dropout(self.embedding(ids) + self.position(positions))
        weights = []
        for block in self.blocks:
            x, w = block(x, need_weights=need_weights)
            weights.append(w)
        return self.norm(x), weights

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        """Next-token logits ``(batch, L, vocab)`` of token ids ``(batch, L)``."""
        hidden, _ = self._decode(ids, need_weights=False)
        return self.head(hidden)

    def attention_weights(self, ids: torch.Tensor) -> torch.Tensor:
        """Attention weights ``(batch, layers, heads, L, L)``, in eval mode, without grad."""
        was_training = self.training
        self.eval()
        try:
            with torch.no_grad():
                _, weights = self._decode(torch.as_tensor(ids), need_weights=True)
        finally:
            self.train(was_training)
        return torch.stack([w for w in weights if w is not None], dim=1)
