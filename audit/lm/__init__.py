"""Language models: the subject, training, and the work of the language-model checks.

A causal language model (``ids → next-token logits``) is audited as an
:class:`LanguageModelSubject`; ``audit.run`` then chooses the checks registered for
language models (``Check.subjects == "language_model"``): memorization (canary
exposure, extraction, membership attack), generation bias, performance, compute and
explanations. ``import audit`` does not import this package's heavy parts.

Examples
--------
>>> import audit
>>> subject = audit.reference("gpt", training=audit.TrainingConfig(epochs=1))  # doctest: +SKIP
>>> audit.run(subject).section("memorization")  # doctest: +SKIP
"""

from __future__ import annotations

import importlib
from typing import Any

#: Public name → the private module that defines it (loaded on first use, PEP 562, so
#: that the check registry reads the settings without importing torch).
_WHERE = {
    "CanaryFormat": "_subject",
    "CausalLMAdapter": "_hf",
    "GenerationBiasSettings": "_settings",
    "LMExplainSettings": "_settings",
    "LanguageModelSubject": "_subject",
    "MemorizationSettings": "_settings",
    "NextToken": "_subject",
    "Secret": "_subject",
}

__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'audit.lm' has no attribute {name!r}")
    return getattr(importlib.import_module(f"audit.lm.{_WHERE[name]}"), name)


def __dir__() -> list[str]:
    return __all__
