"""Feed-forward network for tabular decisions (credit, medical)."""

from __future__ import annotations

from collections.abc import Sequence

from torch import nn

__all__ = ["MLP"]


class MLP(nn.Sequential):
    """A feed-forward classifier: Linear–ReLU–Dropout blocks, then a Linear head.

    Built from ``nn.ReLU`` modules (not ``F.relu``) so that shap's DeepExplainer and
    captum's DeepLift see every non-linearity.

    Parameters
    ----------
    n_features : int
        Number of input columns.
    n_classes : int
        Number of output logits.
    hidden : sequence of int
        Width of each hidden layer.
    dropout : float
        Dropout probability after each hidden layer.

    Examples
    --------
    >>> import torch
    >>> MLP(4, 2, hidden=(8,))(torch.zeros(3, 4)).shape
    torch.Size([3, 2])
    """

    def __init__(
        self,
        n_features: int,
        n_classes: int = 2,
        *,
        hidden: Sequence[int] = (32, 16),
        dropout: float = 0.1,
    ) -> None:
        layers: list[nn.Module] = []
        width = n_features
        for size in hidden:
            layers += [nn.Linear(width, size), nn.ReLU()]
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
            width = size
        layers.append(nn.Linear(width, n_classes))
        super().__init__(*layers)
