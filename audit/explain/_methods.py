"""Attribution methods: one registry entry each, one call shape, built on captum and shap.

Every method is ``explain(ctx, X, target) -> Explanation`` on one batch of rows, where
``ctx`` holds the model, the baseline and the settings. Nothing here re-implements
what captum or shap computes; the wrappers choose options, batch and validate.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import torch
from torch import nn

from audit._predict import BATCH_VALUES, GRADIENT_VALUES, rows_per_batch
from audit.settings import ExplainSettings

__all__ = [
    "METHODS",
    "ExplainContext",
    "Explanation",
    "MethodSpec",
    "baseline_for",
    "methods_for",
]

Kind = Literal["gradient", "perturbation", "shap", "layer"]


@dataclass
class ExplainContext:
    """What every method needs: the model in eval mode, baselines and settings.

    ``baseline`` is one row shaped like an input row (the training mean, zeros, or
    padding tokens for text); ``background`` a few training rows (SHAP, GradientShap).
    ``model`` returns the outputs explained, ``(rows, classes)``: the subject's class
    logits, or for a one-logit model ``z`` its log-odds ``(-z, z)``
    (:func:`audit._outputs.explained`), whose probabilities are
    ``softmax(outputs / temperature)`` (temperature 2; else 1).
    """

    model: nn.Module
    baseline: torch.Tensor
    background: torch.Tensor
    settings: ExplainSettings
    modality: str
    hints: dict[str, Any] = field(default_factory=dict)
    seed: int = 0
    temperature: float = 1.0


@dataclass
class Explanation:
    """Attributions of one batch, shaped like its inputs (token-level for text)."""

    attributions: np.ndarray
    delta: np.ndarray | None = None  # IG completeness gap per row, in output units
    steps: int | None = None
    notes: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        # captum can return strided views (e.g. Saliency through nn.LSTM); keep plain arrays
        self.attributions = np.ascontiguousarray(self.attributions)


@dataclass(frozen=True)
class MethodSpec:
    """A registered attribution method and the modalities it applies to."""

    name: str
    label: str
    kind: Kind
    modalities: tuple[str, ...]
    explain: Callable[[ExplainContext, torch.Tensor, torch.Tensor], Explanation]
    library: str = "captum"


def _rows(ctx: ExplainContext, n: int) -> torch.Tensor:
    return ctx.baseline.unsqueeze(0).expand(n, *ctx.baseline.shape)


def baseline_for(ctx: ExplainContext, X: torch.Tensor) -> torch.Tensor:
    """The baseline of each row of ``X``.

    For text, each word token becomes the reference token (``[UNK]``) while padding,
    ``[CLS]`` and the other special ids (``special_ids``: ``[SEP]``, end-of-text) stay:
    the attention mask is the same for input and baseline, so the completeness of
    Integrated Gradients holds, and only words are attributed. Otherwise the one
    baseline row, repeated.

    Examples
    --------
    >>> ctx = ExplainContext(nn.Identity(), torch.zeros(5), torch.zeros(1, 5), None, "text",
    ...                      {"pad_id": 0, "cls_id": 1, "unk_id": 2, "special_ids": [3]})
    >>> baseline_for(ctx, torch.tensor([[1, 7, 8, 3, 0]])).tolist()
    [[1, 2, 2, 3, 0]]
    """
    if ctx.modality != "text":
        return _rows(ctx, len(X))
    pad = int(ctx.hints.get("pad_id") or 0)
    keep = X == pad
    if ctx.hints.get("cls_id") is not None:
        keep |= X == int(ctx.hints["cls_id"])
    if ctx.hints.get("special_ids"):
        keep |= torch.isin(X, torch.as_tensor(ctx.hints["special_ids"], dtype=X.dtype))
    return torch.where(keep, X, torch.full_like(X, int(ctx.hints.get("unk_id", pad))))


def gradient_batch(X: torch.Tensor, rows: int) -> int:
    """``rows``, lowered so that a batch of gradient passes over ``X``'s rows stays
    within :data:`audit._predict.GRADIENT_VALUES` input values."""
    return rows_per_batch(X, rows, values=GRADIENT_VALUES)


def _until_complete(ctx: ExplainContext, X: torch.Tensor, target: torch.Tensor, method: Any):
    """Run a path method with more steps until its completeness gap is small enough.

    The gap |Σ attributions − (f(x) − f(baseline))| relative to |f(x) − f(baseline)|
    is checked on the batch; steps double from ``ig_steps`` up to ``ig_max_steps``.
    Returns ``(attributions, |delta|, steps, notes)``.
    """
    s = ctx.settings
    steps, notes = s.ig_steps, []
    baseline = baseline_for(ctx, X)
    with torch.no_grad():
        out_x = ctx.model(X).gather(1, target[:, None])[:, 0]
        out_b = ctx.model(baseline).gather(1, target[:, None])[:, 0]
    scale = (out_x - out_b).abs().clamp_min(1e-6)
    while True:
        attr, delta = method.attribute(
            X,
            baselines=baseline,
            target=target,
            n_steps=steps,
            internal_batch_size=gradient_batch(X, s.batch_size * 8),
            return_convergence_delta=True,
        )
        relative = float((delta.abs() / scale).mean())
        if relative <= s.ig_tolerance or steps >= s.ig_max_steps:
            break
        steps = min(steps * 2, s.ig_max_steps)
    if relative > s.ig_tolerance:
        notes.append(f"completeness gap {relative:.3f} above {s.ig_tolerance} at {steps} steps")
    return attr.detach(), delta.detach().abs().numpy(), steps, notes


def integrated_gradients(ctx: ExplainContext, X: torch.Tensor, target: torch.Tensor) -> Explanation:
    """Integrated Gradients, with more steps until the completeness gap is small enough."""
    from captum.attr import IntegratedGradients

    attr, delta, steps, notes = _until_complete(ctx, X, target, IntegratedGradients(ctx.model))
    return Explanation(attr.numpy(), delta=delta, steps=steps, notes=notes)


def saliency(ctx: ExplainContext, X: torch.Tensor, target: torch.Tensor) -> Explanation:
    """Absolute input gradients (captum ``Saliency``)."""
    from captum.attr import Saliency

    return Explanation(Saliency(ctx.model).attribute(X, target=target, abs=True).detach().numpy())


def deeplift(ctx: ExplainContext, X: torch.Tensor, target: torch.Tensor) -> Explanation:
    """DeepLift against the baseline row (captum ``DeepLift``)."""
    from captum.attr import DeepLift

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # captum warns about setting eval hooks
        attr = DeepLift(ctx.model).attribute(X, baselines=baseline_for(ctx, X), target=target)
    return Explanation(attr.detach().numpy())


def gradient_shap(ctx: ExplainContext, X: torch.Tensor, target: torch.Tensor) -> Explanation:
    """GradientShap with the background rows as the baseline distribution."""
    from captum.attr import GradientShap

    seed = ctx.seed
    state = np.random.get_state()  # captum draws the baselines with numpy's global RNG
    try:
        np.random.seed(seed)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            # 16 samples a row in one backward pass: large inputs go a few rows at a time
            rows = max(1, gradient_batch(X, 16 * len(X)) // 16)
            attr = torch.cat(
                [
                    GradientShap(ctx.model).attribute(
                        X[i : i + rows],
                        baselines=ctx.background,
                        n_samples=16,
                        stdevs=0.0,
                        target=target[i : i + rows],
                    )
                    for i in range(0, len(X), rows)
                ]
            )
    finally:
        np.random.set_state(state)
    return Explanation(attr.detach().numpy())


def feature_ablation(ctx: ExplainContext, X: torch.Tensor, target: torch.Tensor) -> Explanation:
    """Replace each feature (or feature group, via ``feature_mask``) by the baseline."""
    from captum.attr import FeatureAblation

    mask = ctx.hints.get("feature_mask")
    attr = FeatureAblation(ctx.model).attribute(
        X,
        baselines=baseline_for(ctx, X),
        target=target,
        feature_mask=mask,
        perturbations_per_eval=16,
    )
    return Explanation(attr.detach().numpy())


def occlusion(ctx: ExplainContext, X: torch.Tensor, target: torch.Tensor) -> Explanation:
    """Slide a window of baseline values over the input.

    Images: square-ish patches of an eighth of each side (at least 2 pixels) with a stride
    of half the patch (2×2 with stride 1 on 8×8 digits: 49 windows; 4×5 with stride 2 on
    32×40: 270; 28×28 with stride 14 on 224×224: 225), so the model runs a few hundred
    times per row at most, whatever the resolution. Sequences: 3 steps.
    """
    from captum.attr import Occlusion

    if ctx.modality == "image":
        h, w = max(2, X.shape[2] // 8), max(2, X.shape[3] // 8)
        window, strides = (X.shape[1], h, w), (X.shape[1], max(1, h // 2), max(1, w // 2))
    else:  # sequence: (time, channels)
        window, strides = (3, X.shape[2]), (1, X.shape[2])
    attr = Occlusion(ctx.model).attribute(
        X,
        sliding_window_shapes=window,
        strides=strides,
        baselines=baseline_for(ctx, X),
        target=target,
        # at most BATCH_VALUES input values a forward pass (a few windows of large images)
        perturbations_per_eval=max(1, min(32, BATCH_VALUES // max(1, X.numel()))),
    )
    return Explanation(attr.detach().numpy())


def gradcam(ctx: ExplainContext, X: torch.Tensor, target: torch.Tensor) -> Explanation:
    """LayerGradCam on the last convolutional block, upsampled to the input size."""
    from captum.attr import LayerAttribution, LayerGradCam

    layer = ctx.hints["gradcam_layer"]
    cam = LayerGradCam(ctx.model, layer).attribute(X, target=target, relu_attributions=True)
    up = LayerAttribution.interpolate(cam, tuple(X.shape[2:]), interpolate_mode="bilinear")
    return Explanation(up.expand_as(X).detach().numpy())


def hirescam(ctx: ExplainContext, X: torch.Tensor, target: torch.Tensor) -> Explanation:
    """HiResCAM on GradCAM's layer, upsampled to the input size.

    HiResCAM (Draelos & Carin 2020) multiplies the layer's gradient and activation
    element by element, then sums over channels (captum ``LayerGradientXActivation``
    summed over dimension 1); GradCAM instead weights each channel by its gradient
    averaged over the map, which blurs where the evidence lies. Like GradCAM, the
    positive part is kept and upsampled bilinearly
    (``LayerAttribution.interpolate``).

    Examples
    --------
    >>> net = nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), nn.ReLU(), nn.Flatten(),
    ...                     nn.Linear(32, 2))
    >>> ctx = ExplainContext(net, torch.zeros(1, 4, 4), torch.zeros(1, 1, 4, 4), None,
    ...                      "image", {"gradcam_layer": net[1]})
    >>> hirescam(ctx, torch.rand(3, 1, 4, 4), torch.tensor([0, 1, 0])).attributions.shape
    (3, 1, 4, 4)
    """
    from captum.attr import LayerAttribution, LayerGradientXActivation

    layer = ctx.hints["gradcam_layer"]
    product = LayerGradientXActivation(ctx.model, layer).attribute(X, target=target)
    cam = torch.relu(product.sum(dim=1, keepdim=True))
    up = LayerAttribution.interpolate(cam, tuple(X.shape[2:]), interpolate_mode="bilinear")
    return Explanation(up.expand_as(X).detach().numpy())


def layer_integrated_gradients(
    ctx: ExplainContext, X: torch.Tensor, target: torch.Tensor
) -> Explanation:
    """LayerIntegratedGradients on the embedding layer, summed over the embedding; more
    steps until the completeness gap is small enough, as for Integrated Gradients."""
    from captum.attr import LayerIntegratedGradients

    method = LayerIntegratedGradients(ctx.model, ctx.hints["embedding_layer"])
    attr, delta, steps, notes = _until_complete(ctx, X, target, method)
    return Explanation(attr.sum(dim=-1).numpy(), delta=delta, steps=steps, notes=notes)


def is_differentiable(model: nn.Module, row: torch.Tensor) -> bool:
    """Whether the model's output carries a gradient back to a float input row."""
    if not row.is_floating_point():
        return True  # token ids: gradients flow from the embedding layer
    x = row.detach().clone().unsqueeze(0).requires_grad_(True)
    with torch.enable_grad():
        try:
            out = model(x)
        except RuntimeError:
            return False
    return isinstance(out, torch.Tensor) and out.requires_grad


