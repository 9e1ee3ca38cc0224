"""Text domain: a small BERT-like Transformer classifying the sentiment of generated sentences.

The corpus (:mod:`audit.datasets._sentiment`) plants the signal in known sentiment
words, so explanations can be checked against ``ground_truth_test``, and carries a
group term (a typically female or typically male first name, sometimes a pronoun),
the sensitive feature ``name_group``.
"""

from __future__ import annotations

from audit.domains._spec import DomainSpec, Plan, Variant
from audit.recipe import Recipe

__all__ = ["DEFAULT_RECIPE", "OVERFIT_RECIPE", "PRIVATE_RECIPE", "SPEC"]

DEFAULT_RECIPE = Recipe(epochs=40, batch_size=32, lr=2e-3, weight_decay=1e-4, patience=5)
#: DP-SGD (and the DP model's non-private twin): larger batches, a higher learning rate,
#: fewer epochs, all of them spent (the noise is calibrated to them; no early stopping on
#: the noisy validation loss); tuned at ε = 3 on a held-out split of the fitting rows.
PRIVATE_RECIPE = Recipe(epochs=30, batch_size=128, lr=3e-2, weight_decay=0.0, patience=None)
OVERFIT_RECIPE = Recipe(epochs=100, batch_size=16, lr=1e-3, weight_decay=0.0, patience=None)
#: Training rows the ``overfit`` variant keeps (of about 960).
OVERFIT_ROWS = 80
VALIDATION_SHARE = 0.2
N_TRAIN, N_TEST, MAX_LEN = 1200, 600, 16
#: Architecture of the default and biased models; ``overfit`` is wider, without dropout.
ARCHITECTURE = {"d_model": 32, "n_heads": 2, "n_layers": 2, "d_ff": 64, "dropout": 0.1}
OVERFIT_ARCHITECTURE = {"d_model": 64, "n_heads": 2, "n_layers": 2, "d_ff": 128, "dropout": 0.0}


def prepare(*, seed: int, variant: str) -> Plan:
    """The sentiment corpus for ``seed`` and ``variant``, and the Transformer encoder.

    A stratified 20% of the training rows is held out for validation (the learning
    curve and, for ``default`` and ``biased``, early stopping); the Subject's train
    split is the rest. ``overfit`` keeps 80 training rows and a wider model without
    dropout or weight decay, trained for 100 epochs without early stopping.
    ``biased`` trains on a corpus whose group term predicts the label (95% of
    female-name sentences positive, male-name negative, most of those without a
    sentiment word); its test rows are unbiased, so the shortcut shows as a gap in
    selection rates between the groups. Training runs on one CPU thread: this small
    model is faster so, and the result does not depend on the machine's core count.

    Examples
    --------
    >>> from audit.settings import TrainingConfig
    >>> subject = SPEC.build(seed=0, training=TrainingConfig(epochs=1))
    >>> subject.modality, subject.X_test.dtype
    ('text', torch.int64)
    """
    import numpy as np
    import torch

    from audit.datasets._sentiment import GROUP_COLUMN, sentiment_corpus
    from audit.domains._common import validation_split
    from audit.hints import ExplainHints
    from audit.models._transformer import TransformerClassifier

    data = sentiment_corpus(
        seed, n_train=N_TRAIN, n_test=N_TEST, biased=variant == "biased", max_len=MAX_LEN
    )
    labels = data.train.labels
    fit_rows, val_rows = validation_split(labels, share=VALIDATION_SHARE, seed=seed)
    overfit = variant == "overfit"
    if overfit:
        fit_rows = np.sort(np.random.default_rng(seed).permutation(fit_rows)[:OVERFIT_ROWS])
    architecture = OVERFIT_ARCHITECTURE if overfit else ARCHITECTURE
    fitted = data.train.subset(fit_rows)
    return Plan(
        X=torch.from_numpy(data.train.ids),
        y=torch.from_numpy(labels),
        fit_rows=fit_rows,
        val_rows=val_rows,
        model_factory=lambda: TransformerClassifier(
            len(data.vocabulary), MAX_LEN, 2, pad_id=data.pad_id, **architecture
        ),
        subject={
            "train": (fitted.ids, fitted.labels),
            "test": (data.test.ids, data.test.labels),
            "modality": "text",
            "class_names": list(data.class_names),
            "sensitive_train": fitted.sensitive,
            "sensitive_test": data.test.sensitive,
            "dataset": (
                f"Generated sentiment corpus ({N_TRAIN} training and {N_TEST} test sentences "
                f"from templates, {len(data.vocabulary)} tokens, sequences of {MAX_LEN}; "
                f"sensitive: {GROUP_COLUMN}"
                + (", training rows biased by group" if variant == "biased" else "")
                + f"), seed {seed}"
            ),
        },
        explain=lambda model: ExplainHints(
            vocabulary=list(data.vocabulary),
            pad_id=int(data.pad_id),
            cls_id=int(data.cls_id),
            unk_id=int(data.unk_id),
            embedding_layer=model.embedding,
            attention=model.attention_weights,
            ground_truth_test=data.test.ground_truth,
        ),
        single_thread=True,
    )


SPEC = DomainSpec(
    name="text",
    summary="Generated sentiment corpus with planted sentiment words and group terms; "
    "Transformer encoder (BERT-like)",
    modality="text",
    model_family="Transformer encoder",
    prepare=prepare,
    variants=(
        Variant("default", DEFAULT_RECIPE, PRIVATE_RECIPE),
        Variant("overfit", OVERFIT_RECIPE, summary="80 rows, a wider model, no regularisation"),
        Variant(
            "biased",
            DEFAULT_RECIPE,
            PRIVATE_RECIPE,
            summary="training rows whose group term predicts the label",
        ),
    ),
)
