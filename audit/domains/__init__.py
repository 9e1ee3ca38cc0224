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
    )
)