from audit.explain._shap import kernel_shap, shap_values  # noqa: E402

METHODS: dict[str, MethodSpec] = {
    spec.name: spec
    for spec in (
        MethodSpec(
            "integrated_gradients",
            "Integrated Gradients",
            "gradient",
            ("tabular", "image", "sequence"),
            integrated_gradients,
        ),
        MethodSpec("saliency", "Saliency", "gradient", ("tabular", "image", "sequence"), saliency),
        MethodSpec("deeplift", "DeepLift", "gradient", ("tabular",), deeplift),
        MethodSpec(
            "gradient_shap", "GradientShap", "gradient", ("tabular", "image"), gradient_shap
        ),
        MethodSpec(
            "feature_ablation", "Feature ablation", "perturbation", ("tabular",), feature_ablation
        ),
        MethodSpec("shap", "SHAP", "shap", ("tabular",), shap_values, library="shap"),
        MethodSpec("kernel_shap", "Kernel SHAP", "shap", ("tabular",), kernel_shap, library="shap"),
        MethodSpec("occlusion", "Occlusion", "perturbation", ("image", "sequence"), occlusion),
        MethodSpec("gradcam", "GradCAM", "layer", ("image",), gradcam),
        MethodSpec("hirescam", "HiResCAM", "layer", ("image",), hirescam),
        MethodSpec(
            "layer_integrated_gradients",
            "Layer Integrated Gradients",
            "layer",
            ("text",),
            layer_integrated_gradients,
        ),
    )
}


