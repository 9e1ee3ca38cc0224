"""Recurrent classifier for multichannel sequences (the sequence domains)."""

from __future__ import annotations

from typing import Literal

import torch
from torch import nn

__all__ = ["LSTMClassifier"]


class LSTMClassifier(nn.Module):
    """An LSTM over time, pooled to one vector, then a Linear head.

    Input ``(batch, time, channels)`` (``batch_first``). The LSTM's outputs are
    pooled over time — their mean (``pooling="mean"``) or the last step's
    (``"last"``, the final hidden state) — then pass an optional ``nn.Dropout`` and
    the Linear :attr:`head`. opacus's ``ModuleValidator.fix`` swaps :attr:`lstm` for
    its ``DPLSTM``, which returns the same ``(output, (h, c))``.

    Parameters
    ----------
    n_channels : int
        Features per time step.
    n_classes : int
        Number of output logits.
    hidden : int
        Hidden size of the LSTM.
    layers : int
        Stacked LSTM layers.
    pooling : {"mean", "last"}
        How the per-step outputs become one vector.
    dropout : float
        Dropout probability before the head (0: none).

    Examples
    --------
    >>> import torch
    >>> LSTMClassifier(3, 2, hidden=8)(torch.zeros(4, 40, 3)).shape
    torch.Size([4, 2])
    """

    def __init__(
        self,
        n_channels: int,
        n_classes: int = 2,
        *,
        hidden: int = 32,
        layers: int = 1,
        pooling: Literal["mean", "last"] = "mean",
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        if pooling not in ("mean", "last"):
            raise ValueError(f"pooling must be 'mean' or 'last', got {pooling!r}")
        self.pooling = pooling
        self.lstm = nn.LSTM(n_channels, hidden, num_layers=layers, batch_first=True)
        self.dropout = nn.Dropout(dropout) if dropout > 0 else nn.Identity()
        self.head = nn.Linear(hidden, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        output, _ = self.lstm(x)
        pooled = output.mean(dim=1) if self.pooling == "mean" else output[:, -1]
        return self.head(self.dropout(pooled))
