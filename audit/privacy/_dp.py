"""DP-SGD training with opacus: the same loop and history as :func:`audit.training.fit`."""

from __future__ import annotations

import copy
import time
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import torch
from opacus import PrivacyEngine
from opacus.validators import ModuleValidator
from pydantic import ValidationError
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from audit._outputs import OutputLoss, probe_spec
from audit._seeds import as_seed
from audit.errors import AuditInputError, bad_input, validation_message
from audit.history import EpochRecord, TrainingHistory
from audit.privacy._accounting import epsilon_of_history, noise_for_epsilon
from audit.settings import PrivacySettings
from audit.training import EpochTracker, Recipe

__all__ = [
    "PrivateFit",
    "checked_settings",
    "default_grad_sample_mode",
    "empty_grad_samples",
    "fit_private",
    "module_swaps",
]

#: Layers (and subclasses, such as opacus's RNNLinear inside DPLSTM) that ExpandedWeights
#: (``grad_sample_mode="ew"``) computes per-sample gradients for; checked against
#: per-example backward passes for the MLP, a Conv2d–GroupNorm CNN, DPLSTM and
#: DPMultiheadAttention. A model with a parameter elsewhere is trained with "hooks".
_EW_LAYERS = (nn.Linear, nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.GroupNorm, nn.LayerNorm, nn.Embedding)


@dataclass
class PrivateFit:
    """A DP-SGD-trained model (plain module, no opacus hooks), its history and privacy record."""

    model: nn.Module
    history: TrainingHistory
    record: dict[str, Any]


def empty_grad_samples(model: nn.Module) -> None:
    """Give every trainable parameter zero per-sample gradients: a noise-only DP step.

    A Poisson batch may draw no one; opacus's optimizer then still adds the noise and
    the accountant counts the step, as the sampling analysis assumes.

    Examples
    --------
    >>> layer = nn.Linear(2, 1)
    >>> empty_grad_samples(layer)
    >>> layer.weight.grad_sample.shape
    torch.Size([0, 1, 2])
    """
    for parameter in model.parameters():
        if parameter.requires_grad:
            parameter.grad_sample = parameter.new_zeros((0, *parameter.shape))


def checked_settings(settings: PrivacySettings) -> PrivacySettings:
    """``settings`` validated again by :class:`~audit.settings.PrivacySettings`'s rules.

    ``model_copy(update=...)`` and ``model_construct`` skip pydantic's validation; DP
    training calls this first, so that ε, σ, δ and the clipping norm are finite and in
    range whatever built the settings.

    Raises
    ------
    AuditInputError
        One line naming the field, e.g. ``settings.epsilon: Input should be a finite
        number (got inf)``.

    Examples
    --------
    >>> checked_settings(PrivacySettings(epsilon=2.0)).epsilon
    2.0
    >>> checked_settings(PrivacySettings().model_copy(update={"max_grad_norm": float("inf")}))
    Traceback (most recent call last):
    ...
    audit.errors.AuditInputError: settings.max_grad_norm: Input should be a finite number (got inf)
    """
    if not isinstance(settings, PrivacySettings):
        raise bad_input("settings", "an audit.config.PrivacySettings or None", settings)
    try:
        return type(settings).model_validate(settings.model_dump())
    except ValidationError as error:
        message = validation_message(error.errors(), prefix="settings.")
        raise AuditInputError(message) from None


def default_grad_sample_mode(model: nn.Module) -> str:
    """The fastest per-sample-gradient mode on CPU for ``model``: "ew" where it applies.

    Measured on this CPU (1 thread, per epoch, DP ÷ non-private with the same recipe,
    ``benchmarks/bench_privacy.py``): a small MLP ew 2.64, hooks 3.47, ghost 3.55,
    functorch 6.20; a small Conv2d–GroupNorm CNN ew 2.61, hooks 2.94, ghost 4.23,
    functorch 5.02; the sequence domain's DPLSTM ew about 14% faster than hooks, with
    the same weights. ExpandedWeights (``ew``) is therefore the default wherever every
    parameter belongs to a layer it supports (DPLSTM's LSTM-named weights are aliases
    of its cells' ``RNNLinear`` weights); otherwise ``hooks`` (which falls back to
    functorch per layer).

    Examples
    --------
    >>> default_grad_sample_mode(torch.nn.Sequential(torch.nn.Linear(3, 2)))
    'ew'
    >>> default_grad_sample_mode(torch.nn.Sequential(torch.nn.PReLU()))
    'hooks'
    >>> from opacus.layers import DPLSTM
    >>> default_grad_sample_mode(DPLSTM(3, 4, batch_first=True))
    'ew'
    """
    owners = [m for m in model.modules() if any(True for _ in m.parameters(recurse=False))]
    covered = {id(p) for m in owners if isinstance(m, _EW_LAYERS) for p in m.parameters(False)}
    # DPLSTM registers its cells' RNNLinear weights under LSTM names too: aliases, not owners
    if owners and all(id(p) in covered for m in owners for p in m.parameters(recurse=False)):
        return "ew"
    return "hooks"


