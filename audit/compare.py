"""Compare two audit results: verdict changes first, then metric changes beyond noise.

Two runs of the same audit differ by chance alone (another seed, another bootstrap),
so a metric counts as a *regression* only when its change lies beyond that noise and
in the bad direction:

- **with an interval** on both sides: the two intervals do not overlap. Intervals are
  at the audit's ``ci_level`` (95% by default, simultaneous over a section's judged
  metrics, so each is at least that wide), and non-overlap of two 95% intervals is a
  conservative test (about p < 0.006 for a difference of two normal estimates): it
  misses some real changes and rarely flags noise. An interval that does not contain
  its own estimate (a hand-edited value, say) is not used.
- **without one**: the values differ by more than the noise allowance,
  ``max(abs_tolerance, rel_tolerance * larger |value|)`` (0.02 and 20% by default).

The bad direction is the metric's policy threshold's (``higher_is_better``; for a
band, moving further outside it). A metric without a threshold that changes beyond
noise is *changed*, never a regression. A change within noise that is still large,
by more than the wider interval or by half the larger value (and at least
``abs_tolerance``), is listed as *moved*, largest first. Time, energy and memory
figures are listed apart as *timings* and never count as regressions.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from audit._changes import (  # Change and TIMING_METRICS are re-exported
    _ORDER,
    _TOLERANCES,
    OVERALL_SECTION,
    RUNTIME_SECTION,
    TIMING_METRICS,
    Change,
    _metric_change,
    _runtime,
    _threshold,
    _timing_change,
    _union,
    _verdict_change,
    is_timing,
)
from audit.results import AuditResult

__all__ = ["TIMING_METRICS", "Change", "Comparison", "RunInfo", "compare_results", "load_result"]


@dataclass(frozen=True)
class RunInfo:
    """What identifies one run: name, seed, start time, model and data hashes.

    Read from the result's subject and manifest (``seed``, the config's; ``subject_seed``,
    the reference model's; ``model_sha256``, ``data_sha256``, ``runtime.started_at``, the
    start time); a field the result lacks is ``None``.
    """

    name: str
    verdict: str
    seed: int | None = None
    subject_seed: int | None = None
    started_at: str | None = None
    model_sha256: str | None = None
    data_sha256: str | None = None
    version: str | None = None

    @classmethod
    def from_result(cls, result: AuditResult) -> RunInfo:
        manifest = result.manifest or {}
        runtime = manifest.get("runtime") or {}
        return cls(
            name=str(result.subject.get("name")),
            verdict=result.verdict,
            seed=manifest.get("seed"),
            subject_seed=manifest.get("subject_seed"),
            started_at=runtime.get("started_at"),
            model_sha256=manifest.get("model_sha256"),
            data_sha256=manifest.get("data_sha256"),
            version=(manifest.get("versions") or {}).get("rai-audit"),
        )


@dataclass
class Comparison:
    """Two runs side by side: verdict changes, metric changes and timings.

    ``verdicts`` lists every section's verdict in report order, then the overall
    one; ``metrics`` is sorted regressions, improvements, changed, removed, added,
    moved (largest move first), noise, unchanged; ``timings`` never regress.
    """

    old: RunInfo
    new: RunInfo
    verdicts: list[Change] = field(default_factory=list)
    metrics: list[Change] = field(default_factory=list)
    timings: list[Change] = field(default_factory=list)
    rel_tolerance: float = 0.2
    abs_tolerance: float = 0.02
    move_fraction: float = 0.5

    @property
    def old_name(self) -> str:
        return self.old.name

    @property
    def new_name(self) -> str:
        return self.new.name

    @property
    def verdict_changes(self) -> list[Change]:
        """Section verdicts that changed (report order), then the overall verdict's."""
        return [c for c in self.verdicts if c.status != "unchanged"]

    @property
    def regressions(self) -> list[Change]:
        """Metrics that changed beyond noise in their bad direction."""
        return [c for c in self.metrics if c.status == "regression"]

    @property
    def significant(self) -> list[Change]:
        """Metrics beyond noise, added or removed (regressions first)."""
        return [c for c in self.metrics if _ORDER[c.status] < _ORDER["moved"]]

    @property
    def moved(self) -> list[Change]:
        """Metrics that moved a lot within noise, largest move first."""
        return [c for c in self.metrics if c.status == "moved"]

    @property
    def changes(self) -> list[Change]:
        """Verdict changes, then every metric (in ``metrics`` order), then the timings."""
        return self.verdict_changes + self.metrics + self.timings

    @property
    def rule(self) -> str:
        """The regression rule, in words, with this comparison's tolerances."""
        return (
            "A metric is a regression when it changed beyond noise in its bad direction "
            "(the policy threshold's higher_is_better; for a band, further outside it). "
            "Beyond noise means: its two intervals do not overlap (95% by default; "
            "non-overlap is a conservative test), or, without an interval on both sides (or "
            "with one that does not contain its estimate), a change larger than "
            f"max({self.abs_tolerance:g}, {self.rel_tolerance:.0%} of the larger value). "
            "A metric with no threshold is 'changed', never a regression. A change within "
            "noise larger than the wider interval, or than "
            f"{self.move_fraction:.0%} of the larger value (and at least "
            f"{self.abs_tolerance:g}), is listed as moved. Timings (time, energy, "
            "memory) never count. Verdicts are listed for reading; a worse verdict is "
            "not by itself a regression."
        )

    @property
    def notes(self) -> list[str]:
        """What a reader should know about the two runs before reading the changes."""
        old, new = self.old, self.new
        notes = []
        if old.seed != new.seed:
            notes.append(
                f"The runs use different seeds ({old.seed} and {new.seed}): changes within "
                "the intervals are what a reseed alone produces."
            )
        if old.data_sha256 and new.data_sha256 and old.data_sha256 != new.data_sha256:
            notes.append("The data differ (their hashes differ).")
        if old.model_sha256 and old.model_sha256 == new.model_sha256:
            notes.append("The model is the same (its hashes match).")
        elif old.seed == new.seed and old.model_sha256 and new.model_sha256:
            notes.append("Same seed, different model hashes: the model or its training changed.")
        if old.started_at is None or new.started_at is None:
            notes.append("A run records no start time (manifest runtime.started_at).")
        return notes

    def to_dict(self) -> dict[str, Any]:
        """Return the comparison as plain JSON data (``comparison.json``)."""
        return {
            "old": self.old.name,
            "new": self.new.name,
            "old_run": asdict(self.old),
            "new_run": asdict(self.new),
            "regressions": len(self.regressions),
            "improvements": sum(c.status == "improvement" for c in self.metrics),
            "moved": len(self.moved),
            "verdict_changes": len(self.verdict_changes),
            "rule": self.rule,
            "tolerances": {k: getattr(self, k) for k in _TOLERANCES},
            "notes": self.notes,
            "changes": [c.to_dict() for c in self.changes],
            "verdicts": [c.to_dict() for c in self.verdicts],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, allow_nan=False, ensure_ascii=False)