#: Methods that work on a plain predict function; those used only in that case.
NO_GRADIENT = ("feature_ablation", "kernel_shap", "occlusion")
NO_GRADIENT_ONLY = ("kernel_shap",)


def methods_for(
    modality: str, names: list[str] | None = None, *, differentiable: bool = True
) -> list[MethodSpec]:
    """The registered methods for ``modality`` (the defaults, or those named, in that order).

    For a model without gradients the defaults are the perturbation methods and
    KernelExplainer; naming a gradient method for such a model is an error.
    """
    from audit.errors import bad_input

    available = [m for m in METHODS.values() if modality in m.modalities]
    if names is None:  # by default: every method that needs gradients, or none of them
        if differentiable:
            return [m for m in available if m.name not in NO_GRADIENT_ONLY]
        return [m for m in available if m.name in NO_GRADIENT]
    known = {m.name: m for m in available}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise bad_input(
            "explainability.methods",
            f"names from {sorted(known)} for {modality} data",
            f"{unknown}",
        )
    chosen = [known[n] for n in names]
    needs = [m.name for m in chosen if m.name not in NO_GRADIENT]
    if not differentiable and needs:
        raise bad_input(
            "explainability.methods",
            f"methods without gradients ({', '.join(NO_GRADIENT)}) for this model",
            f"{needs}",
        )
    return chosen
