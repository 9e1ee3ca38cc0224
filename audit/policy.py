"""Policy: the thresholds that turn metrics into pass / warn / fail verdicts.

The defaults live here and only here. A config file can override any of them or
add thresholds for new metric names (then ``higher_is_better`` is required).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from audit.results import Metric, Section, Threshold, worst_verdict

__all__ = ["DEFAULT_THRESHOLDS", "REFERENCE_RATES", "Policy"]

#: Rates compared with the reference group against the four-fifths band (as dalex does).
REFERENCE_RATES = (
    "selection_rate",
    "accuracy",
    "precision",
    "true_positive_rate",
    "false_positive_rate",
)

#: Default thresholds, keyed by metric name (a scoped metric such as
#: ``demographic_parity_ratio[sex]`` uses the threshold of its name).
DEFAULT_THRESHOLDS: dict[str, Threshold] = {
    # performance and generalization
    "test_accuracy": Threshold(warn=0.70, fail=0.60, higher_is_better=True),
    "test_balanced_accuracy": Threshold(warn=0.65, fail=0.55, higher_is_better=True),
    "test_roc_auc": Threshold(warn=0.75, fail=0.65, higher_is_better=True),
    "test_f1": Threshold(warn=0.70, fail=0.60, higher_is_better=True),
    "accuracy_gap": Threshold(warn=0.05, fail=0.10, higher_is_better=False),
    "val_loss_rise": Threshold(warn=0.10, fail=0.25, higher_is_better=False),
    "ece": Threshold(warn=0.08, fail=0.15, higher_is_better=False),
    # fairness: ratios against the four-fifths rule, differences against 0.1 / 0.2
    "demographic_parity_ratio": Threshold(warn=0.90, fail=0.80, higher_is_better=True),
    "demographic_parity_difference": Threshold(warn=0.10, fail=0.20, higher_is_better=False),
    "equalized_odds_ratio": Threshold(warn=0.90, fail=0.80, higher_is_better=True),
    "equalized_odds_difference": Threshold(warn=0.10, fail=0.20, higher_is_better=False),
    "equal_opportunity_ratio": Threshold(warn=0.90, fail=0.80, higher_is_better=True),
    "equal_opportunity_difference": Threshold(warn=0.10, fail=0.20, higher_is_better=False),
    "false_positive_rate_ratio": Threshold(warn=0.90, fail=0.80, higher_is_better=True),
    "false_negative_rate_ratio": Threshold(warn=0.90, fail=0.80, higher_is_better=True),
    # fairness: each group against the reference group, the four-fifths band (dalex)
    **{f"{rate}_vs_reference": Threshold(band=[0.8, 1.25]) for rate in REFERENCE_RATES},
    # explainability: trust evidence per method
    "completeness_gap": Threshold(warn=0.01, fail=0.05, higher_is_better=False),
    "randomization_spearman": Threshold(warn=0.6, fail=0.85, higher_is_better=False),
    "deletion_gain": Threshold(warn=None, fail=0.0, higher_is_better=True),
    "localisation_lift": Threshold(warn=2.0, fail=1.2, higher_is_better=True),
    # a sensitive feature (or a proxy) among the top 5 features warns
    "sensitive_feature_rank": Threshold(warn=5.5, fail=None, higher_is_better=True),
    # privacy: membership inference (lower is better)
    "mia_auc": Threshold(warn=0.6, fail=0.7, higher_is_better=False),
    "mia_tpr_at_1pct_fpr": Threshold(warn=0.05, fail=0.10, higher_is_better=False),
    "empirical_epsilon_lower_bound": Threshold(warn=0.5, fail=2.0, higher_is_better=False),
    # data
    "min_group_share": Threshold(warn=0.05, fail=0.01, higher_is_better=True),
    "representation_gap": Threshold(warn=0.05, fail=0.10, higher_is_better=False),
    "base_rate_ratio": Threshold(warn=0.80, fail=None, higher_is_better=True),
    "minority_class_share": Threshold(warn=0.20, fail=0.05, higher_is_better=True),
    "max_missing_share": Threshold(warn=0.01, fail=0.20, higher_is_better=False),
    "duplicate_share": Threshold(warn=0.01, fail=0.05, higher_is_better=False),
    "train_test_overlap": Threshold(warn=0.0, fail=0.05, higher_is_better=False),
    "max_abs_smd": Threshold(warn=0.10, fail=0.25, higher_is_better=False),
    "max_psi": Threshold(warn=0.10, fail=0.25, higher_is_better=False),
}


@dataclass
class Policy:
    """Thresholds by metric name, and the verdicts they give.

    Parameters
    ----------
    thresholds : mapping of str to Threshold, optional
        Overrides merged over :data:`DEFAULT_THRESHOLDS`.

    Examples
    --------
    >>> policy = Policy()
    >>> policy.judge(Metric("test_accuracy", 0.65)).verdict
    'warn'
    """

    thresholds: dict[str, Threshold] = field(default_factory=dict)

    def __post_init__(self) -> None:
        merged = dict(DEFAULT_THRESHOLDS)
        merged.update(self.thresholds)
        self.thresholds = merged

    @classmethod
    def from_overrides(cls, overrides: Mapping[str, Mapping[str, Any]]) -> Policy:
        """Build a policy from ``{name: {warn, fail, higher_is_better}}`` overrides.

        A known metric keeps its default direction and any limit not given; a new
        metric name must say ``higher_is_better``.
        """
        thresholds: dict[str, Threshold] = {}
        for name, values in overrides.items():
            base = DEFAULT_THRESHOLDS.get(name)
            direction = values.get("higher_is_better")
            if direction is None and base is not None:
                direction = base.higher_is_better
            elif direction is None and values.get("band") is not None:
                direction = True  # a band judges distance from it; the direction is unused
            elif direction is None:
                from audit.errors import ConfigError

                raise ConfigError(
                    f"config: policy.thresholds.{name}: expected 'higher_is_better' "
                    f"for a metric with no default threshold, got none."
                )
            band = values.get("band", base.band if base else None)
            thresholds[name] = Threshold(
                warn=values.get("warn", base.warn if base else None),
                fail=values.get("fail", base.fail if base else None),
                higher_is_better=bool(direction),
                band=None if band is None else [float(band[0]), float(band[1])],
            )
        return cls(thresholds)

    def judge(self, metric: Metric) -> Metric:
        """Set ``metric``'s threshold and verdict from this policy; return it.

        A metric with no threshold keeps the verdict its check gave (``info`` by default).
        """
        threshold = self.thresholds.get(metric.name)
        if threshold is not None:
            metric.threshold = threshold
            metric.verdict = threshold.judge(metric.value)
        return metric

    def apply(self, section: Section) -> Section:
        """Judge every metric of ``section`` and set the section's verdict.

        The section's verdict is the worst of its metrics' verdicts and the one
        the check set itself.
        """
        for metric in section.metrics:
            self.judge(metric)
        section.verdict = worst_verdict([section.verdict, *(m.verdict for m in section.metrics)])
        return section

    def to_dict(self) -> dict[str, Any]:
        """Return the thresholds as plain data, for the result's record."""
        return {name: asdict(t) for name, t in sorted(self.thresholds.items())}
