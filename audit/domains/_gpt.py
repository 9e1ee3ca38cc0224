"""GPT domain: a small causal Transformer decoder trained as a language model.

The corpus (:mod:`audit.datasets._lm_corpus`) holds template sentences with group
terms and sentiment words, other people's codes and the canaries ("my code is D D D D
D D", inserted 1, 4 and 16 times, plus a control never inserted). The subject is
an :class:`audit.lm.LanguageModelSubject`: ``rai-audit run gpt`` audits it with the
language-model checks (memorization, generation bias, performance, compute,
explainability).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from audit.domains._spec import DomainSpec, Variant
from audit.recipe import Recipe

__all__ = ["DEFAULT_RECIPE", "PRIVATE_RECIPE", "SPEC", "LanguageModelDomain"]

DEFAULT_RECIPE = Recipe(epochs=8, batch_size=32, lr=3e-3, weight_decay=0.0, patience=None)
#: DP-SGD (and the non-private twin): larger batches, every epoch spent.
PRIVATE_RECIPE = Recipe(epochs=10, batch_size=256, lr=3e-3, weight_decay=0.0, patience=None)
OVERFIT_RECIPE = Recipe(epochs=40, batch_size=16, lr=2e-3, weight_decay=0.0, patience=None)
N_TRAIN, N_HELDOUT, MAX_LEN, OVERFIT_TRAIN = 2000, 500, 16, 200
ARCHITECTURE = {"d_model": 64, "n_heads": 2, "n_layers": 2, "d_ff": 128, "dropout": 0.0}
OVERFIT_ARCHITECTURE = {"d_model": 96, "n_heads": 2, "n_layers": 2, "d_ff": 192, "dropout": 0.0}


@dataclass
class LMPlan:
    """What :func:`prepare` returns: the corpus and the model factory."""

    corpus: Any
    model_factory: Any


def prepare(*, seed: int, variant: str) -> LMPlan:
    """The corpus for ``seed`` and ``variant``, and the decoder's factory.

    ``biased``: training sentences whose group term co-occurs with sentiment (female
    names with positive words, male names with negative ones, 95%). ``overfit``: 200
    sentences, a wider model, 40 epochs.

    Examples
    --------
    >>> plan = prepare(seed=0, variant="default")
    >>> plan.corpus.train.shape[1], plan.model_factory().max_len
    (16, 16)
    """
    from audit.datasets._lm_corpus import lm_corpus
    from audit.models._decoder import CausalDecoder

    overfit = variant == "overfit"
    corpus = lm_corpus(
        seed,
        n_train=OVERFIT_TRAIN if overfit else N_TRAIN,
        n_heldout=N_HELDOUT,
        biased=variant == "biased",
        max_len=MAX_LEN,
    )
    architecture = OVERFIT_ARCHITECTURE if overfit else ARCHITECTURE
    return LMPlan(
        corpus,
        lambda: CausalDecoder(
            len(corpus.vocabulary), MAX_LEN, pad_id=corpus.pad_id, **architecture
        ),
    )


@dataclass(frozen=True)
class LanguageModelDomain(DomainSpec):
    """A domain whose model is a language model: it builds a LanguageModelSubject."""

    def build(
        self,
        *,
        seed: int,
        variant: str = "default",
        training: Any = None,
        on_epoch: Any = None,
        privacy: Any = None,
        record: Any = None,
    ):
        """Train the decoder (DP-SGD with ``privacy``) and wrap it as a LanguageModelSubject.

        Examples
        --------
        >>> from audit.settings import TrainingConfig
        >>> subject = SPEC.build(seed=0, training=TrainingConfig(epochs=1))
        >>> subject.kind, len(subject.lm_data.secrets)
        ('language_model', 4)
        """
        import torch

        from audit._threads import one_thread
        from audit.datasets._lm_corpus import CANARY_PREFIX, DIGITS, NAMES
        from audit.datasets._sentiment import NEGATIVE_WORDS, POSITIVE_WORDS
        from audit.domains._common import recipe_with, seeded_model
        from audit.hints import TrainingRecord
        from audit.lm._subject import CanaryFormat, LanguageModelSubject, Secret
        from audit.lm._train import fit_lm
        from audit.settings import TrainingConfig

        chosen = self.variant(variant)
        plan = self.prepare(seed=seed, variant=variant)
        corpus = plan.corpus
        base = chosen.private_recipe if privacy is not None and chosen.private_recipe else None
        recipe = recipe_with(training or TrainingConfig(), base or chosen.recipe)
        model = seeded_model(plan.model_factory, seed)
        train, heldout = torch.from_numpy(corpus.train), torch.from_numpy(corpus.heldout)

        def fit(private: Any) -> Any:
            with one_thread():
                return fit_lm(
                    model,
                    train,
                    heldout,
                    recipe=recipe,
                    pad_id=corpus.pad_id,
                    seed=seed,
                    privacy=private,
                    users=corpus.train_users if getattr(private, "unit", "") == "user" else None,
                    on_epoch=on_epoch,
                )

        fitted = fit(privacy)
        twin = None
        if privacy is not None:

            def twin() -> torch.nn.Module:
                from audit.lm._train import untie_head

                with one_thread():
                    return fit_lm(
                        untie_head(model),
                        train,
                        heldout,
                        recipe=recipe,
                        pad_id=corpus.pad_id,
                        seed=seed,
                    ).model

        if record is not None:
            record.recipe, record.seed = recipe, seed
            record.privacy_record = fitted.privacy
        n_codes = int((corpus.train_groups == "code").sum())
        return LanguageModelSubject(
            fitted.model,
            corpus.train,
            corpus.heldout,
            vocabulary=corpus.vocabulary,
            pad_id=corpus.pad_id,
            bos_id=corpus.id_of("[BOS]"),
            eos_id=corpus.id_of("[EOS]"),
            canary_format=CanaryFormat(CANARY_PREFIX, tuple(DIGITS), 6),
            secrets=[  # each canary's copies come from one writer (corpus.train_users)
                Secret(c.digits, c.repetitions, writers=min(c.repetitions, 1))
                for c in corpus.canaries
            ],
            prompt_pairs=[(p.texts, p.groups) for p in corpus.prompt_pairs],
            lexicon={"positive": POSITIVE_WORDS, "negative": NEGATIVE_WORDS},
            training=TrainingRecord(history=fitted.history, validation_rows=len(heldout)),
            dataset=(
                f"Generated language-model corpus ({len(corpus.train)} training sequences: "
                f"template sentences with group terms {sorted(NAMES)}, {n_codes} codes of "
                f"other people, canaries inserted {[c.repetitions for c in corpus.canaries]} "
                f"times; {len(heldout)} held-out sentences; {len(corpus.vocabulary)} tokens)"
                + (", training sentences biased by group" if variant == "biased" else "")
                + f", seed {seed}"
            ),
            twin=twin,
        )


SPEC = LanguageModelDomain(
    name="gpt",
    summary="Generated corpus with canaries (secrets) and group terms; "
    "Transformer decoder (GPT-like)",
    modality="language",
    model_family="Transformer decoder",
    prepare=prepare,
    variants=(
        Variant("default", DEFAULT_RECIPE, PRIVATE_RECIPE),
        Variant("overfit", OVERFIT_RECIPE, summary="200 sentences, a wider model, 40 epochs"),
        Variant(
            "biased",
            DEFAULT_RECIPE,
            PRIVATE_RECIPE,
            summary="training sentences whose group term co-occurs with sentiment",
        ),
    ),
    limitations=(
        "The corpus is generated from templates with a vocabulary of about 130 words: "
        "the model's fluency says nothing of a real language model's.",
        "Canaries are planted on purpose to measure memorization.",
    ),
)
