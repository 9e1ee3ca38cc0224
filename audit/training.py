"""A seeded, deterministic fit loop with per-epoch history and early stopping."""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

import torch
from torch import nn

from audit.errors import bad_input
from audit.history import EpochRecord, TrainingHistory

__all__ = ["FitResult", "Recipe", "fit"]


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


@dataclass
class FitResult:
    """The trained model and its training history."""

    model: nn.Module
    history: TrainingHistory


def fit(
    model: nn.Module,
    train: tuple[torch.Tensor, torch.Tensor],
    val: tuple[torch.Tensor, torch.Tensor] | None = None,
    *,
    recipe: Recipe | None = None,
    seed: int = 0,
    on_epoch: Callable[[EpochRecord], None] | None = None,
) -> FitResult:
    """Train ``model`` with Adam and cross-entropy, deterministically for a seed.

    The same seed, data and recipe give identical weights: shuffling uses its own
    generator, dropout a forked global RNG seeded with ``seed`` (the caller's RNG
    state is left as it was).

    Parameters
    ----------
    model : torch.nn.Module
        Returns logits ``(rows, classes)``.
    train, val : tuple of (X, y) tensors
        ``val`` feeds the validation curve and early stopping.
    recipe : Recipe, optional
        Default ``Recipe()``.
    seed : int
        Seed of shuffling and dropout.
    on_epoch : callable, optional
        Called with each epoch's record (for progress displays).

    Returns
    -------
    FitResult

    Examples
    --------
    >>> import torch
    >>> X, y = torch.randn(64, 3), torch.randint(0, 2, (64,))
    >>> result = fit(torch.nn.Linear(3, 2), (X, y), recipe=Recipe(epochs=2))
    >>> len(result.history.records)
    2
    """
    recipe = recipe or Recipe()
    if recipe.patience is not None and val is None:
        raise bad_input("val", "validation data when recipe.patience is set", "None")
    X, y = train
    generator = torch.Generator().manual_seed(seed)
    loss_fn = nn.CrossEntropyLoss()
    history = TrainingHistory(recipe={**asdict(recipe), "seed": seed, "optimizer": "Adam"})
    best_loss, best_state, stale = float("inf"), None, 0
    started = time.perf_counter()

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        optimizer = torch.optim.Adam(
            model.parameters(), lr=recipe.lr, weight_decay=recipe.weight_decay
        )
        for epoch in range(1, recipe.epochs + 1):
            model.train()
            order = torch.randperm(X.shape[0], generator=generator)
            for start in range(0, X.shape[0], recipe.batch_size):
                idx = order[start : start + recipe.batch_size]
                optimizer.zero_grad(set_to_none=True)
                loss = loss_fn(model(X[idx]), y[idx])
                loss.backward()
                optimizer.step()
            train_loss, train_acc = evaluate(model, X, y)
            record = EpochRecord(epoch, train_loss, train_acc)
            if val is not None:
                record.val_loss, record.val_accuracy = evaluate(model, *val)
            history.records.append(record)
            if on_epoch is not None:
                on_epoch(record)
            if recipe.patience is not None and record.val_loss is not None:
                if record.val_loss < best_loss - 1e-6:
                    best_loss, stale = record.val_loss, 0
                    best_state = copy.deepcopy(model.state_dict())
                    history.best_epoch = epoch
                else:
                    stale += 1
                    if stale >= recipe.patience:
                        history.stopped_early = True
                        break
    history.seconds = round(time.perf_counter() - started, 4)
    if best_state is not None:
        model.load_state_dict(best_state)
    else:
        history.best_epoch = len(history.records)
    model.eval()
    return FitResult(model=model, history=history)


def evaluate(
    model: nn.Module, X: torch.Tensor, y: torch.Tensor, *, batch_size: int = 8192
) -> tuple[float, float]:
    """Mean cross-entropy and accuracy of ``model`` on ``(X, y)``, in eval mode."""
    was_training = model.training
    model.eval()
    total_loss, correct = 0.0, 0
    with torch.inference_mode():
        for start in range(0, X.shape[0], batch_size):
            logits = model(X[start : start + batch_size])
            target = y[start : start + batch_size]
            total_loss += float(nn.functional.cross_entropy(logits, target, reduction="sum"))
            correct += int((logits.argmax(dim=1) == target).sum())
    model.train(was_training)
    n = X.shape[0]
    return total_loss / n, correct / n
