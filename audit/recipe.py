"""The training recipe: a small frozen dataclass, importable without torch."""

from __future__ import annotations

from dataclasses import dataclass

from audit.errors import bad_input

__all__ = ["Recipe"]


@dataclass(frozen=True)
class Recipe:
    """How to train: epochs, batch size, Adam learning rate and weight decay, patience.

    ``patience`` is the number of epochs without a lower validation loss after
    which training stops and the best weights are restored (``None``: never stop).
    """

    epochs: int = 50
    batch_size: int = 64
    lr: float = 1e-3
    weight_decay: float = 0.0
    patience: int | None = None

    def __post_init__(self) -> None:
        for name in ("epochs", "batch_size"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise bad_input(f"recipe.{name}", "an int >= 1", value)
        if not self.lr > 0:
            raise bad_input("recipe.lr", "a float > 0", self.lr)
        if self.weight_decay < 0:
            raise bad_input("recipe.weight_decay", "a float >= 0", self.weight_decay)
        if self.patience is not None and (not isinstance(self.patience, int) or self.patience < 1):
            raise bad_input("recipe.patience", "an int >= 1 or None", self.patience)
