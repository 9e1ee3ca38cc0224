"""Explainability on captum and shap: attribution methods, and evidence they can be trusted.

The names load on first use, so that the check registry (and ``import audit``) can
read the check's settings model without loading torch, captum or shap.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "METHODS",
    "ExplainContext",
    "ExplainRun",
    "Explanation",
    "MethodSpec",
    "explain_subject",
    "explainability_section",
    "methods_for",
]

_WHERE = {
    "METHODS": "_methods",
    "ExplainContext": "_methods",
    "Explanation": "_methods",
    "MethodSpec": "_methods",
    "methods_for": "_methods",
    "ExplainRun": "_section",
    "explain_subject": "_section",
    "explainability_section": "_section",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
