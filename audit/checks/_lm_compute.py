"""The language-model compute check: parameters, FLOPs per token, generation latency."""

from __future__ import annotations

from typing import TYPE_CHECKING

from audit.checks._registry import Check, RunContext
from audit.results import Section
from audit.settings import NoSettings

if TYPE_CHECKING:
    from audit.lm import LanguageModelSubject

__all__ = ["CHECK", "run"]


def run(
    subject: LanguageModelSubject,
    settings: NoSettings | None = None,
    context: RunContext | None = None,
) -> Section:
    """Measure the cost of the model; see :mod:`audit.lm._performance`."""
    from audit.lm._performance import lm_compute_section

    return lm_compute_section(subject, settings)


CHECK = Check(
    name="lm_compute",
    title="Language-model compute",
    run=run,
    summary="Parameters, FLOPs per token (torch.utils.flop_counter), generation latency per token",
    subjects="language_model",
)
