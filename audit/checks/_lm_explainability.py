"""The language-model explainability check: LIG and attention rollout of the next token."""

from __future__ import annotations

from typing import TYPE_CHECKING

from audit.checks._registry import Advice, Check, RunContext
from audit.lm._settings import LMExplainSettings
from audit.results import Section, Threshold

if TYPE_CHECKING:
    from audit.lm import LanguageModelSubject

__all__ = ["CHECK", "run"]


def run(
    subject: LanguageModelSubject,
    settings: LMExplainSettings | None = None,
    context: RunContext | None = None,
) -> Section:
    """Explain next-token predictions; see :mod:`audit.lm._explain`."""
    from audit.lm._explain import lm_explainability_section

    return lm_explainability_section(
        subject, settings or LMExplainSettings(), seed=0 if context is None else context.seed
    )


CHECK = Check(
    name="lm_explainability",
    title="Language-model explanations",
    run=run,
    settings=LMExplainSettings,
    thresholds={"lm_randomization_spearman": Threshold(warn=0.5, fail=0.8, higher_is_better=False)},
    evidence=("EU AI Act Art. 13",),
    summary="Layer Integrated Gradients and attention rollout of the next token; agreement; "
    "randomization sanity test",
    advice={
        "lm_randomization_spearman": Advice(
            "agreement of explanations of the trained and a randomized model",
            "Explanations that do not change when the weights are randomized say little "
            "about what the model learned.",
            "Prefer another attribution method, or more integration steps.",
        ),
    },
    subjects="language_model",
)