def compare_results(
    old: AuditResult,
    new: AuditResult,
    *,
    rel_tolerance: float = 0.2,
    abs_tolerance: float = 0.02,
    move_fraction: float = 0.5,
) -> Comparison:
    """Compare every metric, section verdict, timing and the overall verdict of two results.

    Metrics are matched by section id and key (``name[scope]``). See the module
    docstring (and :attr:`Comparison.rule`) for when a change is a regression.

    Parameters
    ----------
    old, new : AuditResult
        The earlier and the later run.
    rel_tolerance, abs_tolerance : float, default 0.2 and 0.02
        The noise allowance for a metric without intervals on both sides:
        ``max(abs_tolerance, rel_tolerance * max(|old|, |new|))``.
    move_fraction : float, default 0.5
        A change within noise of at least this fraction of the larger value (and at
        least ``abs_tolerance``) is listed as *moved*, as is one wider than an interval.

    Returns
    -------
    Comparison

    Examples
    --------
    >>> from audit.results import AuditResult, Metric, Section, Threshold
    >>> up = Threshold(fail=0.6, higher_is_better=True)
    >>> def run(value, ci):
    ...     metric = Metric("test_accuracy", value, "pass", threshold=up, ci=ci)
    ...     return AuditResult({"name": "m"}, [Section("performance", "P", metrics=[metric])])
    >>> compare_results(run(0.90, [0.85, 0.95]), run(0.86, [0.80, 0.92])).metrics[0].status
    'noise'
    >>> compare_results(run(0.90, [0.85, 0.95]), run(0.70, [0.62, 0.78])).metrics[0].status
    'regression'
    """
    options = dict(zip(_TOLERANCES, (rel_tolerance, abs_tolerance, move_fraction), strict=True))
    for name, value in options.items():
        number = isinstance(value, (int, float)) and not isinstance(value, bool)
        if not (number and math.isfinite(value) and value >= 0):
            from audit.errors import bad_input

            raise bad_input(name, "a finite number >= 0", value)
    verdicts: list[Change] = []
    metrics: list[Change] = []
    timings: list[Change] = []
    old_sections = {s.id: s for s in old.sections}
    new_sections = {s.id: s for s in new.sections}
    for sid in _union(old_sections, new_sections):
        before, after = old_sections.get(sid), new_sections.get(sid)
        old_verdict, new_verdict = (
            (before.verdict if before else None),
            (after.verdict if after else None),
        )
        verdicts.append(_verdict_change(sid, old_verdict, new_verdict))
        old_metrics = {m.key: m for m in (before.metrics if before else [])}
        new_metrics = {m.key: m for m in (after.metrics if after else [])}
        for key in _union(old_metrics, new_metrics):
            a, b = old_metrics.get(key), new_metrics.get(key)
            if is_timing((a or b).name):  # type: ignore[union-attr]
                old_value, new_value = (a.value if a else None), (b.value if b else None)
                timings.append(_timing_change(sid, key, old_value, new_value))
            else:
                metrics.append(_metric_change(sid, key, a, b, _threshold(a, b, old, new), options))
    verdicts.append(_verdict_change(OVERALL_SECTION, old.verdict, new.verdict))
    old_runtime, new_runtime = _runtime(old), _runtime(new)
    for key in _union(old_runtime, new_runtime):
        timings.append(
            _timing_change(RUNTIME_SECTION, key, old_runtime.get(key), new_runtime.get(key))
        )
    metrics.sort(key=lambda c: (_ORDER[c.status], -(c.move or 0.0)))  # stable within ties
    return Comparison(
        old=RunInfo.from_result(old),
        new=RunInfo.from_result(new),
        verdicts=verdicts,
        metrics=metrics,
        timings=timings,
        **{name: float(value) for name, value in options.items()},
    )



def load_result(path: str | Path, argument: str) -> AuditResult:
    """Read a ``results.json`` with a named error when it cannot be read or parsed."""
    from audit.errors import bad_input

    path = Path(path)
    try:
        return AuditResult.load(path)
    except FileNotFoundError:
        raise bad_input(
            argument, "a results.json file", f"{str(path)!r}, which does not exist"
        ) from None
    except (OSError, ValueError, TypeError, KeyError) as error:
        raise bad_input(
            argument, "a results.json written by rai-audit", f"{str(path)!r}: {error}"
        ) from None
