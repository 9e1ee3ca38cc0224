"""The data section's metrics: what each one measures, and how the summary names it."""

from __future__ import annotations

from audit.results import Metric, Section

__all__ = ["DESCRIPTIONS", "WORDS", "add"]

DESCRIPTIONS = {
    "min_group_share": "smallest group's share of all rows",
    "representation_gap": "largest gap between a group's share in a split and in all rows",
    "base_rate_ratio": "smallest over largest group share of label 1 (all rows)",
    "minority_class_ratio": "smallest class's share of all rows times the number of classes C "
    "(1 = balanced; judged against the even share 1/C)",
    "max_missing_share": "largest share of missing values in a column (all rows)",
    "identifiable_duplicate_share": "share of rows repeating an earlier row of their split "
    "(features and label), counted only where the row can identify itself: were the columns "
    "independent with their observed level frequencies, fewer than 0.001 other rows of its "
    "split would share its values (repeats of common levels are what chance gives)",
    "identifiable_train_test_overlap": "share of test rows whose features equal a train "
    "row's, counted only where the row can identify itself (fewer than 0.001 train rows "
    "would share its values by chance, columns independent)",
    "max_abs_smd": "largest |standardised mean difference| of a numeric feature, test vs "
    "train, with a simultaneous (Bonferroni) 95% interval over the numeric features; not judged",
    "max_psi": "largest population stability index of a feature, test vs train; not judged",
    "max_shifted_smd": "largest |SMD| among numeric features whose means differ significantly "
    "(Welch's test, Holm-adjusted over all the section's shift tests, 5% family-wise); "
    "0 when none does",
    "max_shifted_psi": "largest PSI among features whose distributions differ significantly "
    "(chi-square test over the PSI's bins, Holm-adjusted over all the section's shift tests, "
    "5% family-wise); 0 when none does",
}

#: How the summary names a metric that sets the verdict; ``{scope}`` is its feature.
WORDS = {
    "min_group_share": "a small group of {scope}",
    "representation_gap": "groups of {scope} represented unevenly across the splits",
    "base_rate_ratio": "unequal base rates across groups of {scope}",
    "minority_class_ratio": "a class well below its even share",
    "max_missing_share": "missing values",
    "identifiable_duplicate_share": "duplicates of rows that could not repeat by chance",
    "identifiable_train_test_overlap": "test rows copied from train",
    "max_shifted_smd": "a significant shift in a numeric feature's mean, test vs train",
    "max_shifted_psi": "a significant shift in a feature's distribution, test vs train",
}


def add(
    section: Section,
    name: str,
    value: float,
    scope: str | None = None,
    *,
    ci: list[float] | None = None,
    n: int | None = None,
) -> Metric:
    """Append the metric ``name`` (with its description) to ``section``; return it."""
    metric = Metric(name, value, scope=scope, description=DESCRIPTIONS[name], ci=ci, n=n)
    section.metrics.append(metric)
    return metric
