"""The rules of :mod:`audit.compare` for one metric, timing or verdict: a :class:`Change`.

See :mod:`audit.compare` for when a change counts as a regression.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

from audit.results import AuditResult, Metric
from audit.verdicts import Threshold

__all__ = ["OVERALL_SECTION", "RUNTIME_SECTION", "TIMING_METRICS", "Change", "is_timing"]

#: Severity for comparisons: an unjudged metric (info) counts as passing.
_RANK = {"info": 0, "pass": 0, "warn": 1, "fail": 2}
#: Metric names that measure time, energy or memory: they vary from run to run.
TIMING_METRICS = frozenset(
    {"inference_ms_per_example", "train_seconds", "energy_wh", "co2e_g", "peak_rss_mb"}
)
_TIMING_SUFFIXES = ("_seconds", "_ms", "_ms_per_example")
#: The order of metric changes: beyond noise first, then large moves, then the rest.
_STATUSES = ("regression", "improvement", "changed", "removed", "added", "moved", "noise")
_ORDER = {status: rank for rank, status in enumerate((*_STATUSES, "unchanged"))}
_TOLERANCES = ("rel_tolerance", "abs_tolerance", "move_fraction")
RUNTIME_SECTION = "(runtime)"
OVERALL_SECTION = "(overall)"


@dataclass
class Change:
    """One metric, timing or verdict in the old and the new result.

    ``status`` is, for a metric: ``regression``, ``improvement``, ``changed`` (beyond
    noise, no direction), ``moved`` (large but within noise), ``noise``, ``unchanged``,
    ``added`` or ``removed``; for a verdict: ``worse``, ``better``, ``changed`` (INFO
    and PASS, which rank alike), ``unchanged``, ``added`` or ``removed``; for a
    timing: ``changed``, ``unchanged``, ``added`` or ``removed``. ``move`` is the size
    of the change in units of the wider interval (``basis`` ``"intervals"``) or of
    the noise allowance (``basis`` ``"allowance"``).
    """

    section: str
    key: str
    old_value: float | None
    new_value: float | None
    old_verdict: str | None
    new_verdict: str | None
    status: str
    kind: Literal["metric", "timing", "verdict"] = "metric"
    old_ci: list[float | None] | None = None
    new_ci: list[float | None] | None = None
    direction: Literal["higher", "lower", "band"] | None = None
    basis: Literal["intervals", "allowance"] | None = None
    move: float | None = None

    @property
    def delta(self) -> float | None:
        """``new_value - old_value`` (``None`` when either is missing)."""
        if self.old_value is None or self.new_value is None:
            return None
        return self.new_value - self.old_value

    @property
    def ratio(self) -> float | None:
        """``new_value / old_value`` (``None`` when either is missing or old is 0)."""
        if self.old_value is None or self.new_value is None or self.old_value == 0:
            return None
        return self.new_value / self.old_value

    def describe(self) -> str:
        """One console line: old and new values with their intervals, verdicts, status.

        Examples
        --------
        >>> Change("s", "x", 0.05, 0.3, "pass", "warn", "regression", new_ci=[0.2, 0.4]).describe()
        's x: 0.05 → 0.3 [0.2, 0.4], verdict pass → warn (regression)'
        """
        old, new = _text(self.old_value, self.old_ci), _text(self.new_value, self.new_ci)
        values = "" if self.kind == "verdict" else f"{old} → {new}"
        verdicts = (
            "" if self.kind == "timing" else f"verdict {self.old_verdict} → {self.new_verdict}"
        )
        parts = ", ".join(part for part in (values, verdicts) if part)
        return f"{self.section} {self.key}: {parts} ({self.status})"

    def to_dict(self) -> dict[str, Any]:
        """The change as plain JSON data, with ``delta`` and ``ratio``."""
        return {**asdict(self), "delta": self.delta, "ratio": self.ratio}



def _union(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """The keys of ``old`` in order, then those only in ``new``."""
    return list(old) + [key for key in new if key not in old]


def _text(value: float | None, ci: list[float | None] | None) -> str:
    interval = f" [{ci[0]:.4g}, {ci[1]:.4g}]" if ci and None not in ci else ""
    return ("—" if value is None else f"{value:.4g}") + interval


def _presence(old: object, new: object) -> str:
    """``added``, ``removed`` or (both missing) ``unchanged``, for a side that is ``None``."""
    return "unchanged" if old is new else ("added" if old is None else "removed")


def _verdict_change(section: str, old: str | None, new: str | None) -> Change:
    if old is None or new is None:
        status = _presence(old, new)
    elif _RANK[new] != _RANK[old]:
        status = "worse" if _RANK[new] > _RANK[old] else "better"
    else:
        status = "unchanged" if old == new else "changed"
    key = "verdict" if section == OVERALL_SECTION else "(section verdict)"
    return Change(section, key, None, None, old, new, status, kind="verdict")


def is_timing(name: str) -> bool:
    """Whether metric ``name`` measures time, energy or memory (varies from run to run)."""
    return name in TIMING_METRICS or name.endswith(_TIMING_SUFFIXES)


def _timing_change(section: str, key: str, old: float | None, new: float | None) -> Change:
    status = _presence(old, new) if old is None or new is None else "changed"
    status = "unchanged" if old == new else status
    return Change(section, key, old, new, None, None, status, kind="timing")


def _runtime(result: AuditResult) -> dict[str, float]:
    """The manifest's run times and memory: ``stage.seconds``, ``stage.peak_rss_mb``."""
    runtime = (result.manifest or {}).get("runtime") or {}
    rows: dict[str, float] = {}
    for stage, record in (runtime.get("stages") or {}).items():
        record = record if isinstance(record, dict) else {"seconds": record}
        for field_name in ("seconds", "peak_rss_mb"):
            if isinstance(record.get(field_name), (int, float)):
                rows[f"{stage}.{field_name}"] = float(record[field_name])
    if isinstance(runtime.get("peak_rss_mb"), (int, float)):
        rows["peak_rss_mb"] = float(runtime["peak_rss_mb"])
    return rows


