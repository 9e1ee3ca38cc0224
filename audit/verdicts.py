"""Verdicts as decisions under uncertainty: thresholds, and the three-way rule on intervals.

A metric with a confidence interval is judged by its interval, not by its estimate:

- **fail** when the whole interval lies beyond the fail limit (outside the band);
- **pass** when the whole interval lies in the pass region (at least as good as the
  warn limit, or the fail limit when there is none; inside the band);
- **warn** otherwise: in the warn zone, or *inconclusive* when the interval straddles a
  limit; the note then says about how many more rows (per group) would likely decide.

A metric resting on fewer events than the policy's ``min_events`` is not judged
(``info``, "too few events to judge"), nor is one with no value ("not estimable").
Without an interval the estimate is compared with the limits, as a plain threshold does.
The false-FAIL rate of a section is the check's to control: it gives intervals at a
family-wise level (e.g. Bonferroni over the contrasts it judges).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["Decision", "Threshold", "decide", "rows_to_decide", "verdict_sentence"]


@dataclass
class Threshold:
    """Policy limits for one metric.

    ``higher_is_better`` says which way is good: a metric that is better high fails
    below ``fail`` and warns below ``warn``; one that is better low, the other way.
    ``band`` (``[low, high]``) is a two-sided limit: a value outside it fails, as a
    ratio outside the four-fifths band 0.8–1.25 does.
    """

    warn: float | None = None
    fail: float | None = None
    higher_is_better: bool = True
    band: list[float] | None = None

    def judge(self, value: float | None, ci: list[float | None] | None = None) -> str:
        """Return the verdict for ``value`` (and its interval ``ci``, when given).

        Examples
        --------
        >>> Threshold(band=[0.8, 1.25]).judge(1.25), Threshold(band=[0.8, 1.25]).judge(1.26)
        ('pass', 'fail')
        >>> Threshold(warn=0.9, fail=0.8).judge(0.75, ci=[0.6, 0.85])  # straddles 0.8
        'warn'
        """
        return decide(self, value, ci).verdict

    def worse(self, a: float, b: float) -> bool:
        """Whether ``a`` is worse than ``b`` in this metric's direction."""
        return a < b if self.higher_is_better else a > b


@dataclass(frozen=True)
class Decision:
    """A verdict and, when the number alone does not explain it, why."""

    verdict: str
    note: str = ""


def decide(
    threshold: Threshold,
    value: float | None,
    ci: list[float | None] | None = None,
    *,
    events: int | None = None,
    min_events: int | None = None,
    n: int | None = None,
) -> Decision:
    """Judge ``value`` (with its interval ``ci``) against ``threshold``.

    Parameters
    ----------
    threshold : Threshold
    value : float or None
        The estimate; ``None`` (e.g. 0/0) is not judged.
    ci : [low, high], optional
        A confidence interval; when both ends are known it decides (see module doc).
    events, min_events : int, optional
        Events behind the value and the fewest the policy judges.
    n : int, optional
        Rows (per group) behind the interval, for the "more rows" estimate.

    Examples
    --------
    >>> t = Threshold(warn=0.9, fail=0.8, higher_is_better=True)
    >>> decide(t, 0.6, [0.5, 0.7]).verdict, decide(t, 0.95, [0.91, 0.99]).verdict
    ('fail', 'pass')
    >>> decide(t, 0.82, [0.7, 0.94], n=100).note
    'inconclusive: the interval 0.700–0.940 straddles the limit 0.8; about 3500 more rows (per \
group, for a contrast) would likely decide it.'
    >>> decide(t, 0.0, events=1, min_events=10).verdict
    'info'
    """
    if events is not None and min_events is not None and events < min_events:
        asks = f"too few events to judge: {events} (the policy asks for {min_events})"
        return Decision("info", asks)
    if value is None:
        return Decision("info", "not estimable (no events in a group it compares)")
    if ci is None or ci[0] is None or ci[1] is None:
        return Decision(_point(threshold, value))
    low, high = float(ci[0]), float(ci[1])
    if threshold.band is not None:
        band_low, band_high = threshold.band
        if high < band_low or low > band_high:
            return Decision("fail")
        if band_low <= low and high <= band_high:
            return Decision("pass")
        limit = band_low if low < band_low else band_high
        return Decision("warn", _inconclusive(value, low, high, limit, n))
    fail, warn = threshold.fail, threshold.warn
    good = warn if warn is not None else fail
    # the end of the interval that is best / worst in the metric's direction
    best, worst = (high, low) if threshold.higher_is_better else (low, high)
    if fail is not None and threshold.worse(best, fail):
        return Decision("fail")
    if good is None or not threshold.worse(worst, good):
        return Decision("pass")
    if fail is not None and threshold.worse(worst, fail):
        return Decision("warn", _inconclusive(value, low, high, fail, n))  # straddles fail
    if fail is not None and warn is not None and threshold.worse(best, warn):
        return Decision("warn", "in the warn zone: the whole interval lies between the limits")
    return Decision("warn", _inconclusive(value, low, high, good, n))  # straddles the pass limit


