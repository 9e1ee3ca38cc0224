"""Registry of reference domains (name → :class:`DomainSpec`) and ``reference()``."""

from __future__ import annotations

from collections.abc import Callable

from audit.domains._spec import DomainSpec
from audit.errors import bad_input

__all__ = ["get_domain", "list_domains", "reference", "register"]


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
    privacy: object | None = None,
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
    privacy : audit.config.PrivacySettings, optional
        With ``dp=True``, train with DP-SGD (opacus); the privacy record lands in
        ``subject.training.privacy``, and the trainer takes ``private=`` (the privacy
        check trains the non-private twin and the privacy–utility curve with it).

    Examples
    --------
    >>> from audit.config import TrainingConfig
    >>> subject = reference("credit", seed=0, training=TrainingConfig(epochs=2))
    >>> subject.modality
    'tabular'
    """
    spec = get_domain(domain)
    spec.variant(variant)  # an unknown variant is an error naming the domain's
    from audit._seeds import as_seed

    seed = as_seed(seed)
    from audit.settings import TrainingConfig

    training = training if training is not None else TrainingConfig()
    if not isinstance(training, TrainingConfig):
        raise bad_input("training", "an audit.config.TrainingConfig or None", training)
    from audit.domains._context import BuildRecord
    from audit.settings import PrivacySettings

    if privacy is not None and not isinstance(privacy, PrivacySettings):
        raise bad_input("privacy", "an audit.config.PrivacySettings or None", privacy)
    dp = privacy if privacy is not None and privacy.dp else None
    record = BuildRecord()
    subject = spec.build(
        seed=seed, variant=variant, training=training, on_epoch=on_epoch, privacy=dp, record=record
    )
    _identify(subject, spec.name, variant, seed)
    _attach_training_record(subject, record, dp)
    return subject


def _identify(subject, domain: str, variant: str, seed: int) -> None:
    """Name the subject after its domain and variant; record both and the seed."""
    subject.name = domain if variant == "default" else f"{domain} ({variant})"
    subject.domain, subject.variant, subject.seed = domain, variant, seed


def _attach_training_record(subject, record, privacy) -> None:
    """Give the subject a shadow-model trainer and, when DP-trained, its privacy record.

    Shadow models are trained as the target was, including its stopping epoch (Carlini
    et al. 2022): the target's recipe with as many epochs as the weights it kept had
    seen (``history.best_epoch``: the best validation epoch when early stopping
    restored it, else the last) and no early stopping (shadows have no validation
    rows). A DP target's shadows keep its noise multiplier when the epochs differ.
    """
    from audit.hints import TrainingRecord

    training = subject.training if subject.training is not None else TrainingRecord()
    subject.training = training
    if record.factory is not None and record.recipe is not None:
        from dataclasses import replace

        history = training.history
        kept = getattr(history, "best_epoch", None) or record.recipe.epochs
        from audit.training import make_trainer

        plain = replace(record.recipe, epochs=int(kept), patience=None)
        shadow_privacy = privacy
        sigma = (record.privacy_record or {}).get("noise_multiplier")
        if privacy is not None and plain.epochs != record.recipe.epochs and sigma is not None:
            shadow_privacy = privacy.model_copy(update={"noise_multiplier": float(sigma)})
        training.trainer = make_trainer(
            record.factory, plain, private=shadow_privacy, augment=record.augment
        )
        training.model_factory = record.factory
        training.recipe = record.recipe
    if record.privacy_record is not None:
        training.privacy = record.privacy_record
        training.private_settings = privacy
        subject.name = (
            f"{subject.name} (DP, ε={record.privacy_record.get('epsilon', float('nan')):.2f})"
        )
