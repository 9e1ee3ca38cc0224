"""Reference domains: a data set, a model family and training recipes each.

A domain is declared once, in its module: ``prepare(*, seed, variant) -> Plan`` and
``SPEC``, a :class:`DomainSpec` with its variants and their recipes. One shared build
(:meth:`DomainSpec.build`) trains every domain. Adding a domain is one module plus
one line below. Declarations import nothing heavy; ``prepare`` imports what it needs.
"""

from audit.domains import (
    _adult,
    _credit,
    _driving,
    _gpt,
    _medical,
    _sequence,
    _sequence_digits,
    _speech,
    _text,
    _vision,
)
from audit.domains._registry import get_domain, list_domains, reference, register
from audit.domains._spec import DomainSpec, Plan, Variant

__all__ = ["DomainSpec", "Plan", "Variant", "get_domain", "list_domains", "reference", "register"]

for _module in (
    _credit,
    _medical,
    _vision,
    _sequence,
    _sequence_digits,
    _text,
    _adult,
    _driving,
    _speech,
    _gpt,
):
    register(_module.SPEC)
del _module
