"""The data check: is the data representative and balanced across groups?"""

from __future__ import annotations

from typing import TYPE_CHECKING

from audit.checks._registry import Advice, Check, RunContext
from audit.results import Metric, Section, Threshold
from audit.settings import DataSettings

if TYPE_CHECKING:
    from audit.subject import Subject

__all__ = ["CHECK", "conclude", "run"]


def run(
    subject: Subject, settings: DataSettings | None = None, context: RunContext | None = None
) -> Section:
    """Audit the train and test data of ``subject``; see :func:`audit.data.data_section`."""
    from audit.data import subject_data_section

    return subject_data_section(subject, settings or DataSettings())


def _limit(metric: Metric) -> str:
    """The limit ``metric`` broke, in words (``""`` when it broke none)."""
    t = metric.threshold
    if t is None or t.band is not None:
        return ""
    side = "below" if t.higher_is_better else "above"
    if metric.verdict == "fail" and t.fail is not None:
        return f"fails {side} {t.fail:g}"
    if t.warn is not None:
        return f"warns {side} {t.warn:g}"
    return ""


def _phrase(metric: Metric) -> str:
    """A metric that sets the verdict, in words, with the limit it broke."""
    from audit.data._metrics import WORDS

    words = WORDS.get(metric.name, metric.description or metric.name)
    words = words.format(scope=metric.scope or "a sensitive feature")
    notes = [_limit(metric)] + (["inconclusive"] if metric.note.startswith("inconclusive") else [])
    notes = [n for n in notes if n]
    return f"{words} ({', '.join(notes)})" if notes else words


def conclude(section: Section) -> None:
    """After the policy's verdicts, lead the summary with what set the section's verdict.

    First the metrics that set it with their numbers (:func:`audit.verdicts.verdict_sentence`),
    then the same in words (with a pass, how many metrics were judged); the measured
    figures follow.

    Examples
    --------
    >>> from audit.results import Threshold
    >>> m = Metric("max_missing_share", 0.02, verdict="warn", threshold=Threshold(0.01, 0.2, False))
    >>> s = Section("data", "Data", summary="10 rows.", verdict="warn", metrics=[m])
    >>> conclude(s); s.summary
    'WARN set by max_missing_share = 0.020. In words: missing values (warns above 0.01). 10 rows.'
    """
    from audit.verdicts import verdict_sentence

    judged = [m for m in section.metrics if m.verdict in ("pass", "warn", "fail")]
    if not judged:
        return
    setting = [m for m in judged if m.verdict == section.verdict]
    if section.verdict in ("warn", "fail"):
        words = "In words: " + "; ".join(_phrase(m) for m in setting) + "." if setting else ""
    else:
        words = f"All {len(judged)} judged metrics are within their limits."
    lead = verdict_sentence(section.metrics, section.verdict)
    section.summary = " ".join(part for part in (lead, words, section.summary) if part)


#: Plain words, why it matters and the next step, for the report's top findings.
ADVICE = {
    "min_group_share": Advice(
        "share of the smallest group of {scope}",
        "A group this small is hard to model and to audit: its error rates rest on few rows.",
        "Collect more rows of the smallest {scope} group, or merge groups that are too small.",
    ),
    "representation_gap": Advice(
        "largest difference in a group's share between training and test data ({scope})",
        "The test data do not represent the groups as the training data do.",
        "Re-split stratified by {scope}, or check how the test data were collected.",
    ),
    "base_rate_ratio": Advice(
        "ratio of the positive-label rate between groups of {scope} (lowest / highest)",
        "Labels differ by group: a model trained on them learns the difference.",
        "Check how the labels were made for each {scope} group before judging the model.",
    ),
    "minority_class_ratio": Advice(
        "share of the rarest class times the number of classes (1 = balanced)",
        "The model sees few examples of the rarest class and may ignore it.",
        "Collect more of the rare class, or train with class weights; judge balanced accuracy.",
    ),
    "max_missing_share": Advice(
        "largest share of missing values in a column",
        "Missing values are filled in by preprocessing; the model's answers rest on guesses.",
        "Find why the values are missing; impute deliberately and audit the imputed rows.",
    ),
    "identifiable_duplicate_share": Advice(
        "share of rows that repeat another row exactly",
        "Duplicates weigh some people twice and inflate measured accuracy.",
        "Remove exact duplicates before training and auditing.",
    ),
    "identifiable_train_test_overlap": Advice(
        "share of test rows that also appear in the training data",
        "Test rows seen in training make the test score optimistic.",
        "Remove the overlapping rows from the test split and re-run the audit.",
    ),
    "max_shifted_smd": Advice(
        "largest standardised mean difference between training and test among shifted columns",
        "The test data differ from the training data: scores may not carry over.",
        "Inspect the shifted columns in the data section; re-split or retrain on recent data.",
    ),
    "max_shifted_psi": Advice(
        "largest population stability index between training and test among shifted columns",
        "The test data differ from the training data: scores may not carry over.",
        "Inspect the shifted columns in the data section; re-split or retrain on recent data.",
    ),
}


CHECK = Check(
    name="data",
    title="Data",
    run=run,
    settings=DataSettings,
    conclude=conclude,
    thresholds={
        "min_group_share": Threshold(warn=0.05, fail=0.01, higher_is_better=True),
        "representation_gap": Threshold(warn=0.05, fail=0.10, higher_is_better=False),
        "base_rate_ratio": Threshold(warn=0.80, fail=None, higher_is_better=True),
        # smallest class share x C: 1 is balanced; for two classes 0.4 / 0.1 are shares
        # 0.20 / 0.05, for ten classes 0.04 / 0.01
        "minority_class_ratio": Threshold(warn=0.40, fail=0.10, higher_is_better=True),
        "max_missing_share": Threshold(warn=0.01, fail=0.20, higher_is_better=False),
        # duplicates only of rows that identify themselves (values unlikely to repeat by chance)
        "identifiable_duplicate_share": Threshold(warn=0.01, fail=0.05, higher_is_better=False),
        "identifiable_train_test_overlap": Threshold(warn=0.0, fail=0.05, higher_is_better=False),
        # among features shifted beyond noise (Holm, 5% family-wise); 0 when none is
        "max_shifted_smd": Threshold(warn=0.10, fail=0.25, higher_is_better=False),
        "max_shifted_psi": Threshold(warn=0.10, fail=0.25, higher_is_better=False),
    },
    evidence=("EU AI Act Art. 10", "GDPR Art. 25", "NIST AI RMF MEASURE 2.11"),
    summary="representation, base rates, label balance, missing values, duplicates, shift",
    advice=ADVICE,
)
