"""Policy: the thresholds that turn metrics into pass / warn / fail verdicts.

The defaults are the registered checks' own (:func:`default_thresholds`). A config
file can override any of them or add thresholds for new metric names (then
``higher_is_better`` is required).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from audit.results import Metric, Section, Threshold, worst_verdict
from audit.verdicts import decide

__all__ = ["Policy", "default_thresholds"]

def default_thresholds() -> dict[str, Threshold]:
    """Every registered check's default thresholds, keyed by metric name.

    A scoped metric such as ``demographic_parity_ratio[sex]`` uses the threshold of
    its name. Built from the check registry (:func:`audit.checks.list_checks`).

    Examples
    --------
    >>> default_thresholds()["test_accuracy"].fail
    0.6
    """
    from audit.checks import list_checks

    merged: dict[str, Threshold] = {}
    for check in list_checks():
        merged.update(check.thresholds)
    return merged


def __getattr__(name: str) -> Any:
    if name == "DEFAULT_THRESHOLDS":  # the registry's thresholds, as they are now
        return default_thresholds()
    if name == "REFERENCE_RATES":
        from audit.settings import REFERENCE_RATES

        return REFERENCE_RATES
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass
class Policy:
    """Thresholds by metric name, and the verdicts they give.

    Parameters
    ----------
    thresholds : mapping of str to Threshold, optional
        Overrides merged over :func:`default_thresholds`.

    Examples
    --------
    >>> policy = Policy()
    >>> policy.judge(Metric("test_accuracy", 0.65)).verdict
    'warn'
    """

    thresholds: dict[str, Threshold] = field(default_factory=dict)
    #: a metric resting on fewer events (errors, positives, ...) is not judged
    min_events: int = 10

    def __post_init__(self) -> None:
        merged = default_thresholds()
        merged.update(self.thresholds)
        self.thresholds = merged

    @classmethod
    def from_overrides(
        cls, overrides: Mapping[str, Mapping[str, Any]], *, min_events: int = 10
    ) -> Policy:
        """Build a policy from ``{name: {warn, fail, higher_is_better}}`` overrides.

        A known metric keeps its default direction and any limit not given; a new
        metric name must say ``higher_is_better``.
        """
        thresholds: dict[str, Threshold] = {}
        defaults = default_thresholds()
        for name, values in overrides.items():
            base = defaults.get(name)
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
        return cls(thresholds, min_events=min_events)

    def judge(self, metric: Metric) -> Metric:
        """Set ``metric``'s threshold and verdict from this policy; return it.

        With an interval (``metric.ci``) the interval decides: fail when it lies wholly
        beyond the fail limit, pass when wholly in the pass region, else warn
        (inconclusive, or in the warn zone); see :func:`audit.verdicts.decide`. A
        metric with fewer than ``min_events`` events, or no value, is ``info``. The
        reason lands in ``metric.note``. A metric with no threshold keeps the verdict
        its check gave (``info`` by default).
        """
        threshold = self.thresholds.get(metric.name)
        if threshold is not None:
            metric.threshold = threshold
            decision = decide(
                threshold,
                metric.value,
                metric.ci,
                events=metric.events,
                min_events=self.min_events,
                n=metric.n,
            )
            metric.verdict = decision.verdict
            if decision.note:
                metric.note = f"{metric.note} {decision.note}".strip()
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
