"""Convolutional network with residual blocks for small images (the vision domain)."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

__all__ = ["ResNetSmall", "ResidualBlock"]


class ResidualBlock(nn.Module):
    """Two conv–norm layers with a skip connection: ``relu(x' + body(x))``.

    ``x'`` is ``x`` itself, or a 1×1 convolution of it (with a norm) when the
    number of channels or the stride changes. Every non-linearity is its own
    ``nn.ReLU`` module, so that captum and shap see each one. BatchNorm layers are
    what opacus's ``ModuleValidator.fix`` swaps for GroupNorm.

    Parameters
    ----------
    in_channels, out_channels : int
        Channels of the input and of the output.
    stride : int
        Stride of the first convolution (2 halves the height and width).

    Examples
    --------
    >>> import torch
    >>> ResidualBlock(8, 16, stride=2)(torch.zeros(2, 8, 8, 8)).shape
    torch.Size([2, 16, 4, 4])
    """

    def __init__(self, in_channels: int, out_channels: int, *, stride: int = 1) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False),
            nn.BatchNorm2d(out_channels),
            nn.ReLU(),
            nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False),
            nn.BatchNorm2d(out_channels),
        )
        self.shortcut: nn.Module = nn.Identity()
        if stride != 1 or in_channels != out_channels:
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False),
                nn.BatchNorm2d(out_channels),
            )
        self.relu = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.relu(self.body(x) + self.shortcut(x))


class ResNetSmall(nn.Module):
    """A small ResNet: a stem convolution, residual blocks, global average pooling, a head.

    The last residual block is :attr:`last_block` (the layer GradCAM reads); the
    pooled features feed :attr:`head`, a Linear layer returning the logits.

    Parameters
    ----------
    in_channels : int
        Channels of the input images, shape ``(batch, in_channels, H, W)``.
    n_classes : int
        Number of output logits.
    widths : sequence of int
        Channels of each residual block; the stem has ``widths[0]``. A block whose
        width differs from the previous one halves the resolution (stride 2).
    dropout : float
        Dropout probability before the head (0: none).

    Examples
    --------
    >>> import torch
    >>> model = ResNetSmall(1, 10, widths=(8, 16))
    >>> model(torch.zeros(3, 1, 8, 8)).shape
    torch.Size([3, 10])
    >>> model.last_block is model.blocks[-1]
    True
    """

    def __init__(
        self,
        in_channels: int = 1,
        n_classes: int = 10,
        *,
        widths: Sequence[int] = (16, 32),
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        if not widths:
            raise ValueError("widths must name at least one block")
        self.stem = nn.Sequential(
            nn.Conv2d(in_channels, widths[0], 3, padding=1, bias=False),
            nn.BatchNorm2d(widths[0]),
            nn.ReLU(),
        )
        blocks, width = [], widths[0]
        for size in widths:
            blocks.append(ResidualBlock(width, size, stride=1 if size == width else 2))
            width = size
        self.blocks = nn.Sequential(*blocks)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.flatten = nn.Flatten()
        self.dropout = nn.Dropout(dropout) if dropout > 0 else nn.Identity()
        self.head = nn.Linear(width, n_classes)

    @property
    def last_block(self) -> nn.Module:
        """The last convolutional (residual) block, for GradCAM."""
        return self.blocks[-1]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        features = self.blocks(self.stem(x))
        return self.head(self.dropout(self.flatten(self.pool(features))))
