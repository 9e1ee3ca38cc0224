"""Train a causal language model on token-id sequences, plainly or with DP-SGD (opacus)."""

from __future__ import annotations

import copy
import time
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from audit.history import EpochRecord, TrainingHistory
from audit.recipe import Recipe

__all__ = ["LMFit", "fit_lm", "sequence_losses", "untie_head"]


@dataclass
class LMFit:
    """A trained language model, its history (loss, next-token accuracy) and DP record."""

    model: nn.Module
    history: TrainingHistory
    privacy: dict[str, Any] | None = None


def _token_losses(logits: torch.Tensor, ids: torch.Tensor, pad_id: int) -> torch.Tensor:
    """Per-token cross-entropy ``(batch, L-1)`` of ``ids[:, 1:]``; 0 at padded targets."""
    targets = ids[:, 1:]
    losses = nn.functional.cross_entropy(logits[:, :-1].transpose(1, 2), targets, reduction="none")
    return losses * (targets != pad_id)


def sequence_losses(
    model: nn.Module, ids: torch.Tensor, *, pad_id: int, batch_size: int = 512
) -> tuple[np.ndarray, np.ndarray]:
    """Per-sequence mean token loss and next-token accuracy, in eval mode, batched.

    Examples
    --------
    >>> from audit.models._decoder import CausalDecoder
    >>> model = CausalDecoder(10, 4, d_model=8, n_heads=2, d_ff=8)
    >>> loss, accuracy = sequence_losses(model, torch.tensor([[1, 5, 2, 0]]), pad_id=0)
    >>> loss.shape, bool(0 <= accuracy[0] <= 1)
    ((1,), True)
    """
    was_training = model.training
    model.eval()
    losses, hits = [], []
    try:
        with torch.no_grad():
            for start in range(0, len(ids), batch_size):
                batch = torch.as_tensor(ids[start : start + batch_size])
                logits = model(batch)
                mask = batch[:, 1:] != pad_id
                count = mask.sum(1).clamp(min=1)
                losses.append(_token_losses(logits, batch, pad_id).sum(1) / count)
                right = (logits[:, :-1].argmax(-1) == batch[:, 1:]) & mask
                hits.append(right.sum(1) / count)
    finally:
        model.train(was_training)
    return torch.cat(losses).double().numpy(), torch.cat(hits).double().numpy()


def untie_head(model: nn.Module) -> nn.Module:
    """A copy of ``model`` whose output head has its own weight (a copy of the embedding's).

    opacus computes per-sample gradients module by module; a weight shared by the
    embedding and the head got per-sample gradients that did not sum to its gradient
    (measured with opacus 1.6), so DP-SGD trains an untied copy.
    """
    fresh = copy.deepcopy(model)
    head = getattr(fresh, "head", None)
    if head is not None and head.weight is getattr(fresh, "embedding", head).weight:
        head.weight = nn.Parameter(head.weight.detach().clone())
    return fresh


def _record(history, model, train, val, pad_id, epoch, loss_sum, rows) -> None:
    _, train_acc = sequence_losses(model, train[: min(len(train), 512)], pad_id=pad_id)
    val_loss, val_acc = sequence_losses(model, val, pad_id=pad_id)
    history.records.append(
        EpochRecord(
            epoch=epoch,
            train_loss=round(loss_sum / max(rows, 1), 6),
            train_accuracy=round(float(train_acc.mean()), 6),
            val_loss=round(float(val_loss.mean()), 6),
            val_accuracy=round(float(val_acc.mean()), 6),
        )
    )


