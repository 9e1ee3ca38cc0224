"""Checks: one audit area each, one :class:`Check` object each, in one registry.

A check is ``run(subject, settings, context) -> Section`` plus its title, settings
model, default thresholds, compliance evidence and an optional ``conclude(section)``
called once the policy has judged the section. Checks never print or render.

Adding a check is one module that defines ``CHECK`` plus one line below; a user's
own check is one :func:`register_check` call (see the README's developer section).
The modules here import nothing heavy: each check imports its library (captum,
fairlearn, opacus, ...) when it runs.
"""

from audit.checks import (
    _compute,
    _data,
    _explainability,
    _fairness,
    _generation_bias,
    _lm_compute,
    _lm_explainability,
    _lm_performance,
    _memorization,
    _performance,
    _privacy,
    _robustness,
)
from audit.checks._registry import (
    Advice,
    Check,
    RunContext,
    check_names,
    get_check,
    list_checks,
    register_check,
    unregister_check,
)

__all__ = [
    "Advice",
    "Check",
    "RunContext",
    "check_names",
    "get_check",
    "list_checks",
    "register_check",
    "unregister_check",
]

# The built-in checks, in the order they run and appear in the report.
for _module in (
    _data,
    _performance,
    _explainability,
    _fairness,
    _robustness,
    _privacy,
    # language-model checks (Check.subjects == "language_model")
    _lm_performance,
    _memorization,
    _generation_bias,
    _lm_explainability,
    _lm_compute,
    _compute,
):
    register_check(_module.CHECK)
del _module