def _threshold(
    a: Metric | None, b: Metric | None, old: AuditResult, new: AuditResult
) -> Threshold | None:
    """The metric's threshold: on the new metric, the old one, or in either policy."""
    for metric in (b, a):
        if metric is not None and metric.threshold is not None:
            return metric.threshold
    name = (a or b).name  # type: ignore[union-attr]
    for policy in (new.policy, old.policy):
        record = (policy or {}).get(name)
        if isinstance(record, dict):
            known = ("warn", "fail", "higher_is_better", "band")
            return Threshold(**{k: record[k] for k in known if k in record})
    return None


def _interval(metric: Metric) -> tuple[float, float] | None:
    """The metric's interval, when complete and containing its estimate."""
    ci, value = metric.ci, metric.value
    if value is None or not ci or ci[0] is None or ci[1] is None:
        return None
    low, high = float(ci[0]), float(ci[1])
    slack = 1e-9 * max(1.0, abs(value))
    return (low, high) if low - slack <= value <= high + slack else None


def _worse(threshold: Threshold | None, old: float, new: float) -> bool | None:
    """Whether ``new`` is worse than ``old`` (``None``: no direction, or a tie)."""
    if threshold is None:
        return None
    if threshold.band is not None:
        low, high = threshold.band
        old_out, new_out = max(low - old, old - high, 0.0), max(low - new, new - high, 0.0)
        return None if old_out == new_out else new_out > old_out
    return threshold.worse(new, old)


def _metric_change(
    section: str,
    key: str,
    a: Metric | None,
    b: Metric | None,
    threshold: Threshold | None,
    options: dict[str, float],
) -> Change:
    change = Change(
        section,
        key,
        a.value if a else None,
        b.value if b else None,
        a.verdict if a else None,
        b.verdict if b else None,
        "unchanged",
        old_ci=a.ci if a else None,
        new_ci=b.ci if b else None,
    )
    if threshold is not None:
        change.direction = (
            "band" if threshold.band else "higher" if threshold.higher_is_better else "lower"
        )
    if a is None or b is None or a.value is None or b.value is None:
        if a is None or b is None:
            change.status = _presence(a, b)
        else:  # a value that is not estimable in one run
            change.status = "unchanged" if a.value == b.value else "changed"
        return change
    old, new = a.value, b.value
    size, larger = abs(new - old), max(abs(old), abs(new))
    old_interval, new_interval = _interval(a), _interval(b)
    if old_interval and new_interval:
        widest = max(old_interval[1] - old_interval[0], new_interval[1] - new_interval[0])
        significant = old_interval[1] < new_interval[0] or new_interval[1] < old_interval[0]
        large = size > widest or (
            size >= options["move_fraction"] * larger and size >= options["abs_tolerance"]
        )
        change.basis, scale = "intervals", max(widest, options["abs_tolerance"])
    else:
        allowance = max(options["abs_tolerance"], options["rel_tolerance"] * larger)
        significant, large = size > allowance, False  # beyond the allowance is beyond noise
        change.basis, scale = "allowance", allowance
    change.move = size / scale if scale > 0 else None
    if size == 0:
        change.status = "unchanged"
    elif significant:
        worse = _worse(threshold, old, new)
        change.status = "changed" if worse is None else ("regression" if worse else "improvement")
    else:
        change.status = "moved" if large else "noise"
    return change
