"""Explainability on captum and shap: attribution methods, and evidence they can be trusted."""

from audit.explain._methods import METHODS, ExplainContext, Explanation, MethodSpec, methods_for
from audit.explain._section import ExplainRun, explain_subject, explainability_section

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
