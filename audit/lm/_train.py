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
    users: np.ndarray | None = None,
    on_epoch: Callable[[EpochRecord], None] | None = None,
) -> LMFit:
    """Train ``model`` (ids → next-token logits) with Adam on the mean token cross-entropy.

    Every epoch is run (no early stopping); the history records the training loss,
    next-token accuracy on (up to 512) training sequences and loss and accuracy on
    ``val``. With ``privacy`` (:class:`audit.settings.PrivacySettings`, ``dp=True``)
    an untied copy is trained with DP-SGD: Poisson sampling, per-sequence clipping,
    noise for the target ε after ``recipe.epochs`` epochs (opacus). One sequence is
    one privacy unit, or, with ``users``, one user: users are Poisson-sampled, and the
    sum of a user's per-sequence gradients is clipped as one (user-level DP-SGD,
    McMahan et al. 2018), so ε covers everything one user wrote — a secret typed
    ``k`` times is protected at ε, not ``k``·ε.

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
    users : numpy.ndarray, optional
        One id per training row naming who wrote it: the privacy unit of DP-SGD
        (ignored without ``privacy``). ``delta`` then defaults to 1 / (10 users).
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
                model, optimizer, train, recipe, seed, privacy, users
            )
        for epoch in range(1, recipe.epochs + 1):
            step_model.train()
            loss_sum, rows = 0.0, 0
            for index, owners in batches(epoch):
                step_optimizer.zero_grad(set_to_none=True)
                if len(index) == 0:
                    if engine is not None:  # Poisson drew no one: a noise-only step, counted
                        from audit.privacy._dp import empty_grad_samples

                        empty_grad_samples(model)
                        step_optimizer.step()
                    continue
                batch = train[index]
                losses = _token_losses(step_model(batch), batch, pad_id)
                per_sequence = losses.sum(1) / (batch[:, 1:] != pad_id).sum(1).clamp(min=1)
                per_sequence.mean().backward()
                if owners is not None:
                    _sum_per_user(step_model, owners)
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


Batch = tuple[torch.Tensor, torch.Tensor | None]


def _plain_batches(n: int, batch_size: int, seed: int) -> Callable[[int], list[Batch]]:
    def batches(epoch: int) -> list[Batch]:
        order = torch.from_numpy(np.random.default_rng([seed, epoch]).permutation(n))
        return [(index, None) for index in order.split(batch_size)]

    return batches


def _sum_per_user(model: nn.Module, owners: torch.Tensor) -> None:
    """Replace each parameter's per-sequence gradients by their sums per user.

    ``owners[i]`` is the position, in the sampled users, of sequence ``i``'s user;
    opacus's optimizer then clips (and counts) one gradient per user.
    """
    n_users = int(owners.max()) + 1
    for parameter in model.parameters():
        per_sequence = getattr(parameter, "grad_sample", None)
        if per_sequence is None:
            continue
        summed = per_sequence.new_zeros((n_users, *per_sequence.shape[1:]))
        parameter.grad_sample = summed.index_add_(0, owners.to(summed.device), per_sequence)


def _users_of(users: Any, n: int) -> tuple[np.ndarray, int]:
    """Each row's user as 0..U-1 (validated against ``n`` rows), and U."""
    from audit.errors import bad_input

    users = np.asarray(users)
    if users.shape != (n,):
        raise bad_input("users", f"one id per training row, shape ({n},)", users.shape)
    _, owner = np.unique(users, return_inverse=True)
    return owner.astype(np.int64), int(owner.max()) + 1 if n else 0


def _expand(sampled: torch.Tensor, order: torch.Tensor, offsets, counts) -> Batch:
    """The rows of the sampled users, and for each row its user's position in ``sampled``."""
    sizes = counts[sampled]
    owners = torch.repeat_interleave(torch.arange(len(sampled)), sizes)
    first = torch.repeat_interleave(sizes.cumsum(0) - sizes, sizes)  # each row's user's start
    within = torch.arange(int(sizes.sum())) - first
    return order[offsets[sampled][owners] + within], owners


def _private(model, optimizer, train, recipe, seed, privacy, users=None):
    """opacus's engine around ``model``: the DP model, optimizer, Poisson batches, record."""
    from opacus import PrivacyEngine
    from torch.utils.data import DataLoader, TensorDataset

    from audit.privacy._accounting import noise_for_epsilon
    from audit.privacy._dp import checked_settings, default_grad_sample_mode

    settings = checked_settings(privacy)
    if users is not None:
        owner, n = _users_of(users, len(train))
        order = torch.from_numpy(np.argsort(owner, kind="stable"))
        counts = torch.from_numpy(np.bincount(owner, minlength=n))
        offsets = counts.cumsum(0) - counts
        units = torch.arange(n)
    else:
        n, units = len(train), train
    delta = settings.delta if settings.delta is not None else 1.0 / (10 * n)
    loader = DataLoader(TensorDataset(units), batch_size=recipe.batch_size, shuffle=True)
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
    if users is not None and mode == "ghost":
        from audit.errors import bad_input

        raise bad_input(
            "privacy.grad_sample_mode",
            "'hooks', 'ew' or 'functorch' for user-level DP (ghost clipping never "
            "materialises the per-sequence gradients a user's sum needs)",
            mode,
        )
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

    def batches(epoch: int) -> list[Batch]:
        drawn = [torch.as_tensor(rows, dtype=torch.long) for rows in dp_loader.batch_sampler]
        if users is None:
            return [(rows, None) for rows in drawn]
        return [_expand(rows, order, offsets, counts) for rows in drawn]

    record = {
        "delta": delta,
        "noise_multiplier": float(sigma),
        "max_grad_norm": settings.max_grad_norm,
        "sample_rate": 1 / per_epoch,
        "epochs": recipe.epochs,
        "accountant": settings.accountant,
        "grad_sample_mode": mode,
        "swaps": ["tied output head → untied copy"],
        "privacy_unit": "row" if users is None else "user",
        "units": n,
        "most_rows_per_unit": 1 if users is None else int(counts.max()),
        "target_epsilon": settings.epsilon if settings.noise_multiplier is None else None,
    }
    return dp_model, dp_optimizer, batches, engine, record
