"""Deletion and insertion against many random orders, batched into few forward passes.

A method's order of the input elements (most important first) is faithful when
deleting its top elements lowers the probability of the explained class faster
than deleting them in a random order (and inserting them raises it faster). One
random order says little: its area has a spread as large as the gains. So the
method's area is compared with ``R`` random orders (:attr:`ExplainSettings.random_orders`,
30 by default) and summarised as a permutation p-value,

    p = (1 + #{random orders at least as good}) / (R + 1),

which is valid (never too small) when the method's order is no better than random.
Every order of every method and all random orders go through the model in one
batched tensor op (chunked by size), the curves' end points once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from audit.explain._methods import ExplainContext, baseline_for
from audit.results import Table

__all__ = [
    "Curves",
    "OrderCurves",
    "curves_table",
    "method_curves",
    "order_curves",
    "p_value",
    "positions",
    "random_positions",
]

#: input elements built at once (orders × steps × rows × input size), to bound memory
CHUNK_ELEMENTS = 1 << 22
#: rows per forward pass: small batches stay in cache and run faster on CPU
BATCH_ROWS = 512


def positions(scores: np.ndarray) -> np.ndarray:
    """Per row, each element's rank (0 = most important) by descending score.

    Examples
    --------
    >>> positions(np.array([[0.1, 0.9, 0.5]])).tolist()
    [[2, 0, 1]]
    """
    order = np.argsort(-scores, axis=-1, kind="stable")
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.arange(scores.shape[-1]), axis=-1)
    return ranks


def random_positions(orders: int, rows: int, size: int, *, seed: int) -> np.ndarray:
    """``(orders, rows, size)`` seeded random ranks: a fresh random order per row and order."""
    return positions(np.random.default_rng(seed).random((orders, rows, size)))


def p_value(method_auc: float, random_aucs: np.ndarray, *, higher_is_better: bool) -> float:
    """Share of random orders at least as good as the method's, with the +1 correction.

    Examples
    --------
    >>> p_value(0.2, np.array([0.1, 0.3, 0.4, 0.5]), higher_is_better=False)
    0.4
    """
    at_least = random_aucs >= method_auc if higher_is_better else random_aucs <= method_auc
    return float((1 + np.count_nonzero(at_least)) / (len(random_aucs) + 1))


@dataclass
class OrderCurves:
    """Per order and row, the explained class's probability along deletion and insertion.

    ``deletion`` and ``insertion`` have shape ``(orders, steps + 1, rows)``.
    """

    fractions: np.ndarray
    deletion: np.ndarray
    insertion: np.ndarray

    def aucs(self, curves: np.ndarray | None = None) -> np.ndarray:
        """Area under each order's curve, per row, as ``(orders, rows)`` (deletion by default)."""
        return np.trapezoid(self.deletion if curves is None else curves, self.fractions, axis=1)


def _probabilities(
    ctx: ExplainContext, inputs: torch.Tensor, classes: torch.Tensor
) -> torch.Tensor:
    """Probabilities of ``classes`` (``(rows, c)``) for each row: ``(rows, c)``.

    ``softmax(outputs / ctx.temperature)``: the explained outputs of a one-logit model are
    its log-odds ``(-z, z)``, twice its class logits.
    """
    with torch.no_grad():
        outputs = ctx.model(inputs)
        if ctx.temperature != 1.0:
            outputs = outputs / ctx.temperature
        return torch.softmax(outputs, 1).gather(1, classes)


