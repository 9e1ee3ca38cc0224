"""Robustness: natural corruptions, adversarial attacks, per-group flips, counterfactuals.

Corruptions follow ImageNet-C's protocol (Hendrycks & Dietterich, 2019) per modality;
attacks are captum.robust's FGSM and PGD (L∞); per-group flip rates follow Nanda et al.
(2021, "robustness bias"); intervals come from statsmodels.

The names load lazily (PEP 562): the check's registry entry imports the settings model
without loading torch.
"""

from __future__ import annotations

import importlib
from typing import Any

#: Public name → the private module that defines it.
_WHERE = {
    "ATTACKS": "_attacks",
    "adversarial": "_attacks",
    "as_logits": "_attacks",
    "CORRUPTIONS": "_corruptions",
    "Scales": "_corruptions",
    "corrupt": "_corruptions",
    "corruptions_for": "_corruptions",
    "default_term_pairs": "_counterfactual",
    "tabular_counterfactuals": "_counterfactual",
    "text_counterfactual": "_counterfactual",
    "scales_of": "_measure",
    "robustness_section": "_section",
    "RobustnessSettings": "_settings",
    "GroupRates": "_stats",
    "exact_interval": "_stats",
    "group_rates": "_stats",
    "ratio_interval": "_stats",
}

__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'audit.robustness' has no attribute {name!r}")
    return getattr(importlib.import_module(f"audit.robustness.{_WHERE[name]}"), name)


def __dir__() -> list[str]:
    return __all__
