"""Registry of reference domains: name → module that builds a trained Subject."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from audit.errors import bad_input

__all__ = ["DomainSpec", "get_domain", "list_domains", "reference", "register"]


@dataclass(frozen=True)
class DomainSpec:
    """One reference domain.

    ``module`` is imported on first use and must define
    ``build(*, seed, variant, training, on_epoch) -> Subject``.
    """

    name: str
    module: str
    summary: str
    modality: str
    model_family: str
    variants: tuple[str, ...] = ("default",)


_REGISTRY: dict[str, DomainSpec] = {}


def register(spec: DomainSpec) -> DomainSpec:
    """Add a domain to the registry (one line per domain in ``audit/domains/__init__.py``)."""
    if spec.name in _REGISTRY:
        raise ValueError(f"domain {spec.name!r} is registered already")
    _REGISTRY[spec.name] = spec
    return spec


def list_domains() -> list[DomainSpec]:
    """All registered domains, by name."""
    return [_REGISTRY[name] for name in sorted(_REGISTRY)]


def get_domain(name: str) -> DomainSpec:
    """Return the spec of domain ``name`` or raise a named error listing the known ones."""
    if name not in _REGISTRY:
        raise bad_input("domain", f"one of {sorted(_REGISTRY)}", repr(name))
    return _REGISTRY[name]


def reference(
    domain: str,
    *,
    seed: int = 0,
    variant: str = "default",
    training: object | None = None,
    on_epoch: Callable[..., None] | None = None,
):
    """Train a reference domain's model and return it as a :class:`~audit.Subject`.

    Parameters
    ----------
    domain : str
        A registered name; ``rai-audit domains`` lists them.
    seed : int
        Seed of the data split, the initial weights and the training.
    variant : str
        ``"default"`` or a control variant the domain offers.
    training : audit.config.TrainingConfig, optional
        Overrides of the domain's training recipe (epochs, batch size, ...).
    on_epoch : callable, optional
        Called with each epoch's record while training.

    Examples
    --------
    >>> from audit.config import TrainingConfig
    >>> subject = reference("credit", seed=0, training=TrainingConfig(epochs=2))
    >>> subject.modality
    'tabular'
    """
    spec = get_domain(domain)
    if variant not in spec.variants:
        raise bad_input(
            "variant", f"one of {list(spec.variants)} for domain {domain!r}", repr(variant)
        )
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise bad_input("seed", "a non-negative int", seed)
    from audit.config import TrainingConfig

    training = training if training is not None else TrainingConfig()
    if not isinstance(training, TrainingConfig):
        raise bad_input("training", "an audit.config.TrainingConfig or None", training)
    module = importlib.import_module(spec.module)
    return module.build(seed=seed, variant=variant, training=training, on_epoch=on_epoch)
