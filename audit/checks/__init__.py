"""Checks: one audit area each, ``run(subject, settings) -> Section``.

A check never prints or renders. It may define ``conclude(section)``, called once
the policy has judged the section's metrics, to state a verdict built from them.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType

from audit.errors import bad_input

__all__ = ["CHECKS", "CheckSpec", "get_check"]


@dataclass(frozen=True)
class CheckSpec:
    """A check's name, its module and the config field holding its settings."""

    name: str
    module: str
    title: str

    def load(self) -> ModuleType:
        return importlib.import_module(self.module)


CHECKS: dict[str, CheckSpec] = {
    "data": CheckSpec("data", "audit.checks._data", "Data"),
    "performance": CheckSpec(
        "performance", "audit.checks._performance", "Performance and generalization"
    ),
    "explainability": CheckSpec("explainability", "audit.checks._explainability", "Explainability"),
    "fairness": CheckSpec("fairness", "audit.checks._fairness", "Fairness"),
    "privacy": CheckSpec("privacy", "audit.checks._privacy", "Privacy"),
    "compute": CheckSpec("compute", "audit.checks._compute", "Compute"),
}


def get_check(name: str) -> CheckSpec:
    """Return the check ``name`` or raise a named error listing the known ones."""
    if name not in CHECKS:
        raise bad_input("checks", f"names from {sorted(CHECKS)}", repr(name))
    return CHECKS[name]
