"""Convolutional-recurrent network over spectrograms (the speech domain)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import torch
from torch import nn

__all__ = ["CRNN"]


class CRNN(nn.Module):
    """Convolution blocks over a spectrogram, a GRU over time, pooled, then a Linear head.

    Input ``(batch, 1, n_mels, frames)`` (an image of frequency × time). Each block is
    conv 3×3 → BatchNorm → ReLU → 2×2 max-pool, so frequency and time shrink by 2 per
    block; the feature maps are read frame by frame (channels × remaining mel bands
    per step) by a GRU, whose outputs are pooled over time — their maximum
    (``pooling="max"``: a keyword anywhere in the utterance) or mean — then pass an
    optional ``nn.Dropout`` and the Linear :attr:`head`. Every non-linearity is its own
    ``nn.ReLU`` module (captum and shap see each); opacus's ``ModuleValidator.fix``
    swaps BatchNorm for GroupNorm and :attr:`gru` for its ``DPGRU``.

    Parameters
    ----------
    n_mels : int
        Mel bands of the input (divisible by ``2 ** len(channels)``).
    n_classes : int
        Number of output logits.
    channels : sequence of int
        Output channels of each convolution block.
    hidden : int
        Hidden size of the GRU.
    pooling : {"max", "mean"}
        How the GRU's per-frame outputs become one vector.
    dropout : float
        Dropout probability before the head (0: none).

    Examples
    --------
    >>> import torch
    >>> model = CRNN(32, 2, channels=(8, 16), hidden=16)
    >>> model(torch.zeros(3, 1, 32, 40)).shape
    torch.Size([3, 2])
    >>> model.last_block is model.blocks[-1]
    True
    """

    def __init__(
        self,
        n_mels: int,
        n_classes: int = 2,
        *,
        channels: Sequence[int] = (16, 32),
        hidden: int = 32,
        pooling: Literal["max", "mean"] = "max",
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        if not channels:
            raise ValueError("channels must name at least one block")
        if n_mels % 2 ** len(channels):
            raise ValueError(
                f"n_mels must be divisible by {2 ** len(channels)} (one halving per block), "
                f"got {n_mels}"
            )
        if pooling not in ("max", "mean"):
            raise ValueError(f"pooling must be 'max' or 'mean', got {pooling!r}")
        blocks, width = [], 1
        for size in channels:
            blocks.append(
                nn.Sequential(
                    nn.Conv2d(width, size, 3, padding=1, bias=False),
                    nn.BatchNorm2d(size),
                    nn.ReLU(),
                    nn.MaxPool2d(2),
                )
            )
            width = size
        self.blocks = nn.Sequential(*blocks)
        self.pooling = pooling
        self.gru = nn.GRU(width * (n_mels // 2 ** len(channels)), hidden, batch_first=True)
        self.dropout = nn.Dropout(dropout) if dropout > 0 else nn.Identity()
        self.head = nn.Linear(hidden, n_classes)

    @property
    def last_block(self) -> nn.Module:
        """The last convolution block (its output is a frequency × time map), for GradCAM."""
        return self.blocks[-1]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        features = self.blocks(x)  # (batch, channels, mels', frames')
        steps = features.flatten(1, 2).transpose(1, 2)  # (batch, frames', channels * mels')
        output, _ = self.gru(steps)
        pooled = output.amax(dim=1) if self.pooling == "max" else output.mean(dim=1)
        return self.head(self.dropout(pooled))
