"""Training history: one record per epoch, as the fit loop wrote it."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["EpochRecord", "TrainingHistory"]


@dataclass
class EpochRecord:
    """Loss and accuracy after one epoch, on the training rows and on validation."""

    epoch: int
    train_loss: float
    train_accuracy: float
    val_loss: float | None = None
    val_accuracy: float | None = None


@dataclass
class TrainingHistory:
    """Per-epoch records of a training run and how it ended.

    ``best_epoch`` is the epoch whose weights the model kept (the lowest
    validation loss when early stopping restored them, else the last epoch).
    """

    records: list[EpochRecord] = field(default_factory=list)
    best_epoch: int | None = None
    stopped_early: bool = False
    recipe: dict[str, Any] = field(default_factory=dict)
    #: wall time of the fit loop in seconds (a time field: it differs between runs)
    seconds: float | None = field(default=None, compare=False)

    @property
    def has_validation(self) -> bool:
        return bool(self.records) and self.records[0].val_loss is not None

    def column(self, name: str) -> list[float | None]:
        """Return one field of every record, e.g. ``history.column("val_loss")``."""
        return [getattr(record, name) for record in self.records]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainingHistory:
        data = dict(data)
        data["records"] = [EpochRecord(**r) for r in data.get("records", [])]
        return cls(**data)
