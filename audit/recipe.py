"""The training recipe: a small frozen dataclass, importable without torch."""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

from audit.errors import bad_input

__all__ = ["Recipe"]


@dataclass(frozen=True)
class Recipe:
    """How to train: epochs, batch size, Adam learning rate and weight decay, patience.

    ``patience`` is the number of epochs without a lower validation loss after
    which training stops and the best weights are restored (``None``: never stop).
    ``lr`` and ``weight_decay`` are finite numbers.

    Examples
    --------
    >>> Recipe(epochs=3).lr
    0.001
    >>> Recipe(lr=float("inf"))
    Traceback (most recent call last):
    ...
    audit.errors.AuditInputError: recipe.lr: expected a finite float, got inf.
    """

    epochs: int = 50
    batch_size: int = 64
    lr: float = 1e-3
    weight_decay: float = 0.0
    patience: int | None = None

    def __post_init__(self) -> None:
        for name in ("epochs", "batch_size"):
            value = getattr(self, name)
            if not _is_int(value) or value < 1:
                raise bad_input(f"recipe.{name}", "an int >= 1", value)
        if not (_is_real(self.lr) and self.lr > 0):  # NaN fails the comparison
            raise bad_input("recipe.lr", "a float > 0", self.lr)
        if not (_is_real(self.weight_decay) and self.weight_decay >= 0):
            raise bad_input("recipe.weight_decay", "a float >= 0", self.weight_decay)
        for name in ("lr", "weight_decay"):
            if not math.isfinite(getattr(self, name)):
                raise bad_input(f"recipe.{name}", "a finite float", getattr(self, name))
        if self.patience is not None and (not _is_int(self.patience) or self.patience < 1):
            raise bad_input("recipe.patience", "an int >= 1 or None", self.patience)


def _is_int(value: object) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _is_real(value: object) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)