def module_swaps(before: nn.Module, after: nn.Module) -> list[str]:
    """The module replacements between ``before`` and ``ModuleValidator.fix(before)``.

    Examples
    --------
    >>> model = torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3), torch.nn.BatchNorm2d(4))
    >>> module_swaps(model, ModuleValidator.fix(model))
    ['BatchNorm2d → GroupNorm']
    """
    replaced = dict(after.named_modules())
    counts: Counter[str] = Counter()
    swapped: list[str] = []
    for name, module in before.named_modules():
        if any(name.startswith(f"{prefix}.") for prefix in swapped):
            continue  # inside a module that was replaced as a whole
        new = replaced.get(name)
        if new is not None and type(new) is not type(module):
            counts[f"{type(module).__name__} → {type(new).__name__}"] += 1
            swapped.append(name)
    return [text if n == 1 else f"{text} (×{n})" for text, n in counts.items()]


def fit_private(
    model: nn.Module,
    train: tuple[torch.Tensor, torch.Tensor],
    val: tuple[torch.Tensor, torch.Tensor] | None = None,
    *,
    recipe: Recipe | None = None,
    seed: int = 0,
    settings: PrivacySettings | None = None,
    on_epoch: Callable[[EpochRecord], None] | None = None,
) -> PrivateFit:
    """Train a copy of ``model`` with DP-SGD (opacus), Adam and cross-entropy.

    The loss follows what the model returns, as in :func:`audit.training.fit`: binary
    cross-entropy for one logit ``(rows,)`` / ``(rows, 1)``, on the logits wherever the
    output holds them (a mapping, an object, a tuple).

    The model is made DP-compatible with ``ModuleValidator.fix`` (BatchNorm becomes
    GroupNorm, LSTM becomes DPLSTM, ...; ``model`` itself is not changed). Batches are
    Poisson-sampled by opacus's sampler with rate ``1 / ceil(N / batch_size)`` (rows
    are taken from the tensors by index); per-example gradients are clipped to
    ``settings.max_grad_norm`` and noised with ``settings.noise_multiplier``, or with the
    σ that reaches ``settings.epsilon`` after ``recipe.epochs`` epochs when it is None
    (:func:`audit.privacy.noise_for_epsilon`, the rule of opacus's
    ``make_private_with_epsilon``). δ defaults to 1 / (10 N). ε is what the opacus
    accountant reports for the steps taken. Per epoch the history records loss and accuracy as
    :func:`audit.training.fit` does; ``recipe.patience`` stops early on ``val`` (which
    must not hold training rows) and restores the best weights.

    Sampling, noise and dropout are seeded from ``seed`` (``secure_mode=False``: not
    for production use; the caller's RNG state is left as it was).

    Parameters
    ----------
    model : torch.nn.Module
        Returns logits ``(rows, classes)`` or one logit, in any output
        :class:`audit.Subject` accepts.
    train, val : tuple of (X, y) tensors
    recipe : Recipe, optional
        Epochs, (expected) batch size, Adam learning rate, weight decay, patience.
    seed : int
        Any non-negative int; used modulo 2**32 (:func:`audit._seeds.as_seed`).
    settings : PrivacySettings, optional
        Default ``PrivacySettings()`` (ε = 3 with the PRV accountant); validated again
        here (a ``model_copy(update=...)`` skips pydantic's checks), so an infinite or
        absurd ε, σ, δ or clipping norm is refused before opacus sees it.
    on_epoch : callable, optional
        Called with each epoch's record.

    Returns
    -------
    PrivateFit
        ``model`` is a fresh fixed copy holding the trained weights, with no hooks;
        ``record`` holds epsilon, delta, noise_multiplier, max_grad_norm, sample_rate,
        steps, epochs, accountant, grad_sample_mode, swaps and target_epsilon.

    Examples
    --------
    >>> X, y = torch.randn(200, 4), torch.randint(0, 2, (200,))
    >>> result = fit_private(torch.nn.Linear(4, 2), (X, y), recipe=Recipe(epochs=2))
    >>> 0 < result.record["epsilon"] <= 3.0 + 0.05
    True
    """
    recipe = recipe or Recipe()
    settings = checked_settings(settings or PrivacySettings())
    if recipe.patience is not None and val is None:
        raise bad_input("val", "validation data when recipe.patience is set", "None")
    seed = as_seed(seed)
    X, y = train
    n = int(X.shape[0])
    delta = settings.delta if settings.delta is not None else 1.0 / (10 * n)
    fixed = ModuleValidator.fix(model)
    swaps = module_swaps(model, fixed)
    fresh = copy.deepcopy(fixed)
    mode = settings.grad_sample_mode or default_grad_sample_mode(fixed)
    spec = probe_spec(model, X)
    loss_fn = nn.CrossEntropyLoss() if spec.plain else OutputLoss(spec)
    loss_name = {"loss": "binary cross-entropy"} if spec.one_logit else {}
    history = TrainingHistory(
        recipe={**asdict(recipe), "seed": seed, "optimizer": "Adam", "dp_sgd": True, **loss_name}
    )
    tracker = EpochTracker(history, (X, y), val, patience=recipe.patience, on_epoch=on_epoch)
    started = time.perf_counter()

    with torch.random.fork_rng(devices=[]), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*[Ss]ecure RNG.*")
        warnings.filterwarnings("ignore", message="Full backward hook is firing")
        if settings.accountant != "rdp":  # PRV bounds its domain with RDP internally
            warnings.filterwarnings("ignore", message="Optimal order is the largest alpha")
        torch.manual_seed(seed)
        loader = DataLoader(TensorDataset(X, y), batch_size=recipe.batch_size, shuffle=True)
        optimizer = torch.optim.Adam(
            fixed.parameters(), lr=recipe.lr, weight_decay=recipe.weight_decay
        )
        engine = PrivacyEngine(accountant=settings.accountant, secure_mode=False)
        sigma = settings.noise_multiplier
        if sigma is None:  # what make_private_with_epsilon does, with a faster σ search
            # opacus's Poisson loader takes int(1 / q) steps an epoch at q = 1 / len(loader),
            # one step fewer than len(loader) for some lengths (93, 99, ...): the accountant
            # then records q' = 1 / steps; search σ for what it will record
            per_epoch = int(1 / (1 / len(loader)))
            sigma = noise_for_epsilon(
                target_epsilon=settings.epsilon,
                sample_rate=1 / per_epoch,
                delta=delta,
                steps=recipe.epochs * per_epoch,
                accountant=settings.accountant,
            )
        made = engine.make_private(
            module=fixed,
            optimizer=optimizer,
            criterion=loss_fn,
            data_loader=loader,
            noise_multiplier=sigma,
            max_grad_norm=settings.max_grad_norm,
            grad_sample_mode=mode,
            noise_generator=torch.Generator().manual_seed(seed + 1),
        )
        if mode == "ghost":
            dp_model, dp_optimizer, criterion, dp_loader = made
        else:
            (dp_model, dp_optimizer, dp_loader), criterion = made, loss_fn

        for epoch in range(1, recipe.epochs + 1):
            dp_model.train()
            # opacus's Poisson sampler picks the rows; indexing the tensors directly skips
            # the loader's per-row fetch and collate (a third of the MLP's step time)
            for rows in dp_loader.batch_sampler:
                index = torch.as_tensor(rows, dtype=torch.long)
                xb, yb = X[index], y[index]
                dp_optimizer.zero_grad(set_to_none=True)
                if xb.shape[0] == 0 and mode == "ew":  # ExpandedWeights rejects an empty batch
                    empty_grad_samples(fixed)
                else:
                    criterion(dp_model(xb), yb).backward()
                dp_optimizer.step()
            if tracker.end_epoch(fixed, epoch):
                break
    entries = engine.accountant.history
    epsilon = epsilon_of_history(entries, delta=delta, accountant=settings.accountant)
    history.seconds = round(time.perf_counter() - started, 4)
    fresh.load_state_dict(tracker.kept_state(fixed))
    fresh.eval()
    if hasattr(dp_model, "remove_hooks"):
        dp_model.remove_hooks()
    record = {
        "epsilon": epsilon,
        "delta": delta,
        "noise_multiplier": float(dp_optimizer.noise_multiplier),
        "max_grad_norm": settings.max_grad_norm,
        "sample_rate": float(entries[0][1]) if entries else 1 / len(loader),
        "steps": int(sum(entry[2] for entry in entries)),
        "epochs": len(history.records),
        "accountant": settings.accountant,
        "grad_sample_mode": mode,
        "swaps": swaps,
        "target_epsilon": settings.epsilon if settings.noise_multiplier is None else None,
        "privacy_unit": "row",  # each row its own user: the data names no writers
        "units": len(X),
        "most_rows_per_unit": 1,
    }
    return PrivateFit(model=fresh, history=history, record=record)
