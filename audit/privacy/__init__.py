"""Privacy: DP-SGD training (opacus), privacy accounting and membership-inference audits."""

from audit.privacy._accounting import epsilon_for, noise_for_epsilon
from audit.privacy._attacks import (
    AttackResult,
    attack_result,
    clopper_pearson,
    epsilon_lower_bound,
    lira_offline,
    lira_scores,
    logit_confidence,
    loss_threshold_attack,
    shadow_scores,
)
from audit.privacy._dp import (
    PrivateFit,
    default_grad_sample_mode,
    fit_private,
    module_swaps,
)
from audit.training import make_trainer  # the trainers live with fit(); kept importable here

__all__ = [
    "AttackResult",
    "PrivateFit",
    "attack_result",
    "clopper_pearson",
    "default_grad_sample_mode",
    "epsilon_for",
    "epsilon_lower_bound",
    "fit_private",
    "lira_offline",
    "lira_scores",
    "logit_confidence",
    "loss_threshold_attack",
    "make_trainer",
    "module_swaps",
    "noise_for_epsilon",
    "shadow_scores",
]
