"""Reference domains: a data set, a model family and a training recipe each.

Adding a domain is one module with a ``build`` function plus one line below.
"""

from audit.domains._registry import DomainSpec, get_domain, list_domains, reference, register

__all__ = ["DomainSpec", "get_domain", "list_domains", "reference", "register"]

register(
    DomainSpec(
        name="credit",
        module="audit.domains._credit",
        summary=(
            "German credit risk (1,000 applicants), feed-forward network; sensitive: sex, age group"
        ),
        modality="tabular",
        model_family="feed-forward network (MLP)",
        variants=("default", "overfit", "biased"),
    )
)
register(
    DomainSpec(
        name="medical",
        module="audit.domains._medical",
        summary="Breast cancer diagnosis (569 patients, scikit-learn), feed-forward network",
        modality="tabular",
        model_family="feed-forward network (MLP)",
        variants=("default", "overfit"),
    )
)
register(
    DomainSpec(
        name="vision",
        module="audit.domains._vision",
        summary="Handwritten digits 8x8 (1,797 images, scikit-learn), CNN with residual blocks",
        modality="image",
        model_family="residual CNN",
        variants=("default", "overfit"),
    )
)
register(
    DomainSpec(
        name="sequence",
        module="audit.domains._sequence",
        summary="Generated multichannel signals, class set by a short event at a known place; LSTM",
        modality="sequence",
        model_family="LSTM",
        variants=("default", "overfit"),
    )
)
register(
    DomainSpec(
        name="sequence-digits",
        module="audit.domains._sequence_digits",
        summary="Handwritten digits read row by row as 8-step sequences; LSTM",
        modality="sequence",
        model_family="LSTM",
        variants=("default", "overfit"),
    )
)
register(
    DomainSpec(
        name="text",
        module="audit.domains._text",
        summary="Generated sentiment corpus with planted sentiment words and group terms; "
        "Transformer encoder (BERT-like)",
        modality="text",
        model_family="Transformer encoder",
        variants=("default", "overfit", "biased"),
    )
)
register(
    DomainSpec(
        name="adult",
        module="audit.domains._adult",
        summary="UCI Adult census income (online: downloads on first use), feed-forward network; "
        "sensitive: sex, race",
        modality="tabular",
        model_family="feed-forward network (MLP)",
    )
)
