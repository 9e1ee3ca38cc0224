"""A reference domain, declared once: its data, model, variants with their recipes, hints.

A domain module defines ``prepare(*, seed, variant) -> Plan`` (the data, the split,
the model factory, the Subject's data and hints) and ``SPEC``, a :class:`DomainSpec`
naming it, its variants and their recipes. :meth:`DomainSpec.build` is the one build
every domain shares: seeded weights, training (plain or DP-SGD) with the variant's
recipe, and the Subject. Declarations import nothing heavy; ``prepare`` does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from audit.errors import bad_input
from audit.recipe import Recipe

if TYPE_CHECKING:
    import numpy as np
    import torch

    from audit.domains._context import BuildRecord
    from audit.hints import ExplainHints
    from audit.settings import PrivacySettings, TrainingConfig
    from audit.subject import Subject

__all__ = ["DomainSpec", "Plan", "Variant"]


@dataclass(frozen=True)
class Variant:
    """One variant of a domain and how its model is trained.

    Parameters
    ----------
    name : str
        ``"default"`` or a control such as ``"overfit"`` or ``"biased"``.
    recipe : Recipe
        The training recipe (a config's ``training:`` block overrides its fields).
    private_recipe : Recipe, optional
        The recipe for DP-SGD (larger batches, a higher learning rate, every epoch
        spent), also used by the DP model's non-private twin; ``None``: ``recipe``.
    summary : str
        What the variant changes, in a few words.
    """

    name: str
    recipe: Recipe
    private_recipe: Recipe | None = None
    summary: str = ""


@dataclass
class Plan:
    """What a domain's ``prepare`` returns: everything the shared build needs.

    ``X``/``y`` hold the rows the model is fitted on (``fit_rows``) and validated on
    (``val_rows``); ``subject`` the keyword arguments of the :class:`~audit.Subject`
    (data, names, sensitive features, ``dataset`` and other hints) except the model,
    its history and its training record; ``explain``, given the trained model, its
    explanation hints (layers of that model: a DP-trained model is a fixed copy).
    """

    X: torch.Tensor
    y: torch.Tensor
    fit_rows: np.ndarray
    val_rows: np.ndarray
    model_factory: Callable[[], Any]
    subject: dict[str, Any]
    explain: Callable[[Any], ExplainHints] | None = None
    #: train on one torch thread (small convolutional, recurrent and attention models
    #: train faster so on a shared CPU, and the result does not depend on the core count)
    single_thread: bool = False
    #: data augmentation of each training batch (``augment(X, generator) -> X``; not for
    #: DP-SGD), which the shadow models' trainer applies too
    augment: Callable[..., Any] | None = None


@dataclass(frozen=True)
class DomainSpec:
    """One reference domain: what it is and how it is built.

    Parameters
    ----------
    name : str
        The name ``audit.reference`` and ``rai-audit run`` take.
    summary : str
        One line for ``rai-audit domains``.
    modality : str
        The Subject's modality.
    model_family : str
        The model, in words.
    prepare : callable
        ``prepare(*, seed, variant) -> Plan``.
    variants : tuple of Variant
        The first is the default.
    online : bool
        Downloads its data on first use (opt-in; offline it fails with a clear message).
    limitations : tuple of str
        What a reader of the model card should know of this domain's data or model,
        besides what every reference domain shares (:meth:`model_card`).
    """

    name: str
    summary: str
    modality: str
    model_family: str
    prepare: Callable[..., Plan]
    variants: tuple[Variant, ...]
    online: bool = False
    limitations: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.variants or self.variants[0].name != "default":
            expected = "a tuple of Variant whose first is 'default'"
            raise bad_input("variants", expected, self.variants)

    @property
    def kind(self) -> str:
        """The kind of subject it builds: ``"language_model"`` for a language model (the
        ``language`` modality), else ``"classifier"``; a run's default checks follow it.

        Examples
        --------
        >>> from audit.domains import get_domain
        >>> get_domain("credit").kind, get_domain("gpt").kind
        ('classifier', 'language_model')
        """
        return "language_model" if self.modality == "language" else "classifier"

    @property
    def variant_names(self) -> tuple[str, ...]:
        """The names of the variants, the default first."""
        return tuple(variant.name for variant in self.variants)

    def model_card(self, variant: str = "default") -> dict[str, Any]:
        """The model card's defaults for this domain (the config's ``model_card`` wins).

        Examples
        --------
        >>> from audit.domains import get_domain
        >>> card = get_domain("credit").model_card()
        >>> card["intended_use"].startswith("A reference model for demonstrating")
        True
        """
        chosen = self.variant(variant)
        limitations = [
            "A small model trained in seconds on a small data set that ships with rai-audit: "
            "its scores are those of a demonstration, not of a product.",
            *self.limitations,
        ]
        if chosen.name != "default":
            limitations.append(
                f"Variant '{chosen.name}' ({chosen.summary}) is built to show a failure."
            )
        return {
            "version": f"reference domain '{self.name}', variant '{chosen.name}'",
            "owners": ["rai-audit (reference domains)"],
            "intended_use": (
                "A reference model for demonstrating and testing audits with rai-audit: "
                f"{self.summary}."
            ),
            "out_of_scope_uses": [
                "Any decision about a real person or a real case.",
                f"Judging the {self.model_family} as a model family.",
            ],
            "limitations": limitations,
        }

    def variant(self, name: str) -> Variant:
        """The variant ``name``, or an error naming the domain's variants."""
        for variant in self.variants:
            if variant.name == name:
                return variant
        raise bad_input(
            "variant", f"one of {list(self.variant_names)} for domain {self.name!r}", repr(name)
        )

    def build(
        self,
        *,
        seed: int,
        variant: str = "default",
        training: TrainingConfig | None = None,
        on_epoch: Callable[..., None] | None = None,
        privacy: PrivacySettings | None = None,
        record: BuildRecord | None = None,
    ) -> Subject:
        """Prepare the data, train the model (with DP-SGD when ``privacy`` is given), wrap it.

        ``record``, when given, receives the model factory, the recipe used and the
        DP-SGD record (``audit.reference`` turns them into the subject's training record).

        Examples
        --------
        >>> from audit.domains import get_domain
        >>> from audit.settings import TrainingConfig
        >>> subject = get_domain("credit").build(seed=0, training=TrainingConfig(epochs=1))
        >>> subject.modality, subject.training.validation_rows
        ('tabular', 140)
        """
        from audit.domains._common import seeded_model, train
        from audit.hints import TrainingRecord
        from audit.settings import TrainingConfig
        from audit.subject import Subject

        chosen = self.variant(variant)
        plan = self.prepare(seed=seed, variant=variant)
        model = seeded_model(plan.model_factory, seed, record=record)
        result = train(
            model,
            plan.X,
            plan.y,
            plan.fit_rows,
            plan.val_rows,
            training=training if training is not None else TrainingConfig(),
            recipe=chosen.recipe,
            private_recipe=chosen.private_recipe,
            seed=seed,
            on_epoch=on_epoch,
            privacy=privacy,
            record=record,
            single_thread=plan.single_thread,
            augment=plan.augment,
        )
        if record is not None:
            record.augment = plan.augment
        return Subject(
            result.model,
            **plan.subject,
            history=result.history,
            explain=None if plan.explain is None else plan.explain(result.model),
            training=TrainingRecord(validation_rows=len(plan.val_rows)),
        )
