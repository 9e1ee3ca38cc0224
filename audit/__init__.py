"""rai-audit: a responsible-AI audit and interpretability suite for PyTorch models.

The public names are imported on first use (PEP 562), so ``import audit`` and the
``rai-audit`` commands that need no model (``--help``, ``domains``, ``init``) load
neither torch nor the science libraries (captum, shap, opacus, fairlearn, scipy, ...).

Examples
--------
>>> import audit
>>> subject = audit.reference("credit", seed=0)       # doctest: +SKIP
>>> result = audit.run(subject)                        # doctest: +SKIP
>>> result.save("reports/out/credit")                  # doctest: +SKIP
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

#: Public name → the module that defines it, imported on first access.
_EXPORTS: dict[str, str] = {
    "Advice": "audit.checks",
    "AuditConfig": "audit.config",
    "AuditInputError": "audit.errors",
    "AuditResult": "audit.results",
    "Check": "audit.checks",
    "ConfigError": "audit.errors",
    "EpochRecord": "audit.history",
    "ExplainHints": "audit.hints",
    "Figure": "audit.results",
    "Metric": "audit.results",
    "Policy": "audit.policy",
    "Section": "audit.results",
    "Subject": "audit.subject",
    "Table": "audit.results",
    "Threshold": "audit.results",
    "TrainingConfig": "audit.config",
    "TrainingHistory": "audit.history",
    "TrainingRecord": "audit.hints",
    "audit_predictions": "audit.predictions",
    "list_domains": "audit.domains",
    "load_config": "audit.config",
    "reference": "audit.domains",
    "register_check": "audit.checks",
    "run": "audit.runner",
}

#: Names that hand out an :class:`~audit.results.AuditResult`: first access also imports
#: ``audit.report``, which registers the HTML renderer behind ``save`` and ``_repr_html_``.
_NEEDS_RENDERER = frozenset({"AuditResult", "audit_predictions", "run"})

__all__ = [
    "Advice",
    "AuditConfig",
    "AuditInputError",
    "AuditResult",
    "Check",
    "ConfigError",
    "EpochRecord",
    "ExplainHints",
    "Figure",
    "Metric",
    "Policy",
    "Section",
    "Subject",
    "Table",
    "Threshold",
    "TrainingConfig",
    "TrainingHistory",
    "TrainingRecord",
    "__version__",
    "audit_predictions",
    "list_domains",
    "load_config",
    "reference",
    "register_check",
    "run",
]

if TYPE_CHECKING:  # what static analysers and IDEs see; nothing is imported at run time
    from audit.checks import Advice, Check, register_check
    from audit.config import AuditConfig, TrainingConfig, load_config
    from audit.domains import list_domains, reference
    from audit.errors import AuditInputError, ConfigError
    from audit.hints import ExplainHints, TrainingRecord
    from audit.history import EpochRecord, TrainingHistory
    from audit.policy import Policy
    from audit.predictions import audit_predictions
    from audit.results import AuditResult, Figure, Metric, Section, Table, Threshold
    from audit.runner import run
    from audit.subject import Subject


def __getattr__(name: str) -> Any:
    """Import the public name ``name`` from its module on first access (PEP 562).

    Parameters
    ----------
    name : str
        An attribute of the ``audit`` package.

    Returns
    -------
    Any
        The object ``name`` stands for; it is cached in the package namespace, so
        this function runs once per name.

    Raises
    ------
    AttributeError
        When ``name`` is not a public name of ``audit`` (nor one of its submodules).

    Examples
    --------
    >>> import audit
    >>> audit.Threshold(fail=0.8).judge(0.7)
    'fail'
    """
    module_name = _EXPORTS.get(name)
    if module_name is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    if name in _NEEDS_RENDERER:
        importlib.import_module("audit.report")
    value = getattr(importlib.import_module(module_name), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """The package namespace and every public name, imported or not.

    Returns
    -------
    list of str
        Sorted attribute names, as :func:`dir` shows them.
    """
    return sorted(set(globals()) | set(__all__))
