"""Token models attacked on their embeddings: the embedding layer's output is the input.

A forward hook replaces what the embedding layer returns with the tensor being attacked,
so the rest of the model (positions, attention masks built from the ids, pooling) runs
as it does on the token ids. Attacks on embeddings measure how far the model's decision
is from a change of meaning representation, not from a change of words: the report
says so.
"""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["EmbeddingForward", "embeddings_of"]


def embeddings_of(model: nn.Module, layer: nn.Module, ids: torch.Tensor) -> torch.Tensor:
    """What ``layer`` returns when ``model`` runs on ``ids`` (detached).

    Examples
    --------
    >>> emb = nn.Embedding(5, 3)
    >>> model = nn.Sequential(emb, nn.Flatten(), nn.Linear(6, 2))
    >>> embeddings_of(model, emb, torch.tensor([[1, 2]])).shape
    torch.Size([1, 2, 3])
    """
    seen: list[torch.Tensor] = []

    def keep(_module, _inputs, output):
        seen.append(output.detach())

    handle = layer.register_forward_hook(keep)
    try:
        with torch.no_grad():
            model(ids)
    finally:
        handle.remove()
    if not seen or not isinstance(seen[0], torch.Tensor):
        raise ValueError(
            "explain.embedding_layer: expected a layer that runs in the model's forward "
            "and returns a tensor"
        )
    return seen[0]


class EmbeddingForward(nn.Module):
    """``model(ids)`` with ``layer``'s output replaced by the embeddings passed in.

    A batch of ``k`` times as many rows runs the ids repeated ``k`` times, in order (the
    layout of captum's Integrated Gradients steps).

    Examples
    --------
    >>> emb = nn.Embedding(5, 3)
    >>> model = nn.Sequential(emb, nn.Flatten(), nn.Linear(6, 2))
    >>> ids = torch.tensor([[1, 2]])
    >>> f = EmbeddingForward(model, emb, ids)
    >>> torch.allclose(f(embeddings_of(model, emb, ids)), model(ids))
    True
    """

    def __init__(self, model: nn.Module, layer: nn.Module, ids: torch.Tensor) -> None:
        super().__init__()
        self.model, self.layer, self.ids = model, layer, ids

    def forward(self, embedded: torch.Tensor) -> torch.Tensor:
        n = self.ids.shape[0]
        if embedded.shape[0] % n:
            raise ValueError(
                f"embedded: expected a multiple of {n} rows (the token rows, repeated in "
                f"order as captum's path methods do), got {embedded.shape[0]}"
            )
        ids = self.ids.repeat(embedded.shape[0] // n, *([1] * (self.ids.dim() - 1)))
        handle = self.layer.register_forward_hook(lambda _m, _i, _o: embedded)
        try:
            return self.model(ids)
        finally:
            handle.remove()