def fit_lm(
    model: nn.Module,
    train: torch.Tensor,
    val: torch.Tensor,
    *,
    recipe: Recipe,
    pad_id: int,
    seed: int = 0,
    privacy: Any = None,
    on_epoch: Callable[[EpochRecord], None] | None = None,
) -> LMFit:
    """Train ``model`` (ids → next-token logits) with Adam on the mean token cross-entropy.

    Every epoch is run (no early stopping); the history records the training loss,
    next-token accuracy on (up to 512) training sequences and loss and accuracy on
    ``val``. With ``privacy`` (:class:`audit.settings.PrivacySettings`, ``dp=True``)
    an untied copy is trained with DP-SGD: Poisson sampling, per-sequence clipping,
    noise for the target ε after ``recipe.epochs`` epochs (opacus; one sequence is
    one privacy unit).

    Parameters
    ----------
    model : torch.nn.Module
        Maps ``(batch, L)`` ids to ``(batch, L, vocab)`` logits; not changed.
    train, val : torch.Tensor
        int64 ids ``(rows, L)``, right-padded with ``pad_id``.
    recipe : Recipe
        Epochs, batch size, learning rate, weight decay.
    pad_id : int
        Padding id (padded targets are left out of the loss).
    seed : int
        Seeds shuffling, dropout, Poisson sampling and noise.
    privacy : PrivacySettings, optional
        DP-SGD settings.
    on_epoch : callable, optional
        Called with each epoch's record.

    Returns
    -------
    LMFit

    Examples
    --------
    >>> from audit.models._decoder import CausalDecoder
    >>> ids = torch.tensor([[1, 4, 5, 2], [1, 5, 4, 2]] * 8)
    >>> fitted = fit_lm(CausalDecoder(6, 4, d_model=8, n_heads=2, d_ff=8), ids, ids,
    ...                 recipe=Recipe(epochs=2, batch_size=8), pad_id=0)
    >>> len(fitted.history.records)
    2
    """
    model = copy.deepcopy(model) if privacy is None else untie_head(model)
    history = TrainingHistory(
        recipe={**asdict(recipe), "seed": seed, "optimizer": "Adam", "dp_sgd": privacy is not None}
    )
    started = time.perf_counter()
    record = None
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        optimizer = torch.optim.Adam(
            model.parameters(), lr=recipe.lr, weight_decay=recipe.weight_decay
        )
        if privacy is None:
            batches = _plain_batches(len(train), recipe.batch_size, seed)
            step_model, step_optimizer, engine = model, optimizer, None
        else:
            step_model, step_optimizer, batches, engine, record = _private(
                model, optimizer, train, recipe, seed, privacy
            )
        for epoch in range(1, recipe.epochs + 1):
            step_model.train()
            loss_sum, rows = 0.0, 0
            for index in batches(epoch):
                if len(index) == 0:
                    continue
                batch = train[index]
                step_optimizer.zero_grad(set_to_none=True)
                losses = _token_losses(step_model(batch), batch, pad_id)
                per_sequence = losses.sum(1) / (batch[:, 1:] != pad_id).sum(1).clamp(min=1)
                per_sequence.mean().backward()
                step_optimizer.step()
                loss_sum += float(per_sequence.detach().sum())
                rows += len(index)
            _record(history, model, train, val, pad_id, epoch, loss_sum, rows)
            if on_epoch is not None:
                on_epoch(history.records[-1])
    history.seconds = round(time.perf_counter() - started, 4)
    if engine is not None:
        from audit.privacy._accounting import epsilon_of_history

        entries = engine.accountant.history
        record["epsilon"] = epsilon_of_history(
            entries, delta=record["delta"], accountant=record["accountant"]
        )
        record["steps"] = int(sum(entry[2] for entry in entries))
        if hasattr(step_model, "remove_hooks"):
            step_model.remove_hooks()
    model.eval()
    return LMFit(model=model, history=history, privacy=record)


def _plain_batches(n: int, batch_size: int, seed: int) -> Callable[[int], list[torch.Tensor]]:
    def batches(epoch: int) -> list[torch.Tensor]:
        order = torch.from_numpy(np.random.default_rng([seed, epoch]).permutation(n))
        return list(order.split(batch_size))

    return batches


def _private(model, optimizer, train, recipe, seed, privacy):
    """opacus's engine around ``model``: the DP model, optimizer, Poisson batches, record."""
    from opacus import PrivacyEngine
    from torch.utils.data import DataLoader, TensorDataset

    from audit.privacy._accounting import noise_for_epsilon
    from audit.privacy._dp import checked_settings, default_grad_sample_mode

    settings = checked_settings(privacy)
    n = len(train)
    delta = settings.delta if settings.delta is not None else 1.0 / (10 * n)
    loader = DataLoader(TensorDataset(train), batch_size=recipe.batch_size, shuffle=True)
    per_epoch = int(1 / (1 / len(loader)))
    sigma = settings.noise_multiplier
    if sigma is None:
        sigma = noise_for_epsilon(
            target_epsilon=settings.epsilon,
            sample_rate=1 / per_epoch,
            delta=delta,
            steps=recipe.epochs * per_epoch,
            accountant=settings.accountant,
        )
    mode = settings.grad_sample_mode or default_grad_sample_mode(model)
    engine = PrivacyEngine(accountant=settings.accountant, secure_mode=False)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*[Ss]ecure RNG.*")
        dp_model, dp_optimizer, dp_loader = engine.make_private(
            module=model,
            optimizer=optimizer,
            data_loader=loader,
            noise_multiplier=sigma,
            max_grad_norm=settings.max_grad_norm,
            grad_sample_mode=mode,
            noise_generator=torch.Generator().manual_seed(seed + 1),
        )

    def batches(epoch: int) -> list[torch.Tensor]:
        return [torch.as_tensor(rows, dtype=torch.long) for rows in dp_loader.batch_sampler]

    record = {
        "delta": delta,
        "noise_multiplier": float(sigma),
        "max_grad_norm": settings.max_grad_norm,
        "sample_rate": 1 / per_epoch,
        "epochs": recipe.epochs,
        "accountant": settings.accountant,
        "grad_sample_mode": mode,
        "swaps": ["tied output head → untied copy"],
        "target_epsilon": settings.epsilon if settings.noise_multiplier is None else None,
    }
    return dp_model, dp_optimizer, batches, engine, record
