"""Natural corruptions per modality at severities 1–5, batched over rows (pure tensor math).

After the ImageNet-C protocol (Hendrycks & Dietterich, 2019): each corruption has five
severities of growing strength; severity 0 is the identity. Every corruption draws its
randomness from a ``torch.Generator`` seeded by the caller, so that a seed and a
severity give the same corrupted rows twice.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F

from audit.errors import bad_input

__all__ = ["CORRUPTIONS", "Scales", "corrupt", "corruptions_for"]

#: Per severity 1..5: noise in units of the data's std, rates, strengths.
_NOISE = (0.1, 0.2, 0.35, 0.5, 0.8)
_RATE = (0.05, 0.1, 0.2, 0.3, 0.5)
_CONTRAST = (0.8, 0.65, 0.5, 0.35, 0.2)
_BRIGHT = (0.1, 0.2, 0.3, 0.45, 0.6)
_LEVELS = (32, 16, 8, 4, 2)
_SIZE = (0.1, 0.2, 0.3, 0.4, 0.5)
_SHIFT = (0.05, 0.1, 0.15, 0.2, 0.25)
#: Gaussian blur σ in pixels for images up to 32 pixels wide (scaled up beyond).
_SIGMA = (0.3, 0.5, 0.7, 0.9, 1.2)


@dataclass(frozen=True)
class Scales:
    """What the corruptions scale to: the clean data's spread and special values.

    Parameters
    ----------
    std : Tensor
        Per column (tabular: ``(features,)``) or one number: the clean data's std.
    low, high : float
        The clean data's range (images: what quantisation and occlusion use).
    groups : list of list of int
        Tabular: column indices of each one-hot group of two or more columns.
    numeric : list of int
        Tabular: columns outside those groups (they get Gaussian noise).
    keep : list of int
        Text: token ids never dropped or swapped (padding, class token).
    unk_id : int
        Text: what token dropout writes.
    mean : Tensor, optional
        Tabular: the training rows' column means, what a missing numeric value is
        imputed with (``missing_values``).
    typo, case : Tensor, optional
        Text: each vocabulary id's misspellings ``(V, k)`` and other-cased form ``(V,)``
        (:mod:`audit.robustness._text_edits`).
    """

    std: torch.Tensor
    low: float = 0.0
    high: float = 1.0
    groups: list[list[int]] = field(default_factory=list)
    numeric: list[int] = field(default_factory=list)
    keep: list[int] = field(default_factory=list)
    unk_id: int = 0
    mean: torch.Tensor | None = None
    typo: torch.Tensor | None = None
    case: torch.Tensor | None = None


def _severity(s: int) -> int:
    return s - 1


def _noise(X, s, g, sc: Scales):
    noise = torch.randn(X.shape, generator=g) * _NOISE[_severity(s)]
    if sc.numeric or sc.groups:  # tabular: only the numeric columns, each by its std
        mask = torch.zeros(X.shape[1])
        mask[sc.numeric] = 1.0
        return X + noise * sc.std * mask
    return X + noise * sc.std


def _category_swap(X, s, g, sc: Scales):
    X = X.clone()
    for cols in sc.groups:
        k = len(cols)
        idx = torch.tensor(cols)
        current = X[:, idx].argmax(dim=1)
        hit = torch.rand(X.shape[0], generator=g) < _RATE[_severity(s)]
        other = (current + torch.randint(1, k, (X.shape[0],), generator=g)) % k
        block = X[:, idx]
        on, off = block.max(dim=1).values, block.min(dim=1).values
        new = torch.where(
            F.one_hot(other, k).bool(), on[:, None], off[:, None]
        )  # the encoded levels' own on/off values (one-hot may be standardised)
        X[:, idx] = torch.where(hit[:, None], new, block)
    return X


def _missing(X, s, g, sc: Scales):
    """Values missing at a rate, imputed as a pipeline would: numeric columns by the
    training mean, a one-hot group as an unknown level (every column off)."""
    X = X.clone()
    rate = _RATE[_severity(s)]
    numeric = torch.tensor(sc.numeric, dtype=torch.long)
    if len(numeric):
        hit = torch.rand(X.shape[0], len(numeric), generator=g) < rate
        X[:, numeric] = torch.where(hit, sc.mean[numeric], X[:, numeric])
    for cols in sc.groups:
        idx = torch.tensor(cols)
        block = X[:, idx]
        hit = torch.rand(X.shape[0], generator=g) < rate
        off = block.min(dim=1, keepdim=True).values.expand_as(block)
        X[:, idx] = torch.where(hit[:, None], off, block)
    return X


def _blur(X, s, g, sc: Scales):
    shape = X.shape
    h, w = shape[-2], shape[-1]
    sigma = _SIGMA[_severity(s)] * max(1.0, max(h, w) / 32)  # pixels, grows with resolution
    radius = max(1, math.ceil(2 * sigma))
    taps = torch.arange(-radius, radius + 1, dtype=X.dtype)
    kernel = torch.exp(-(taps**2) / (2 * sigma**2))
    kernel = kernel / kernel.sum()
    flat = X.reshape(-1, 1, h, w)
    flat = F.pad(flat, (radius, radius, radius, radius), mode="replicate")
    flat = F.conv2d(flat, kernel.reshape(1, 1, 1, -1))  # separable Gaussian: rows, then columns
    flat = F.conv2d(flat, kernel.reshape(1, 1, -1, 1))
    return flat.reshape(shape)


def _contrast(X, s, g, sc: Scales):
    mean = X.mean(dim=tuple(range(1, X.dim())), keepdim=True)
    return mean + (X - mean) * _CONTRAST[_severity(s)]


def _brightness(X, s, g, sc: Scales):
    return (X + _BRIGHT[_severity(s)] * (sc.high - sc.low)).clamp(sc.low, sc.high)


def _quantise(X, s, g, sc: Scales):
    steps = _LEVELS[_severity(s)] - 1
    span = max(sc.high - sc.low, 1e-12)
    return torch.round((X - sc.low) / span * steps) / steps * span + sc.low


def _occlusion(X, s, g, sc: Scales):
    n, h, w = X.shape[0], X.shape[-2], X.shape[-1]
    side = max(1, round(_SIZE[_severity(s)] * min(h, w)))
    top = torch.randint(0, h - side + 1, (n,), generator=g)
    left = torch.randint(0, w - side + 1, (n,), generator=g)
    rows, cols = torch.arange(h), torch.arange(w)
    inside_r = (rows[None, :] >= top[:, None]) & (rows[None, :] < top[:, None] + side)
    inside_c = (cols[None, :] >= left[:, None]) & (cols[None, :] < left[:, None] + side)
    patch = (inside_r[:, :, None] & inside_c[:, None, :]).reshape(n, *([1] * (X.dim() - 3)), h, w)
    return torch.where(patch, torch.tensor(sc.low, dtype=X.dtype), X)


def _gather_shift(X, dim, shift, *, wrap):
    size = X.shape[dim]
    index = torch.arange(size)[None, :] - shift[:, None]
    index = index % size if wrap else index.clamp(0, size - 1)
    view = [X.shape[0]] + [1] * (X.dim() - 1)
    view[dim] = size
    return X.gather(dim, index.reshape(view).expand_as(X))


def _shift(X, s, g, sc: Scales):
    n, h, w = X.shape[0], X.shape[-2], X.shape[-1]
    most = max(1, round(_SHIFT[_severity(s)] * max(h, w)))
    dy = torch.randint(-most, most + 1, (n,), generator=g)
    dx = torch.randint(-most, most + 1, (n,), generator=g)
    X = _gather_shift(X, X.dim() - 2, dy, wrap=False)
    return _gather_shift(X, X.dim() - 1, dx, wrap=False)


def _time_shift(X, s, g, sc: Scales):
    most = max(1, round(_SHIFT[_severity(s)] * X.shape[1]))
    return _gather_shift(
        X, 1, torch.randint(-most, most + 1, (X.shape[0],), generator=g), wrap=True
    )


def _step_dropout(X, s, g, sc: Scales):
    drop = torch.rand(X.shape[:2], generator=g) < _RATE[_severity(s)]
    return torch.where(drop.reshape(*X.shape[:2], *([1] * (X.dim() - 2))), 0.0, X)


def _amplitude(X, s, g, sc: Scales):
    a = _BRIGHT[_severity(s)] + 0.05 * s
    factor = 1.0 + (torch.rand(X.shape[0], generator=g) * 2 - 1) * a
    return X * factor.reshape(-1, *([1] * (X.dim() - 1)))


def _editable(X, sc: Scales):
    return ~torch.isin(X, torch.tensor(sc.keep, dtype=X.dtype))


def _token_dropout(X, s, g, sc: Scales):
    drop = (torch.rand(X.shape, generator=g) < _RATE[_severity(s)]) & _editable(X, sc)
    return torch.where(drop, torch.tensor(sc.unk_id, dtype=X.dtype), X)


def _neighbour_swap(X, s, g, sc: Scales):
    n, length = X.shape
    pairs = length // 2
    a = torch.arange(pairs) * 2
    ok = _editable(X, sc)
    swap = torch.rand(n, pairs, generator=g) < _RATE[_severity(s)]
    swap &= ok[:, a] & ok[:, a + 1]
    out = X.clone()
    out[:, a] = torch.where(swap, X[:, a + 1], X[:, a])
    out[:, a + 1] = torch.where(swap, X[:, a], X[:, a + 1])
    return out


def _typo(X, s, g, sc: Scales):
    hit = (torch.rand(X.shape, generator=g) < _RATE[_severity(s)]) & _editable(X, sc)
    variant = torch.randint(0, sc.typo.shape[1], X.shape, generator=g)
    return torch.where(hit, sc.typo[X.long(), variant].to(X.dtype), X)


def _casing(X, s, g, sc: Scales):
    hit = (torch.rand(X.shape, generator=g) < _RATE[_severity(s)]) & _editable(X, sc)
    return torch.where(hit, sc.case[X.long()].to(X.dtype), X)


Corruption = Callable[[torch.Tensor, int, torch.Generator, Scales], torch.Tensor]

#: Modality → corruption name → function ``f(X, severity, generator, scales)``.
CORRUPTIONS: dict[str, dict[str, Corruption]] = {
    "tabular": {
        "gaussian_noise": _noise,
        "category_swap": _category_swap,
        "missing_values": _missing,
    },
    "image": {
        "gaussian_noise": _noise,
        "blur": _blur,
        "contrast": _contrast,
        "brightness": _brightness,
        "quantisation": _quantise,
        "occlusion": _occlusion,
        "shift": _shift,
    },
    "sequence": {
        "gaussian_noise": _noise,
        "time_shift": _time_shift,
        "step_dropout": _step_dropout,
        "amplitude_scaling": _amplitude,
    },
    "text": {
        "token_dropout": _token_dropout,
        "neighbour_swap": _neighbour_swap,
        "typo": _typo,
        "casing": _casing,
    },
}


def corruptions_for(modality: str, scales: Scales) -> list[str]:
    """The corruptions that apply to ``modality`` and to what ``scales`` holds.

    Category swaps need one-hot groups; missing values the training means; typos and
    casing changes a vocabulary (casing one with both cases of a word).

    Examples
    --------
    >>> corruptions_for("text", Scales(std=torch.tensor(1.0)))
    ['token_dropout', 'neighbour_swap']
    """
    if modality not in CORRUPTIONS:
        raise bad_input("modality", f"one of {sorted(CORRUPTIONS)}", repr(modality))
    names = list(CORRUPTIONS[modality])
    needs = {
        "category_swap": bool(scales.groups),
        "missing_values": scales.mean is not None,
        "typo": scales.typo is not None,
        "casing": scales.case is not None,
    }
    return [n for n in names if needs.get(n, True)]


def corrupt(
    X: torch.Tensor, name: str, severity: int, *, modality: str, scales: Scales, seed: int
) -> torch.Tensor:
    """Return ``X`` under corruption ``name`` at ``severity`` (0 = unchanged), batched.

    Parameters
    ----------
    X : Tensor
        Rows first: tabular ``(n, features)``, image ``(n, C, H, W)``, sequence
        ``(n, steps, channels)``, text token ids ``(n, length)``.
    name : str
        A name from ``CORRUPTIONS[modality]``.
    severity : int
        0 (identity) to 5.
    modality : str
    scales : Scales
        The clean data's spread, range and groups (see :func:`audit.robustness.scales_of`).
    seed : int
        Seed of the corruption's random draws.

    Examples
    --------
    >>> X = torch.zeros(4, 3)
    >>> sc = Scales(std=torch.ones(3), numeric=[0, 1, 2])
    >>> corrupt(X, "gaussian_noise", 3, modality="tabular", scales=sc, seed=0).shape
    torch.Size([4, 3])
    >>> bool((corrupt(X, "gaussian_noise", 0, modality="tabular", scales=sc, seed=0) == X).all())
    True
    """
    table = CORRUPTIONS.get(modality)
    if table is None or name not in table:
        known = sorted(table) if table else sorted(CORRUPTIONS)
        raise bad_input("corruption", f"one of {known}", repr(name))
    if not isinstance(severity, (int, np.integer)) or not 0 <= severity <= 5:
        raise bad_input("severity", "an int from 0 to 5", repr(severity))
    if severity == 0:
        return X
    g = torch.Generator().manual_seed(int(seed))
    return table[name](X, int(severity), g, scales)
