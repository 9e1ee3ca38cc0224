"""Layers the explanations need, found in a model that does not name them."""

from __future__ import annotations

from torch import nn

__all__ = ["last_conv_block"]

_CONTAINERS = (nn.Sequential, nn.ModuleList, nn.ModuleDict)


def last_conv_block(model: nn.Module) -> tuple[str, nn.Module] | None:
    """The last convolutional block of ``model`` (where GradCAM reads), by name.

    The last module, in the order ``named_modules`` visits them, that holds a
    ``Conv2d`` and is neither the model itself nor a plain container: torchvision's
    ResNets give ``layer4.1`` (their last ``BasicBlock``), a model built as one
    ``nn.Sequential`` of layers gives its last ``Conv2d``. ``None`` without any.

    Examples
    --------
    >>> net = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.Conv2d(4, 8, 3), nn.Flatten())
    >>> last_conv_block(net)[0]
    '2'
    """
    found = None
    for name, module in model.named_modules():
        if not name or isinstance(module, _CONTAINERS):
            continue
        if isinstance(module, nn.Conv2d):
            if found is None or not name.startswith(found[0] + "."):
                found = (name, module)  # a conv outside the current block
            continue
        if any(isinstance(m, nn.Conv2d) for m in module.modules()):
            found = (name, module)
    return found
