"""Adversarial examples, batched over rows: captum.robust's FGSM and PGD (L∞ and L2),
and the fast gradient method on the L2 ball (one normalised gradient step), which
captum.robust does not ship."""

from __future__ import annotations

import warnings
from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

from audit.errors import bad_input

__all__ = [
    "ATTACKS",
    "adversarial",
    "as_logits",
    "attack_label",
]

ATTACKS = ("fgsm", "fgsm_l2", "pgd", "pgd_l2")


def attack_label(method: str) -> str:
    """The attack's name in the report.

    Examples
    --------
    >>> [attack_label(m) for m in ATTACKS]
    ['FGSM', 'FGSM (L2)', 'PGD', 'PGD (L2)']
    """
    return {"pgd_l2": "PGD (L2)", "fgsm_l2": "FGSM (L2)"}.get(method, method.upper())


def as_logits(model: nn.Module, *, binary_logit: bool) -> Callable[[torch.Tensor], torch.Tensor]:
    """A forward returning logits ``(n, C)``: a one-logit model ``z`` becomes ``[0, z]``.

    ``softmax([0, z])`` is ``[1 - sigmoid(z), sigmoid(z)]``, so the cross-entropy of the
    two-column logits is the one-logit model's binary cross-entropy.

    Examples
    --------
    >>> f = as_logits(torch.nn.Linear(2, 1), binary_logit=True)
    >>> f(torch.zeros(3, 2)).shape
    torch.Size([3, 2])
    """
    if not binary_logit:
        return model

    def forward(x: torch.Tensor) -> torch.Tensor:
        z = model(x).reshape(x.shape[0], -1)[:, :1]
        return torch.cat([torch.zeros_like(z), z], dim=1)

    return forward


def _loss(outputs: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    return F.cross_entropy(outputs, target, reduction="none")


def adversarial(
    model: nn.Module,
    X: torch.Tensor,
    y: torch.Tensor,
    *,
    method: str,
    epsilon: float,
    binary_logit: bool = False,
    steps: int = 10,
    lower: float = float("-inf"),
    upper: float = float("inf"),
) -> torch.Tensor:
    """Untargeted adversarial rows of ``X`` against labels ``y`` (captum.robust).

    Parameters
    ----------
    model : nn.Module
        In eval mode; returns logits ``(n, C)`` or one logit (``binary_logit``).
    X : Tensor
        Float inputs, rows first.
    y : Tensor
        int64 labels the attack moves away from.
    method : {"fgsm", "fgsm_l2", "pgd", "pgd_l2"}
        FGSM: one step ``x + ε·sign(∇ₓ loss)`` (Goodfellow et al., 2015). PGD: ``steps``
        signed steps of ``2.5 ε / steps`` projected on the ε-ball (Madry et al., 2018).
        The ``_l2`` attacks use the L2 ball of radius ``r = ε·√d`` for ``d`` values per
        row (the L2 length of an L∞ step of ε on every value): ``fgsm_l2`` is the fast
        gradient method ``x + r·∇ₓ loss / ‖∇ₓ loss‖₂`` (Miyato et al., 2016; computed
        here with autograd, captum.robust has no L2 FGSM); ``pgd_l2`` is captum's PGD
        with ``norm="L2"``: the same signed steps of ``2.5 ε / steps`` on every value,
        each followed by the projection on the L2 ball.
    epsilon : float
        L∞ radius, in the input's own units (``_l2`` attacks: scaled by ``√d`` as above).
    lower, upper : float
        Bounds of valid inputs (the attack clamps to them).

    Returns
    -------
    Tensor
        The adversarial rows, shaped like ``X`` and detached.

    Examples
    --------
    >>> model = torch.nn.Linear(2, 2)
    >>> X, y = torch.zeros(3, 2), torch.tensor([0, 1, 0])
    >>> adv = adversarial(model, X, y, method="fgsm", epsilon=0.1)
    >>> float((adv - X).abs().max())
    0.1...
    """
    from captum.robust import FGSM, PGD

    if method not in ATTACKS:
        raise bad_input("method", f"one of {list(ATTACKS)}", repr(method))
    if epsilon < 0:
        raise bad_input("epsilon", "a number >= 0", repr(epsilon))
    if X.is_floating_point() is False:
        raise bad_input("X", "float inputs (token ids cannot be attacked here)", str(X.dtype))
    if epsilon == 0:
        return X.detach().clone()
    forward = as_logits(model, binary_logit=binary_logit)
    # cuDNN's RNNs refuse a backward pass in eval mode; the attack needs one (input grads)
    with torch.enable_grad(), torch.backends.cudnn.flags(enabled=False), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Input Tensor .* did not already require")
        if method == "fgsm":
            attack = FGSM(forward, loss_func=_loss, lower_bound=lower, upper_bound=upper)
            out = attack.perturb(X.detach().clone().requires_grad_(True), epsilon=epsilon, target=y)
        elif method == "fgsm_l2":
            out = _fast_gradient_l2(forward, X, y, epsilon * X[0].numel() ** 0.5, lower, upper)
        else:
            radius = epsilon * (X[0].numel() ** 0.5 if method == "pgd_l2" else 1.0)
            attack = PGD(forward, loss_func=_loss, lower_bound=lower, upper_bound=upper)
            out = attack.perturb(
                X.detach().clone().requires_grad_(True),
                radius=radius,
                step_size=2.5 * epsilon / steps,
                step_num=steps,
                target=y,
                norm="L2" if method == "pgd_l2" else "Linf",
            )
    return out.detach()


def _fast_gradient_l2(
    forward: Callable[[torch.Tensor], torch.Tensor],
    X: torch.Tensor,
    y: torch.Tensor,
    radius: float,
    lower: float,
    upper: float,
) -> torch.Tensor:
    """``clamp(x + radius·g/‖g‖₂)`` with ``g`` each row's gradient of its loss (rows with a
    zero gradient stay where they are)."""
    x = X.detach().clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(_loss(forward(x), y).sum(), x)
    norms = grad.flatten(1).norm(dim=1).clamp_min(1e-30).view(-1, *[1] * (X.dim() - 1))
    return (X.detach() + radius * grad / norms).clamp(lower, upper)
