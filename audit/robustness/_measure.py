"""Predictions of a subject's model on corrupted, adversarial and counterfactual rows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import torch

from audit.robustness._attacks import adversarial
from audit.robustness._corruptions import Scales, corrupt

if TYPE_CHECKING:
    from audit.subject import Subject

__all__ = ["Measured", "measure", "predictor", "scales_of"]

Progress = Callable[[str, int, int], None] | None


@dataclass
class Measured:
    """Labels and predictions of the audited rows, clean and perturbed.

    ``corrupted[(name, severity)]`` and ``attacked[(method, epsilon)]`` hold predicted
    classes, one per audited row; ``epsilon`` is in units of ``std``.
    """

    rows: np.ndarray
    y: np.ndarray
    clean: np.ndarray
    std: float
    corrupted: dict[tuple[str, int], np.ndarray] = field(default_factory=dict)
    attacked: dict[tuple[str, float], np.ndarray] = field(default_factory=dict)


def predictor(subject: Subject) -> Callable[[torch.Tensor], np.ndarray]:
    """``f(X) -> predicted classes`` through :func:`audit.subject.predict_proba` (batched)."""
    from audit.subject import predict_proba

    def predict(X: torch.Tensor) -> np.ndarray:
        proba = predict_proba(
            subject.model, X, binary_logit=subject.binary_logit, n_classes=subject.n_classes
        )
        return proba.argmax(axis=1)

    return predict


def scales_of(subject: Subject, X: torch.Tensor) -> Scales:
    """The spread, range, one-hot groups and special tokens the corruptions scale to.

    Examples
    --------
    >>> import audit
    >>> subject = audit.Subject(torch.nn.Linear(2, 2), (torch.randn(8, 2), torch.zeros(8).long()),
    ...                         (torch.randn(8, 2), torch.zeros(8).long()))
    >>> scales_of(subject, subject.X_test).numeric
    [0, 1]
    """
    if subject.modality == "text":
        hints = subject.explain
        pad = 0 if hints.pad_id is None else hints.pad_id
        keep = [i for i in (hints.pad_id, hints.cls_id) if i is not None] or [pad]
        unk = hints.unk_id if hints.unk_id is not None else pad
        return Scales(std=torch.tensor(1.0), keep=keep, unk_id=unk)
    Xf = X.float()
    low, high = float(Xf.min()), float(Xf.max())
    if subject.modality != "tabular":
        return Scales(std=Xf.std(), low=low, high=high)
    names = list(subject.feature_names)
    groups = [
        [names.index(c) for c in cols]
        for cols in (subject.feature_groups or {}).values()
        if len(cols) >= 2
    ]
    grouped = {i for cols in groups for i in cols}
    numeric = [i for i in range(Xf.shape[1]) if i not in grouped]
    return Scales(std=Xf.std(dim=0), low=low, high=high, groups=groups, numeric=numeric)


def measure(
    subject: Subject,
    rows: np.ndarray,
    *,
    corruptions: list[str],
    severities: list[int],
    attacks: list[str],
    epsilons: list[float],
    pgd_steps: int,
    seed: int,
    progress: Progress = None,
) -> Measured:
    """Predict the audited ``rows`` clean, under each corruption and severity, and attacked.

    Token inputs are not attacked. Each (corruption, severity) draws from its own seed
    ``seed + 100 * i + severity``, so that changing the list keeps the others' draws.
    """
    X, y = subject.X_test[rows], subject.y_test[rows]
    predict = predictor(subject)
    scales = scales_of(subject, X)
    std = float(X.float().std()) if X.is_floating_point() else 1.0
    out = Measured(rows=rows, y=y.numpy(), clean=predict(X), std=std)
    steps = len(corruptions) * len(severities) + len(attacks) * len(epsilons)
    step = 0
    for i, name in enumerate(corruptions):
        for s in severities:
            step += 1
            if progress is not None:
                progress("corruptions", step, steps)
            Xc = corrupt(
                X, name, s, modality=subject.modality, scales=scales, seed=seed + 100 * i + s
            )
            out.corrupted[(name, s)] = predict(Xc)
    if not X.is_floating_point():
        return out
    bounds = (scales.low, scales.high) if subject.modality == "image" else (-np.inf, np.inf)
    for method in attacks:
        for eps in epsilons:
            step += 1
            if progress is not None:
                progress("attacks", step, steps)
            adv = adversarial(
                subject.model,
                X,
                y,
                method=method,
                epsilon=eps * std,
                binary_logit=subject.binary_logit,
                steps=pgd_steps,
                lower=bounds[0],
                upper=bounds[1],
            )
            out.attacked[(method, eps)] = predict(adv)
    return out
