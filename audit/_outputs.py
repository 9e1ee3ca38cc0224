"""What a model may return, read once at the Subject's boundary.

A model may return logits ``(rows,)`` or ``(rows, 1)`` (one binary logit ``z``),
``(rows, C)`` with ``C >= 2``, or those logits inside a mapping (``out["logits"]``),
on an object (``out.logits``: a dataclass, a Hugging Face ``ModelOutput``) or first
in a tuple. :func:`output_spec` reads where the logits are and how many there are;
:class:`ClassLogits` then makes any such model return class logits ``(rows, C >= 2)``,
so that no check needs code of its own for an output shape. One logit ``z`` becomes
``(-z/2, z/2)``: ``softmax(...)[:, 1] == sigmoid(z)`` and the cross-entropy of the two
columns is the binary cross-entropy of ``z``. Its :meth:`ClassLogits.log_odds` view,
``(-z, z)``, is what the explainers explain: the raw logit ``z`` for class 1.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import torch
from torch import nn

from audit.errors import bad_input

__all__ = [
    "ClassLogits",
    "OutputLoss",
    "OutputSpec",
    "adapted",
    "explained",
    "find_logits",
    "logits_from",
    "output_spec",
    "probe_spec",
    "unwrapped",
]

Where = Literal["tensor", "key", "attribute", "index"]
#: What the error of a model whose output is none of the accepted ones expects.
EXPECTED = (
    "logits of shape (rows,), (rows, 1) or (rows, classes>=2): a tensor, a mapping or object "
    "with a 'logits' tensor, or a tuple whose first element is the logits"
)

_PLACES = {
    "tensor": "",
    "key": " under key 'logits'",
    "attribute": " in attribute 'logits'",
    "index": " first in a tuple",
}


@dataclass(frozen=True)
class OutputSpec:
    """Where a model's logits are in what it returns, and how many there are per row.

    Parameters
    ----------
    where : {"tensor", "key", "attribute", "index"}
        The output is the logits; or ``out["logits"]``; ``out.logits``; ``out[0]``.
    width : int
        Logits per row: 1 for one binary logit, else the number of classes.
    squeezed : bool
        A one-logit model returns ``(rows,)`` rather than ``(rows, 1)``.

    Examples
    --------
    >>> OutputSpec("tensor", 1).n_classes, OutputSpec("key", 3).describe()
    (2, "logits (rows, 3) under key 'logits'")
    """

    where: Where
    width: int
    squeezed: bool = False

    @property
    def one_logit(self) -> bool:
        """One binary logit per row (read as two classes)."""
        return self.width == 1

    @property
    def n_classes(self) -> int:
        return 2 if self.one_logit else self.width

    @property
    def plain(self) -> bool:
        """A tensor of class logits ``(rows, C >= 2)``: audited as it is, with no adapter."""
        return self.where == "tensor" and not self.one_logit

    def describe(self) -> str:
        """The output in words, for the report and error messages."""
        shape = "(rows,)" if self.squeezed else f"(rows, {self.width})"
        kind = "one logit" if self.one_logit else "logits"
        return f"{kind} {shape}{_PLACES[self.where]}"


def find_logits(out: Any) -> tuple[Where, torch.Tensor] | None:
    """Where the logits are in a model's output, and the tensor; None if nowhere.

    Examples
    --------
    >>> find_logits({"logits": torch.zeros(2, 3), "loss": None})[0]
    'key'
    >>> find_logits("no") is None
    True
    """
    if isinstance(out, torch.Tensor):
        return "tensor", out
    if isinstance(out, Mapping):  # a dict, or a Hugging Face ModelOutput (an OrderedDict)
        value = out.get("logits")
        return ("key", value) if isinstance(value, torch.Tensor) else None
    value = getattr(out, "logits", None)
    if isinstance(value, torch.Tensor):
        return "attribute", value
    if isinstance(out, (tuple, list)) and out and isinstance(out[0], torch.Tensor):
        return "index", out[0]
    return None


def output_spec(out: Any, *, rows: int) -> OutputSpec:
    """Read the output of a model on ``rows`` rows: where its logits are and their width.

    Raises
    ------
    AuditInputError
        Naming ``model``, what was expected and what came, e.g. ``model: expected logits
        of shape (rows,), (rows, 1) or (rows, classes>=2): ..., got shape (2, 3, 4) for a
        batch of 2 rows.``

    Examples
    --------
    >>> output_spec(torch.zeros(4, 1), rows=4)
    OutputSpec(where='tensor', width=1, squeezed=False)
    >>> output_spec((torch.zeros(4, 3), "hidden"), rows=4).n_classes
    3
    """
    found = find_logits(out)
    if found is None:
        raise bad_input("model", EXPECTED, f"a {type(out).__name__} for a batch of {rows} rows")
    where, logits = found
    shape = tuple(logits.shape)
    if shape == (rows,):
        return OutputSpec(where, 1, squeezed=True)
    if len(shape) == 2 and shape[0] == rows and shape[1] >= 1:
        return OutputSpec(where, int(shape[1]))
    raise bad_input("model", EXPECTED, f"shape {shape}{_PLACES[where]} for a batch of {rows} rows")


def probe_spec(model: nn.Module, X: torch.Tensor) -> OutputSpec:
    """The :class:`OutputSpec` of ``model`` from one forward pass on the first two rows.

    In eval mode, without gradients, and with the caller's RNG state left as it was (a
    training loop probed first draws the same numbers as one that was not).

    Examples
    --------
    >>> probe_spec(torch.nn.Linear(3, 1), torch.zeros(5, 3)).one_logit
    True
    """
    was_training = model.training
    model.eval()
    try:
        with torch.random.fork_rng(devices=[]), torch.inference_mode():
            out = model(X[:2])
    finally:
        model.train(was_training)
    return output_spec(out, rows=int(X[:2].shape[0]))


def logits_from(out: Any, spec: OutputSpec, *, rows: int) -> torch.Tensor:
    """The logits of one batch's output, checked against ``spec``: ``(rows,)`` or ``(rows, C)``.

    Raises
    ------
    AuditInputError
        When the batch's output is not of the kind and shape the probe found, e.g.
        ``model: expected outputs of shape (batch,) or (batch, 1) for every batch, got
        (8, 1) for a batch of 16 rows.``

    Examples
    --------
    >>> logits_from({"logits": torch.zeros(3, 1)}, OutputSpec("key", 1), rows=3).shape
    torch.Size([3, 1])
    """
    found = find_logits(out)
    if found is None or found[0] != spec.where:
        raise bad_input(
            "model",
            f"{spec.describe()} for every batch",
            f"a {type(out).__name__} for a batch of {rows} rows",
        )
    logits = found[1]
    shape = tuple(logits.shape)
    if spec.one_logit:
        if shape in ((rows,), (rows, 1)):
            return logits
        expected = "(batch,) or (batch, 1)"
    else:
        if shape == (rows, spec.width):
            return logits
        expected = f"(batch, {spec.width})"
    raise bad_input(
        "model",
        f"outputs of shape {expected} for every batch",
        f"{shape} for a batch of {rows} rows",
    )


def class_logits(logits: torch.Tensor, spec: OutputSpec, *, scale: float = 0.5) -> torch.Tensor:
    """``(rows, C >= 2)`` logits: one logit ``z`` becomes ``(-scale·z, scale·z)``."""
    if not spec.one_logit:
        return logits
    z = logits.reshape(-1) * scale
    return torch.stack([-z, z], dim=1)


class ClassLogits(nn.Module):
    """A model read as a classifier returning class logits ``(rows, C >= 2)``.

    Unwraps a mapping, object or tuple output (see :func:`find_logits`) and turns one
    logit ``z`` into ``(-z/2, z/2)``, so that ``softmax(out)[:, 1] == sigmoid(z)`` and
    cross-entropy on it is the binary cross-entropy of ``z``. Every call's output is
    checked against the probe's (:func:`logits_from`). The user's model is ``.model``;
    the adapter has its parameters and its state dict (same keys, same hash).

    Parameters
    ----------
    model : torch.nn.Module
        The user's model.
    spec : OutputSpec
        What it returns (:func:`probe_spec`).
    scale : float
        One logit ``z`` becomes ``(-scale·z, scale·z)``: 0.5 for probabilities,
        1.0 for the log-odds that the explainers explain (:meth:`log_odds`).

    Examples
    --------
    >>> model = ClassLogits(torch.nn.Linear(3, 1), OutputSpec("tensor", 1))
    >>> x = torch.randn(4, 3)
    >>> torch.allclose(torch.softmax(model(x), 1)[:, 1], torch.sigmoid(model.model(x))[:, 0])
    True
    """

    def __init__(self, model: nn.Module, spec: OutputSpec, *, scale: float = 0.5) -> None:
        super().__init__()
        self.model, self.spec, self.scale = model, spec, scale

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        logits = logits_from(self.model(x), self.spec, rows=int(x.shape[0]))
        return class_logits(logits, self.spec, scale=self.scale)

    def log_odds(self) -> ClassLogits:
        """The same model giving one logit ``z`` as ``(-z, z)``: the log-odds of each class.

        Examples
        --------
        >>> model = ClassLogits(torch.nn.Linear(3, 1), OutputSpec("tensor", 1))
        >>> x = torch.randn(4, 3)
        >>> torch.equal(model.log_odds()(x)[:, 1], model.model(x)[:, 0])
        True
        """
        return ClassLogits(self.model, self.spec, scale=1.0)

    def state_dict(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        return self.model.state_dict(*args, **kwargs)

    def load_state_dict(self, state_dict: Mapping[str, Any], *args: Any, **kwargs: Any) -> Any:
        return self.model.load_state_dict(state_dict, *args, **kwargs)


def adapted(model: nn.Module, X: torch.Tensor) -> tuple[nn.Module, OutputSpec]:
    """``model`` as a classifier of class logits ``(rows, C >= 2)``, and what it returns.

    A model that already returns such a tensor is kept as it is (no adapter); any other
    accepted output is read through :class:`ClassLogits`. An adapter given again is
    read through its own model, never wrapped twice.

    Examples
    --------
    >>> model, spec = adapted(torch.nn.Linear(3, 2), torch.zeros(4, 3))
    >>> type(model).__name__, spec.plain
    ('Linear', True)
    >>> model, spec = adapted(torch.nn.Linear(3, 1), torch.zeros(4, 3))
    >>> type(model).__name__, model(torch.zeros(4, 3)).shape
    ('ClassLogits', torch.Size([4, 2]))
    """
    model = unwrapped(model)
    spec = probe_spec(model, X)
    return (model if spec.plain else ClassLogits(model, spec)), spec


def explained(model: nn.Module) -> tuple[nn.Module, float]:
    """The outputs the explainers attribute, and the temperature that makes them logits.

    A one-logit model is explained through its log-odds view ``(-z, z)``
    (:meth:`ClassLogits.log_odds`): class 1's output is the raw logit ``z`` itself, so
    that attributions (and Integrated Gradients' completeness) are those of ``z``, and
    class 0's is ``-z``. Its probabilities are ``softmax(outputs / 2)``. Any other model
    is explained as it is (temperature 1).

    Examples
    --------
    >>> model, _ = adapted(torch.nn.Linear(3, 1), torch.zeros(4, 3))
    >>> view, temperature = explained(model)
    >>> temperature, torch.equal(view(torch.ones(1, 3))[:, 1], model.model(torch.ones(1, 3))[:, 0])
    (2.0, True)
    """
    if isinstance(model, ClassLogits) and model.spec.one_logit:
        return model.log_odds(), 2.0
    return model, 1.0


def unwrapped(model: nn.Module) -> nn.Module:
    """The user's model inside a :class:`ClassLogits` adapter (else ``model`` itself)."""
    return model.model if isinstance(model, ClassLogits) else model


class OutputLoss(nn.Module):
    """The training loss for a model's output: binary cross-entropy for one logit, else
    cross-entropy, on the logits wherever the output holds them.

    ``reduction`` is ``"mean"``, ``"sum"`` or ``"none"`` (one loss per row), as opacus's
    ghost clipping sets it.

    Examples
    --------
    >>> loss = OutputLoss(OutputSpec("tensor", 1))
    >>> float(loss(torch.zeros(4, 1), torch.tensor([0, 1, 1, 0])))  # log 2
    0.693...
    """

    def __init__(self, spec: OutputSpec, reduction: str = "mean") -> None:
        super().__init__()
        self.spec, self.reduction = spec, reduction

    @property
    def name(self) -> str:
        return "binary cross-entropy" if self.spec.one_logit else "cross-entropy"

    def forward(self, out: Any, target: torch.Tensor) -> torch.Tensor:
        logits = logits_from(out, self.spec, rows=int(target.shape[0]))
        if self.spec.one_logit:
            return nn.functional.binary_cross_entropy_with_logits(
                logits.reshape(-1), target.to(logits.dtype), reduction=self.reduction
            )
        return nn.functional.cross_entropy(logits, target, reduction=self.reduction)


def loss_and_hits(out: Any, target: torch.Tensor) -> tuple[float, int]:
    """Summed loss (:class:`OutputLoss`) and correct predictions of one batch's output.

    Examples
    --------
    >>> loss_and_hits(torch.tensor([[2.0], [-1.0]]), torch.tensor([1, 1]))[1]
    1
    """
    rows = int(target.shape[0])
    spec = output_spec(out, rows=rows)
    if spec.plain:  # the reference domains' path, operation for operation
        loss = nn.functional.cross_entropy(out, target, reduction="sum")
        return float(loss), int((out.argmax(dim=1) == target).sum())
    loss = OutputLoss(spec, reduction="sum")(out, target)
    logits = class_logits(logits_from(out, spec, rows=rows), spec)
    return float(loss), int((logits.argmax(dim=1) == target).sum())
