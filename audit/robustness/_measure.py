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

__all__ = ["Measured", "attack_space", "measure", "predictor", "scales_of"]

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
    #: Per row, the smallest FGSM radius (units of ``std``) that flips it; ``inf``: none
    #: within the search radius; ``None``: not searched.
    distances: np.ndarray | None = None
    #: What the attacks moved: ``"input"``, or ``"embeddings"`` for token inputs.
    space: str = "input"
    #: The range attacked values are clamped to.
    bounds: tuple[float, float] = (float("-inf"), float("inf"))


def predictor(subject: Subject) -> Callable[[torch.Tensor], np.ndarray]:
    """``f(X) -> predicted classes`` through :func:`audit.subject.predict_proba` (batched)."""
    from audit.subject import predict_proba

    def predict(X: torch.Tensor) -> np.ndarray:
        proba = predict_proba(subject.model, X, n_classes=subject.n_classes)
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
        typo = case = None
        if hints.vocabulary is not None:
            from audit.robustness._text_edits import case_table, typo_table

            typo = typo_table(hints.vocabulary, unk_id=unk, keep=keep)
            case = case_table(hints.vocabulary)
        return Scales(std=torch.tensor(1.0), keep=keep, unk_id=unk, typo=typo, case=case)
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
    mean = subject.X_train.float().mean(dim=0)
    return Scales(
        std=Xf.std(dim=0), low=low, high=high, groups=groups, numeric=numeric, mean=mean
    )


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
    search_radius: float | None = None,
    progress: Progress = None,
) -> Measured:
    """Predict the audited ``rows`` clean, under each corruption and severity, and attacked.

    Token inputs are attacked on their embeddings (:func:`attack_space`). With
    ``search_radius`` (units of the attacked values' std), each row's smallest flipping
    FGSM radius is searched too. Each (corruption, severity) draws from its own seed
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
    space = attack_space(subject, X, scales)
    if space is None:
        return out
    forward, Xa, bounds = space
    out.space = "input" if Xa is X else "embeddings"
    out.bounds = bounds
    out.std = std = float(Xa.std())

    def predict_attacked(A: torch.Tensor) -> np.ndarray:
        with torch.no_grad():
            return forward(A).argmax(dim=1).numpy()

    for method in attacks:
        for eps in epsilons:
            step += 1
            if progress is not None:
                progress("attacks", step, steps)
            adv = adversarial(
                forward,
                Xa,
                y,
                method=method,
                epsilon=eps * std,
                steps=pgd_steps,
                lower=bounds[0],
                upper=bounds[1],
            )
            out.attacked[(method, eps)] = predict_attacked(adv)
    if search_radius is not None:
        from audit.robustness._minimal import minimal_perturbation

        found = minimal_perturbation(
            forward, Xa, radius=search_radius * std, lower=bounds[0], upper=bounds[1]
        )
        out.distances = found / std
    return out


def attack_space(
    subject: Subject, X: torch.Tensor, scales: Scales
) -> tuple[Callable[[torch.Tensor], torch.Tensor], torch.Tensor, tuple[float, float]] | None:
    """What gradient attacks move: ``(forward -> logits (n, C), rows, (lower, upper))``.

    Float inputs are attacked as they are (images within their range). Token ids are
    attacked on the output of the subject's embedding layer (``explain.embedding_layer``),
    unbounded; without that hint, ``None``.
    """
    if X.is_floating_point():
        bounds = (scales.low, scales.high) if subject.modality == "image" else (-np.inf, np.inf)
        return subject.model, X, bounds  # the Subject's model gives (n, C >= 2) logits
    layer = getattr(subject.explain, "embedding_layer", None)
    if layer is None:
        return None
    from audit.robustness._embedding import EmbeddingForward, embeddings_of

    embedded = embeddings_of(subject.model, layer, X)
    forward = EmbeddingForward(subject.model, layer, X)
    return forward, embedded, (-np.inf, np.inf)