def _point(threshold: Threshold, value: float) -> str:
    if threshold.band is not None and not threshold.band[0] <= value <= threshold.band[1]:
        return "fail"
    if threshold.fail is not None and threshold.worse(value, threshold.fail):
        return "fail"
    if threshold.warn is not None and threshold.worse(value, threshold.warn):
        return "warn"
    return "pass"


def _inconclusive(value: float, low: float, high: float, limit: float, n: int | None) -> str:
    text = f"inconclusive: the interval {low:.3f}–{high:.3f} straddles the limit {limit:g}"
    more = rows_to_decide(value, low, high, limit, n)
    if more is None:
        return text + "."
    if more == 0:
        return text + "; the estimate sits on the limit: more rows would not decide it."
    return text + f"; about {more} more rows (per group, for a contrast) would likely decide it."


def rows_to_decide(
    value: float, low: float, high: float, limit: float, n: int | None
) -> int | None:
    """About how many more rows (per group) would shrink the interval off ``limit``.

    The half-width facing the limit shrinks as ``1/sqrt(n)``; the interval stops
    touching the limit once it is no wider than the estimate's distance to it.
    ``None`` without ``n``; 0 when the estimate sits on the limit.

    Examples
    --------
    >>> rows_to_decide(0.82, 0.70, 0.94, 0.8, 100)
    3500
    """
    if n is None or n <= 0:
        return None
    distance = abs(value - limit)
    if distance == 0:
        return 0
    half = (high - value) if limit > value else (value - low)
    return max(1, math.ceil(round(n * (half / distance) ** 2 - n, 6)))


def verdict_sentence(metrics: list, verdict: str, *, limit: int = 3) -> str:
    """Name, in words, the metrics that set a section's ``verdict``, with their intervals.

    ``metrics`` are :class:`~audit.results.Metric` objects already judged. Counts the
    inconclusive ones and those left unjudged for too few events.

    Examples
    --------
    >>> from audit.results import Metric
    >>> m = Metric("demographic_parity_ratio", 0.7, verdict="fail", scope="sex", ci=[0.6, 0.78])
    >>> verdict_sentence([m], "fail")
    'FAIL set by demographic_parity_ratio[sex] = 0.700 (interval 0.600–0.780).'
    """
    judged = [m for m in metrics if m.verdict != "info"]
    too_few = sum("too few events" in m.note for m in metrics)
    if not judged:
        return f"Not judged: {too_few} metric(s) rest on too few events." if too_few else ""
    setting = [m for m in judged if m.verdict == verdict]
    named = ", ".join(
        f"{m.key} = {m.value:.3f}"
        + (f" (interval {m.ci[0]:.3f}–{m.ci[1]:.3f})" if m.ci and None not in m.ci else "")
        for m in setting[:limit]
        if m.value is not None
    )
    more = f" and {len(setting) - limit} more" if len(setting) > limit else ""
    text = f"{verdict.upper()} set by {named}{more}." if named else ""
    inconclusive = sum(m.note.startswith("inconclusive") for m in judged)
    if inconclusive:
        text += f" {inconclusive} inconclusive at this size (see their notes)."
    if too_few:
        text += f" {too_few} not judged: too few events."
    return text.strip()
