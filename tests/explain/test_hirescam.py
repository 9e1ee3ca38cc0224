"""HiResCAM: captum's gradient × activation at GradCAM's layer, summed over channels."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from audit.explain._methods import METHODS, ExplainContext, gradcam, hirescam, methods_for

captum = pytest.importorskip("captum")


def _context(model: nn.Module, layer: nn.Module, shape: tuple[int, ...]) -> ExplainContext:
    return ExplainContext(
        model, torch.zeros(shape), torch.zeros(1, *shape), None, "image", {"gradcam_layer": layer}
    )


def _flat_cnn() -> nn.Sequential:
    """A CNN whose head reads every position (its gradients vary over the map)."""
    torch.manual_seed(0)
    return nn.Sequential(
        nn.Conv2d(2, 4, 3, padding=1),
        nn.ReLU(),
        nn.Conv2d(4, 3, 3, stride=2, padding=1),
        nn.ReLU(),
        nn.Flatten(),
        nn.Linear(3 * 4 * 5, 3),
    ).eval()


def _pooled_cnn() -> nn.Sequential:
    """A CNN with global average pooling and one Linear head after the mapped layer."""
    torch.manual_seed(1)
    return nn.Sequential(
        nn.Conv2d(2, 4, 3, stride=2, padding=1),
        nn.ReLU(),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(4, 3),
    ).eval()


def test_hirescam_is_captums_gradient_times_activation_summed_and_upsampled():
    from captum.attr import LayerAttribution, LayerGradientXActivation

    model = _flat_cnn()
    X, target = torch.randn(5, 2, 8, 10), torch.tensor([0, 1, 2, 1, 0])
    got = hirescam(_context(model, model[3], (2, 8, 10)), X, target).attributions
    product = LayerGradientXActivation(model, model[3]).attribute(X, target=target)
    cam = product.sum(dim=1, keepdim=True).clamp_min(0)
    expected = LayerAttribution.interpolate(cam, (8, 10), interpolate_mode="bilinear")
    assert got.shape == tuple(X.shape)
    assert np.allclose(got, expected.expand_as(X).detach().numpy(), atol=1e-6)
    assert np.array_equal(got[:, 0], got[:, 1])  # one map, repeated over the channels
    # the closed form at the layer: Σ_c ∂y/∂A_c ⊙ A_c
    A = model[:4](X).detach().requires_grad_(True)
    out = model[4:](A).gather(1, target[:, None]).sum()
    (grad,) = torch.autograd.grad(out, A)
    assert torch.allclose(cam, (grad * A).sum(1, keepdim=True).clamp_min(0), atol=1e-6)


def test_hirescam_equals_gradcam_after_global_pooling_and_differs_otherwise():
    # with global average pooling and a Linear head, ∂y/∂A_c is constant over the map,
    # so the channel-wise product is GradCAM's channel weights times the activations
    X, target = torch.randn(4, 2, 8, 8), torch.tensor([0, 1, 2, 0])
    pooled = _pooled_cnn()
    ctx = _context(pooled, pooled[1], (2, 8, 8))
    assert np.allclose(
        hirescam(ctx, X, target).attributions, gradcam(ctx, X, target).attributions, atol=1e-6
    )
    flat = _flat_cnn()
    ctx = _context(flat, flat[3], (2, 8, 10))
    X = torch.randn(4, 2, 8, 10)
    assert not np.allclose(
        hirescam(ctx, X, target).attributions, gradcam(ctx, X, target).attributions, atol=1e-3
    )


def test_hirescam_is_registered_for_images_by_default():
    spec = METHODS["hirescam"]
    assert (spec.label, spec.kind, spec.modalities, spec.library) == (
        "HiResCAM",
        "layer",
        ("image",),
        "captum",
    )
    names = [m.name for m in methods_for("image")]
    assert names.index("hirescam") == names.index("gradcam") + 1
    assert "hirescam" not in [m.name for m in methods_for("image", differentiable=False)]
    assert "hirescam" not in [m.name for m in methods_for("sequence")]
