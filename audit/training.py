"""A seeded, deterministic fit loop with per-epoch history and early stopping."""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from typing import Any

import torch
from torch import nn

from audit._outputs import OutputLoss, loss_and_hits, probe_spec
from audit._seeds import as_seed
from audit._threads import one_thread
from audit.errors import bad_input
from audit.history import EpochRecord, TrainingHistory
from audit.recipe import Recipe

#: ``augment(X_batch, generator) -> X_batch`` (see :func:`fit`).
Augment = Callable[[torch.Tensor, torch.Generator], torch.Tensor]

__all__ = ["EpochTracker", "FitResult", "Recipe", "Trainer", "evaluate", "fit", "make_trainer"]

Trainer = Callable[..., nn.Module]  # trainer(X, y, seed, *, private=...) -> model


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
    augment: Augment | None = None,
) -> FitResult:
    """Train ``model`` with Adam and cross-entropy, deterministically for a seed.

    The loss follows what the model returns (read by one forward pass on two rows, in
    eval mode, the RNG state kept): cross-entropy on logits ``(rows, C >= 2)``, binary
    cross-entropy (``BCEWithLogits``) on one logit ``(rows,)`` / ``(rows, 1)``, on the
    logits wherever the output holds them (a tensor, ``out["logits"]``, ``out.logits``,
    ``out[0]``; see :mod:`audit._outputs`). The history's recipe says
    ``"loss": "binary cross-entropy"`` for a one-logit model.

    The same seed, data and recipe give identical weights: shuffling uses its own
    generator, dropout a forked global RNG seeded with ``seed`` (the caller's RNG
    state is left as it was).

    Parameters
    ----------
    model : torch.nn.Module
        Returns logits ``(rows, classes)`` or one logit, in any output
        :class:`audit.Subject` accepts.
    train, val : tuple of (X, y) tensors
        ``val`` feeds the validation curve and early stopping.
    recipe : Recipe, optional
        Default ``Recipe()``.
    seed : int
        Seed of shuffling and dropout.
    on_epoch : callable, optional
        Called with each epoch's record (for progress displays).
    augment : callable, optional
        ``augment(X_batch, generator) -> X_batch``: a random transformation of each
        training batch (data augmentation), drawing from the shuffling generator so
        that a seed gives the same weights; the validation and history rows are left as
        they are.

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
    seed = as_seed(seed)
    recipe = recipe or Recipe()
    if recipe.patience is not None and val is None:
        raise bad_input("val", "validation data when recipe.patience is set", "None")
    X, y = train
    generator = torch.Generator().manual_seed(seed)
    spec = probe_spec(model, X)
    loss_fn = nn.CrossEntropyLoss() if spec.plain else OutputLoss(spec)
    loss_name = {"loss": "binary cross-entropy"} if spec.one_logit else {}
    history = TrainingHistory(
        recipe={**asdict(recipe), "seed": seed, "optimizer": "Adam", **loss_name}
    )
    tracker = EpochTracker(history, (X, y), val, patience=recipe.patience, on_epoch=on_epoch)
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
                batch = X[idx] if augment is None else augment(X[idx], generator)
                loss = loss_fn(model(batch), y[idx])
                loss.backward()
                optimizer.step()
            if tracker.end_epoch(model, epoch):
                break
    history.seconds = round(time.perf_counter() - started, 4)
    model.load_state_dict(tracker.kept_state(model))
    model.eval()
    return FitResult(model=model, history=history)


class EpochTracker:
    """Records each epoch's losses and accuracies and decides on early stopping.

    Shared by :func:`fit` and DP-SGD training: after each epoch, call
    :meth:`end_epoch`; at the end, :meth:`kept_state` gives the weights to keep (the
    best validation loss's when early stopping is on, else the last).
    """

    def __init__(
        self, history: TrainingHistory, train, val, *, patience: int | None, on_epoch=None
    ):
        self.history, self.train, self.val = history, train, val
        self.patience, self.on_epoch = patience, on_epoch
        self.best_loss, self.best_state, self.stale = float("inf"), None, 0

    def end_epoch(self, model: nn.Module, epoch: int) -> bool:
        """Evaluate ``model`` after ``epoch``; return True when training should stop."""
        record = EpochRecord(epoch, *evaluate(model, *self.train))
        if self.val is not None:
            record.val_loss, record.val_accuracy = evaluate(model, *self.val)
        self.history.records.append(record)
        if self.on_epoch is not None:
            self.on_epoch(record)
        if self.patience is None or record.val_loss is None:
            return False
        if record.val_loss < self.best_loss - 1e-6:
            self.best_loss, self.stale = record.val_loss, 0
            self.best_state = copy.deepcopy(model.state_dict())
            self.history.best_epoch = epoch
            return False
        self.stale += 1
        self.history.stopped_early = self.stale >= self.patience
        return self.history.stopped_early

    def kept_state(self, model: nn.Module) -> dict:
        """The state dict to keep, and ``history.best_epoch`` set accordingly."""
        if self.best_state is not None:
            return self.best_state
        self.history.best_epoch = len(self.history.records)
        return model.state_dict()


def evaluate(
    model: nn.Module, X: torch.Tensor, y: torch.Tensor, *, batch_size: int = 8192
) -> tuple[float, float]:
    """Mean loss and accuracy of ``model`` on ``(X, y)``, in eval mode.

    The loss is cross-entropy, or binary cross-entropy for a one-logit model (on the
    logits wherever its output holds them), as :func:`fit` trains with.

    Examples
    --------
    >>> model = torch.nn.Linear(2, 1)
    >>> _, accuracy = evaluate(model, torch.zeros(4, 2), torch.tensor([0, 1, 1, 0]))
    >>> accuracy in (0.5,)
    True
    """
    was_training = model.training
    model.eval()
    total_loss, correct = 0.0, 0
    with torch.inference_mode():
        for start in range(0, X.shape[0], batch_size):
            loss, hits = loss_and_hits(
                model(X[start : start + batch_size]), y[start : start + batch_size]
            )
            total_loss += loss
            correct += hits
    model.train(was_training)
    n = X.shape[0]
    return total_loss / n, correct / n


_MADE: Any = object()  # trainer(..., private=_MADE): the settings the trainer was made with


def make_trainer(
    model_factory: Callable[[], nn.Module],
    recipe: Recipe,
    *,
    private: Any = None,
    augment: Augment | None = None,
) -> Trainer:
    """A ``trainer(X, y, seed, *, private=...) -> nn.Module`` for shadow models and twins.

    Each call builds ``model_factory()`` with weights drawn from ``seed`` and trains it
    on ``(X, y)`` with ``recipe`` (no validation, no early stopping) on one thread (as
    the reference targets train; shadows in parallel each take one), with the loss its
    output calls for (binary cross-entropy for one logit, see :func:`fit`): with :func:`fit`,
    or :func:`audit.privacy.fit_private` (opacus, imported then) when ``private``
    (``PrivacySettings``) is given. The trainer's own ``private=`` keyword overrides the
    settings it was made with for one call (``None``: without DP), as the privacy check
    does for the non-private twin and the privacy–utility curve of a DP model. The
    trainer carries its recipe as ``trainer.recipe``. ``augment`` (see :func:`fit`) is
    applied as the target was trained: for a trainer made without ``private`` (shadows of
    a plain model), never for DP training nor for a DP model's non-private twin (the
    twin differs from the DP model only by clipping and noise).

    Examples
    --------
    >>> trainer = make_trainer(lambda: torch.nn.Linear(3, 2), Recipe(epochs=1))
    >>> X, y = torch.randn(16, 3), torch.randint(0, 2, (16,))
    >>> trainer(X, y, 0)(X).shape, trainer.recipe.patience
    (torch.Size([16, 2]), None)
    """
    plain = replace(recipe, patience=None)
    made = private

    def trainer(X: torch.Tensor, y: torch.Tensor, seed: int, *, private: Any = _MADE) -> nn.Module:
        settings = made if private is _MADE else private
        X, y = torch.as_tensor(X), torch.as_tensor(y)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(as_seed(seed))
            model = model_factory()
        with one_thread():  # as the reference targets train: small batches, no contention
            if settings is None:
                shaped = augment if made is None else None
                return fit(model, (X, y), recipe=plain, seed=seed, augment=shaped).model
            from audit.privacy import fit_private

            return fit_private(model, (X, y), recipe=plain, seed=seed, settings=settings).model

    trainer.recipe = plain
    return trainer