def order_curves(
    ctx: ExplainContext,
    X: torch.Tensor,
    target: torch.Tensor,
    ranks: np.ndarray,
    steps: int,
    index: np.ndarray | None = None,
) -> OrderCurves:
    """Deletion and insertion curves of every order in ``ranks`` (``(orders, rows, units)``).

    A unit is an input element, or with ``index`` (the unit of each element, e.g.
    the original feature of each encoded column) a group of elements. At fraction
    ``f`` the ``round(f · units)`` top-ranked units of each row take the baseline's
    value (deletion) or keep the input's while the rest take the baseline's
    (insertion). The end points (the input, the baseline) are the same for every
    order and computed once; the inner points of all orders are stacked into one batch.
    """
    n = len(X)
    flat_x = X.reshape(n, -1)
    flat_b = baseline_for(ctx, X).reshape(n, -1)
    size = flat_x.shape[1] if index is None else int(index.max()) + 1
    if ranks.shape[1:] != (n, size):
        raise ValueError("ranks must be (orders, rows, units)")
    if index is not None:  # the rank of each element is its unit's
        ranks = ranks[:, :, np.asarray(index)]
    fractions = np.linspace(0.0, 1.0, steps + 1)
    counts = np.array([round(f * size) for f in fractions])
    classes = target[:, None]
    ends = _probabilities(ctx, torch.cat([X, baseline_for(ctx, X)]), classes.repeat(2, 1))
    p_x, p_b = ends[:n].numpy(), ends[n:].numpy()
    orders = ranks.shape[0]
    inner = counts[1:-1]
    curves = np.empty((orders, steps + 1, 2, n, classes.shape[1]), dtype=np.float64)
    curves[:, 0, 0], curves[:, -1, 0] = p_x, p_b  # deletion: from the input to the baseline
    curves[:, 0, 1], curves[:, -1, 1] = p_b, p_x  # insertion: the other way
    if len(inner):
        per_order = 2 * len(inner) * n * flat_x.shape[1]
        chunk = max(1, CHUNK_ELEMENTS // per_order)
        rank_t = torch.as_tensor(ranks)
        for start in range(0, orders, chunk):
            block = rank_t[start : start + chunk]  # (o, n, size)
            top = block[:, None] < torch.as_tensor(inner)[None, :, None, None]  # (o, s, n, size)
            batch = torch.stack(
                [torch.where(top, flat_b, flat_x), torch.where(top, flat_x, flat_b)], 2
            ).reshape(-1, *X.shape[1:])
            step = max(1, BATCH_ROWS // n) * n  # whole copies of the rows: classes line up
            repeated = classes.repeat(step // n, 1)
            probs = torch.cat(
                [
                    _probabilities(ctx, batch[i : i + step], repeated[: len(batch) - i])
                    for i in range(0, len(batch), step)
                ]
            )
            curves[start : start + len(block), 1:-1] = probs.reshape(
                len(block), len(inner), 2, n, classes.shape[1]
            ).numpy()
    return OrderCurves(fractions, curves[:, :, 0, :, 0], curves[:, :, 1, :, 0])


@dataclass
class Curves:
    """Mean explained-class probability as a method's top units are deleted or inserted.

    ``random_deletion`` / ``random_insertion`` are the mean curves over the random
    orders; ``random_deletion_aucs`` / ``random_insertion_aucs`` the area of each
    random order (mean over the same rows), the reference distribution of the
    p-values.
    """

    fractions: np.ndarray
    deletion: np.ndarray
    insertion: np.ndarray
    random_deletion: np.ndarray
    random_insertion: np.ndarray
    random_deletion_aucs: np.ndarray = field(default_factory=lambda: np.zeros(0))
    random_insertion_aucs: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @staticmethod
    def auc(curve: np.ndarray, fractions: np.ndarray) -> float:
        return float(np.trapezoid(curve, fractions))

    @property
    def deletion_gain(self) -> float:
        """How much faster the probability falls than with the mean random order."""
        return self.auc(self.random_deletion, self.fractions) - self.auc(
            self.deletion, self.fractions
        )

    @property
    def insertion_gain(self) -> float:
        return self.auc(self.insertion, self.fractions) - self.auc(
            self.random_insertion, self.fractions
        )

    @property
    def deletion_p_value(self) -> float:
        """Share of random orders whose deletion area is at most the method's (+1 corrected)."""
        method = self.auc(self.deletion, self.fractions)
        return p_value(method, self.random_deletion_aucs, higher_is_better=False)

    @property
    def insertion_p_value(self) -> float:
        method = self.auc(self.insertion, self.fractions)
        return p_value(method, self.random_insertion_aucs, higher_is_better=True)


def method_curves(
    ctx: ExplainContext,
    X: torch.Tensor,
    target: torch.Tensor,
    scores: dict[str, np.ndarray],
    *,
    steps: int,
    orders: int,
    seed: int,
    index: np.ndarray | None = None,
) -> dict[str, Curves]:
    """Deletion/insertion :class:`Curves` of each method's order against random orders.

    ``scores`` rank the units of each row, highest first: signed attributions put
    the evidence *for* the explained class first (most relevant first, as in Samek
    et al. 2017), so a feature that speaks against the class is deleted last;
    unsigned maps (Saliency, GradCAM) rank by size. With ``index`` the units are
    groups of elements (see :func:`order_curves`). The methods' orders and
    ``orders`` seeded random orders share one batched pass.
    """
    n = len(X)
    size = int(np.prod(X.shape[1:])) if index is None else int(index.max()) + 1
    names = list(scores)
    stacked = [np.asarray(scores[m], dtype=np.float64).reshape(n, -1) for m in names]
    if any(s.shape[1] != size for s in stacked):  # token attributions of ids: same layout
        raise ValueError("scores must have one value per input element (or unit)")
    ranks = np.concatenate(
        [positions(np.stack(stacked)), random_positions(orders, n, size, seed=seed)]
    )
    curves = order_curves(ctx, X, target, ranks, steps, index)
    k = len(names)
    mean_del, mean_ins = curves.deletion.mean(2), curves.insertion.mean(2)
    random_del = curves.aucs()[k:].mean(1)
    random_ins = curves.aucs(curves.insertion)[k:].mean(1)
    return {
        m: Curves(
            curves.fractions,
            mean_del[i],
            mean_ins[i],
            mean_del[k:].mean(0),
            mean_ins[k:].mean(0),
            random_del,
            random_ins,
        )
        for i, m in enumerate(names)
    }


def curves_table(run: Any) -> Table:
    """The deletion and insertion curves of every method, with the mean random-order ones.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> line = np.array([1.0, 0.5])
    >>> run = SimpleNamespace(curves={"saliency": Curves(np.array([0.0, 1.0]), *[line] * 4)})
    >>> curves_table(run).rows[1]
    ['saliency', 1.0, 0.5, 0.5, 0.5, 0.5]
    """
    rows = []
    for name, curves in run.curves.items():
        for i, fraction in enumerate(curves.fractions):
            rows.append(
                [
                    name,
                    float(fraction),
                    float(curves.deletion[i]),
                    float(curves.random_deletion[i]),
                    float(curves.insertion[i]),
                    float(curves.random_insertion[i]),
                ]
            )
    return Table(
        id="curves",
        title="Deletion and insertion curves (mean probability of the explained class; "
        "random: the mean over the random orders)",
        columns=[
            "method",
            "fraction",
            "deletion",
            "random deletion",
            "insertion",
            "random insertion",
        ],
        rows=rows,
    )
