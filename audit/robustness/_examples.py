"""A few adversarial examples next to their attributions (captum's Integrated Gradients).

For rows the judged attack flips, the attack is rerun on them alone (FGSM and PGD without
a random start are per-row deterministic, so the rows are the ones measured) and
Integrated Gradients explains the clean prediction on the clean row and the new
prediction on the attacked one. Attributions are summed per feature (tabular), pixel
(image, over channels), step (sequence, over channels) or token (text, over the
embedding), and the features whose attribution moved most are listed: what the attack
changed in the model's reasons, beside how much it changed the input.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import torch

from audit.results import Table
from audit.robustness._attacks import adversarial, attack_label
from audit.robustness._corruptions import Scales
from audit.robustness._measure import Measured, attack_space

if TYPE_CHECKING:
    from audit.subject import Subject

__all__ = ["examples_table", "unit_names"]

#: Examples shown and features listed per example.
EXAMPLES, FEATURES = 3, 4


def unit_names(subject: Subject, X: torch.Tensor, width: int) -> list[list[str]]:
    """Per row, the name of each of ``width`` attribution units (features, pixels, ...).

    Examples
    --------
    >>> import audit
    >>> s = audit.Subject(torch.nn.Linear(2, 2), (torch.zeros(4, 2), torch.zeros(4).long()),
    ...                   (torch.zeros(4, 2), torch.zeros(4).long()))
    >>> unit_names(s, s.X_test[:1], 2)
    [['x0', 'x1']]
    """
    rows = X.shape[0]
    if subject.modality == "tabular":
        return [list(subject.feature_names)] * rows
    if subject.modality == "image":
        w = X.shape[-1]
        return [[f"pixel ({i // w}, {i % w})" for i in range(width)]] * rows
    if subject.modality == "text":
        vocabulary = subject.explain.vocabulary
        return [
            [
                f"{vocabulary[t] if vocabulary and t < len(vocabulary) else t} @{p}"
                for p, t in enumerate(row.tolist())
            ]
            for row in X
        ]
    return [[f"step {i}" for i in range(width)]] * rows


def _per_unit(attributions: torch.Tensor, modality: str) -> torch.Tensor:
    a = attributions.detach()
    if modality == "image":
        return a.sum(dim=1).flatten(1)
    if a.dim() == 3:  # (n, steps or tokens, channels or embedding)
        return a.sum(dim=2)
    return a.flatten(1)


def examples_table(
    subject: Subject, m: Measured, *, method: str, epsilon: float, steps: int, ig_steps: int = 32
) -> Table | None:
    """Up to three rows the attack flips, with the features whose attribution moved most.

    ``epsilon`` is in std units of the attacked values (as in ``Measured``). ``None`` when
    no audited row flips.
    """
    from captum.attr import IntegratedGradients

    from audit._predict import GRADIENT_VALUES, rows_per_batch

    flipped = np.flatnonzero(m.attacked[(method, epsilon)] != m.clean)[:EXAMPLES]
    if len(flipped) == 0:
        return None
    X = subject.X_test[m.rows[flipped]]
    space = attack_space(subject, X, Scales(std=torch.tensor(1.0)))
    if space is None:
        return None
    forward, Xa, _ = space
    lower, upper = m.bounds
    before = torch.as_tensor(m.clean[flipped])
    adv = adversarial(
        forward,
        Xa,
        torch.as_tensor(m.y[flipped]),
        method=method,
        epsilon=epsilon * m.std,
        steps=steps,
        lower=lower,
        upper=upper,
    )
    with torch.no_grad():
        after = forward(adv).argmax(dim=1)
    ig = IntegratedGradients(forward)
    with torch.enable_grad():
        # internal batches bounded by input size: a few large images per backward pass
        inner = rows_per_batch(Xa, len(Xa) * ig_steps, values=GRADIENT_VALUES)
        inner = None if inner >= len(Xa) * ig_steps else inner
        clean_attr = _per_unit(
            ig.attribute(Xa, target=before, n_steps=ig_steps, internal_batch_size=inner),
            subject.modality,
        )
        adv_attr = _per_unit(
            ig.attribute(adv, target=after, n_steps=ig_steps, internal_batch_size=inner),
            subject.modality,
        )
    clean_val, adv_val = _per_unit(Xa, subject.modality), _per_unit(adv, subject.modality)
    names = unit_names(subject, X, clean_attr.shape[1])
    classes = subject.class_names
    rows = []
    for k, row in enumerate(flipped):
        moved = (adv_attr[k] - clean_attr[k]).abs()
        for u in moved.argsort(descending=True)[:FEATURES].tolist():
            rows.append(
                [
                    int(m.rows[row]),
                    f"{classes[int(before[k])]} → {classes[int(after[k])]}",
                    names[k][u],
                    float(clean_val[k, u]),
                    float(adv_val[k, u]),
                    float(clean_attr[k, u]),
                    float(adv_attr[k, u]),
                ]
            )
    where = "embedding values summed" if m.space == "embeddings" else "values"
    return Table(
        "adversarial_examples",
        f"Adversarial examples and their attributions ({attack_label(method)}, ε = {epsilon:g})",
        [
            "test row",
            "prediction",
            "feature",
            "clean",
            "attacked",
            "attribution (clean)",
            "attribution (attacked)",
        ],
        rows,
        caption=f"For {len(flipped)} flipped rows, the {FEATURES} features whose Integrated "
        f"Gradients attribution (captum, {ig_steps} steps, zero baseline) moved most, with "
        f"their {where} before and after the attack; each prediction is explained.",
    )

