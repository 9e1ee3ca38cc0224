"""SHAP through shap's explainers: DeepExplainer (checked, with a fallback) and KernelExplainer."""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

import numpy as np
import torch
from torch import nn

if TYPE_CHECKING:
    from audit.explain._methods import ExplainContext, Explanation

__all__ = ["kernel_shap", "shap_values"]


def shap_values(ctx: ExplainContext, X: torch.Tensor, target: torch.Tensor) -> Explanation:
    """SHAP: DeepExplainer when its additivity holds on the batch, else GradientExplainer.

    DeepExplainer explains one output per row, the explained class's (rows grouped
    by class), not every class's.
    """
    import shap

    from audit.explain._methods import Explanation

    notes = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        background = ctx.background[: ctx.settings.shap_background]  # shap loops per row
        with torch.no_grad():
            outputs = ctx.model(X).numpy()
        values, expected = np.zeros(X.shape), np.zeros(len(X))
        before = _hook_names(ctx.model)
        for c in np.unique(target.numpy()):  # one output per row: that of its explained class
            rows = np.flatnonzero(target.numpy() == c)
            explainer = shap.DeepExplainer(_ClassOutput(ctx.model, int(c)), background)
            found = np.asarray(explainer.shap_values(X[rows], check_additivity=False))
            values[rows] = found.reshape(len(rows), *X.shape[1:])
            expected[rows] = float(np.ravel(explainer.expected_value)[0])
        _forget_hook_values(ctx.model, keep=before)
        gap = np.abs(
            values.reshape(len(X), -1).sum(1)
            + expected
            - outputs[np.arange(len(X)), target.numpy()]
        )
        if gap.max() > 1e-3 * max(1.0, np.abs(outputs).max()):
            notes.append(f"DeepExplainer additivity gap {gap.max():.2g}: used GradientExplainer")
            explainer = shap.GradientExplainer(ctx.model, background)
            values = _pick_target(np.asarray(explainer.shap_values(X)), target.numpy(), X.ndim)
        else:
            # the order of magnitude, so that the batches of one run share one note
            bound = 10.0 ** np.ceil(np.log10(max(float(gap.max()), 1e-12)))
            notes.append(f"DeepExplainer, additivity gap below {bound:.0e}")
    return Explanation(values.astype(np.float32), notes=notes)


class _ClassOutput(nn.Module):
    """The model's output for one class only, as a one-output model for shap."""

    def __init__(self, model: nn.Module, c: int):
        super().__init__()
        self.model, self.c = model, c

    def forward(self, *inputs):
        return self.model(*inputs)[:, self.c : self.c + 1]


def _hook_names(model: nn.Module) -> set[tuple[str, str]]:
    """The ``x`` and ``y`` attributes the model's layers hold before shap runs (the
    user's own, kept)."""
    return {
        (path, name)
        for path, module in model.named_modules()
        for name in ("x", "y")
        if name in module._parameters or name in module.__dict__
    }


def _forget_hook_values(model: nn.Module, *, keep: set[tuple[str, str]]) -> None:
    """Drop the tensors shap's forward hooks leave on layers (it only clears containers).

    shap stores them as ``nn.Parameter`` (registered parameters ``x`` and ``y``): left
    there, they would change the model's state for every later step. Attributes the
    layers held before shap ran (``keep``) stay.
    """
    for path, module in model.named_modules():
        for name in ("x", "y"):
            if (path, name) in keep:
                continue
            if name in module._parameters or isinstance(module.__dict__.get(name), torch.Tensor):
                delattr(module, name)


def kernel_shap(ctx: ExplainContext, X: torch.Tensor, target: torch.Tensor) -> Explanation:
    """shap's KernelExplainer on the model as a plain predict function (no gradients).

    The background is summarised with ``shap.kmeans`` to 10 centres, as shap advises;
    its cost grows with background size times rows.
    """
    import shap

    from audit.explain._methods import Explanation

    def predict(values: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            return ctx.model(torch.as_tensor(values, dtype=X.dtype)).numpy()

    background = shap.kmeans(ctx.background.numpy(), min(10, len(ctx.background)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        explainer = shap.KernelExplainer(predict, background)
        values = np.asarray(
            explainer.shap_values(X.numpy(), nsamples=2 * X.shape[1] + 64, silent=True)
        )
    return Explanation(
        _pick_target(values, target.numpy(), X.ndim).astype(np.float32),
        notes=["KernelExplainer on a model without gradients"],
    )


def _pick_target(values: np.ndarray, target: np.ndarray, ndim: int) -> np.ndarray:
    """shap returns (rows, ..., classes) or a list per class: keep each row's target class."""
    if values.ndim == ndim + 1 and values.shape[0] != len(target):  # (classes, rows, ...)
        values = np.moveaxis(values, 0, -1)
    return np.take_along_axis(values, target.reshape(-1, *([1] * (values.ndim - 1))), axis=-1)[
        ..., 0
    ]
