"""Class probabilities of a model's outputs, batch by batch, every batch checked."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from audit._subject_inputs import batch_error, check_batch_output, check_finite_outputs
from audit.errors import AuditInputError

__all__ = ["BATCH_VALUES", "GRADIENT_VALUES", "predict_proba", "rows_per_batch"]

#: Input values one prediction batch holds at most (64 MiB of float32): a batch of
#: 4,096 images of 224×224×3 would hold 2.3 GiB of input and several times that in a
#: network's first activations, so wide inputs are predicted in smaller batches.
BATCH_VALUES = 1 << 24
#: The same for a batch of gradient passes (16 MiB of float32): the activations saved
#: for the backward pass are many times the input (27 images of 224×224×3).
GRADIENT_VALUES = 1 << 22


def rows_per_batch(X: torch.Tensor, batch_size: int, *, values: int = BATCH_VALUES) -> int:
    """``batch_size``, lowered so that a batch of ``X``'s rows holds at most ``values``
    input values (at least 1 row).

    Examples
    --------
    >>> rows_per_batch(torch.zeros(10, 3, 224, 224), 4096)
    111
    >>> rows_per_batch(torch.zeros(10, 20), 4096)
    4096
    >>> rows_per_batch(torch.zeros(2, 3, 224, 224), 512, values=GRADIENT_VALUES)
    27
    """
    per_row = max(1, int(X[0].numel())) if X.shape[0] else 1
    return max(1, min(batch_size, values // per_row))


def predict_proba(
    model: nn.Module,
    X: torch.Tensor,
    *,
    batch_size: int = 4096,
    binary_logit: bool = False,
    n_classes: int | None = None,
    split: str | None = None,
    log: bool = False,
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """Return softmax (or sigmoid, for one binary logit) probabilities, in batches.

    Every batch's output is checked as it comes: a tensor of shape ``(batch,
    n_classes)`` (``n_classes`` default: the first batch's), or ``(batch,)`` /
    ``(batch, 1)`` with ``binary_logit``; the probabilities are then checked for NaN
    in one vectorised pass.

    Parameters
    ----------
    model : torch.nn.Module
    X : torch.Tensor
        Rows first.
    batch_size : int
        Rows per batch, lowered for wide rows (:func:`rows_per_batch`).
    binary_logit : bool
        The model returns one logit per row.
    n_classes : int, optional
        The number of outputs the model must give for every batch.
    split : str, optional
        The split's name, for error messages.
    log : bool
        Also return the log-probabilities, computed in float64 from the logits (stable
        where a probability rounds to 0 or 1), from the same forward passes.

    Returns
    -------
    numpy.ndarray, or (numpy.ndarray, numpy.ndarray) with ``log``
        float64 of shape ``(rows, classes)``.

    Raises
    ------
    AuditInputError
        One line naming the batch or rows: when the model raises on a batch
        (``... got RuntimeError: ... for a batch of 64 rows (rows 0..63).``), returns
        another shape (``model: expected outputs of shape (batch, 2) for every batch,
        got (64, 3) for a batch of 64 rows.``) or gives NaN (``model: expected finite
        outputs, got NaN for 3 of 200 test rows (first: row 17).``).

    Examples
    --------
    >>> predict_proba(torch.nn.Linear(3, 2), torch.zeros(5, 3), batch_size=2).shape
    (5, 2)
    """
    batch_size = rows_per_batch(X, batch_size)
    was_training = model.training
    model.eval()
    outputs, logs = [], []
    classes = 2 if binary_logit else n_classes
    try:
        with torch.inference_mode():
            for start in range(0, X.shape[0], batch_size):
                batch = X[start : start + batch_size]
                try:
                    logits = model(batch)
                except AuditInputError:  # an output adapter's check: already named
                    raise
                except Exception as error:  # the user's model may raise anything
                    raise batch_error(error, start, start + batch.shape[0]) from error
                classes = check_batch_output(
                    logits, rows=batch.shape[0], classes=classes, binary_logit=binary_logit
                )
                if binary_logit:
                    p = torch.sigmoid(logits.reshape(-1))
                    outputs.append(torch.stack([1 - p, p], dim=1))
                else:
                    outputs.append(torch.softmax(logits, dim=1))
                if log:
                    z = logits.to(torch.float64)
                    if binary_logit:
                        z = z.reshape(-1, 1) * torch.tensor([-0.5, 0.5], dtype=torch.float64)
                    logs.append(torch.log_softmax(z, dim=1))
    finally:
        model.train(was_training)
    if not outputs:
        empty = np.zeros((0, classes or 2))
        return (empty, empty.copy()) if log else empty
    proba = torch.cat(outputs).to(torch.float64).numpy()
    check_finite_outputs(proba, split=split)
    return (proba, torch.cat(logs).numpy()) if log else proba
