"""The data check: is the data representative and balanced across groups?"""

from __future__ import annotations

from typing import TYPE_CHECKING

from audit.checks._registry import Check, RunContext
from audit.results import Section, Threshold
from audit.settings import DataSettings

if TYPE_CHECKING:
    from audit.subject import Subject

__all__ = ["CHECK", "run"]


def run(
    subject: Subject, settings: DataSettings | None = None, context: RunContext | None = None
) -> Section:
    """Audit the train and test data of ``subject``; see :func:`audit.data.data_section`."""
    from audit.data import subject_data_section

    return subject_data_section(subject, settings or DataSettings())


CHECK = Check(
    name="data",
    title="Data",
    run=run,
    settings=DataSettings,
    thresholds={
        "min_group_share": Threshold(warn=0.05, fail=0.01, higher_is_better=True),
        "representation_gap": Threshold(warn=0.05, fail=0.10, higher_is_better=False),
        "base_rate_ratio": Threshold(warn=0.80, fail=None, higher_is_better=True),
        "minority_class_share": Threshold(warn=0.20, fail=0.05, higher_is_better=True),
        "max_missing_share": Threshold(warn=0.01, fail=0.20, higher_is_better=False),
        "duplicate_share": Threshold(warn=0.01, fail=0.05, higher_is_better=False),
        "train_test_overlap": Threshold(warn=0.0, fail=0.05, higher_is_better=False),
        "max_abs_smd": Threshold(warn=0.10, fail=0.25, higher_is_better=False),
        "max_psi": Threshold(warn=0.10, fail=0.25, higher_is_better=False),
    },
    evidence=("EU AI Act Art. 10", "GDPR Art. 25", "NIST AI RMF MEASURE 2.11"),
    summary="representation, base rates, label balance, missing values, duplicates, shift",
)
