"""The language-model performance check: perplexity, its gap, next-token accuracy, curves."""

from __future__ import annotations

from typing import TYPE_CHECKING

from audit.checks._registry import Advice, Check, RunContext
from audit.results import Section, Threshold
from audit.settings import NoSettings

if TYPE_CHECKING:
    from audit.lm import LanguageModelSubject

__all__ = ["CHECK", "run"]


def run(
    subject: LanguageModelSubject,
    settings: NoSettings | None = None,
    context: RunContext | None = None,
) -> Section:
    """Perplexity on training and held-out sequences; see :mod:`audit.lm._performance`."""
    from audit.lm._performance import lm_performance_section

    return lm_performance_section(subject, settings)


CHECK = Check(
    name="lm_performance",
    title="Language-model performance",
    run=run,
    thresholds={"perplexity_gap": Threshold(warn=0.5, fail=2.0, higher_is_better=False)},
    evidence=("EU AI Act Art. 15",),
    summary="Train vs held-out perplexity, their gap, next-token accuracy, learning curve",
    advice={
        "perplexity_gap": Advice(
            "held-out minus training perplexity",
            "The model fits its training text better than new text: it overfits and memorizes.",
            "Train on more data, for fewer epochs, or with regularisation.",
        ),
    },
    subjects="language_model",
)
