"""Compare two audit results: each metric old vs new, regressions first."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from audit.results import AuditResult

__all__ = ["Change", "Comparison", "compare_results"]

#: Severity for comparisons: an unjudged metric (info) counts as passing.
_RANK = {"info": 0, "pass": 0, "warn": 1, "fail": 2}
_ORDER = {"regression": 0, "removed": 1, "added": 2, "improvement": 3, "changed": 4, "unchanged": 5}


@dataclass
class Change:
    """One metric (or section, or the overall verdict) in the old and the new result."""

    section: str
    key: str
    old_value: float | None
    new_value: float | None
    old_verdict: str | None
    new_verdict: str | None
    status: str

    @property
    def delta(self) -> float | None:
        if self.old_value is None or self.new_value is None:
            return None
        return self.new_value - self.old_value


@dataclass
class Comparison:
    """All changes between two results, regressions first."""

    old_name: str
    new_name: str
    changes: list[Change] = field(default_factory=list)

    @property
    def regressions(self) -> list[Change]:
        return [c for c in self.changes if c.status == "regression"]

    def to_dict(self) -> dict[str, Any]:
        return {
            "old": self.old_name,
            "new": self.new_name,
            "regressions": len(self.regressions),
            "changes": [{**asdict(c), "delta": c.delta} for c in self.changes],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, allow_nan=False, ensure_ascii=False)


def _status(
    old: str | None, new: str | None, old_value: float | None, new_value: float | None
) -> str:
    if old is None:
        return "regression" if _RANK[new] > 0 else "added"
    if new is None:
        return "removed"
    if _RANK[new] > _RANK[old]:
        return "regression"
    if _RANK[new] < _RANK[old]:
        return "improvement"
    return "unchanged" if old_value == new_value else "changed"


def compare_results(old: AuditResult, new: AuditResult) -> Comparison:
    """Compare every metric, section verdict and the overall verdict of two results.

    A *regression* is a verdict that got worse (``info`` and ``pass`` count alike,
    then ``warn``, then ``fail``), including a new metric or section that warns or
    fails. Metrics are matched by section id and key (``name[scope]``).

    Examples
    --------
    >>> from audit.results import AuditResult, Metric, Section
    >>> a = AuditResult({"name": "m"}, [Section("s", "S", metrics=[Metric("x", 0.9, "pass")])])
    >>> b = AuditResult({"name": "m"}, [Section("s", "S", metrics=[Metric("x", 0.7, "fail")])])
    >>> [c.status for c in compare_results(a, b).regressions]
    ['regression']
    """
    changes = [
        Change(
            "(overall)",
            "verdict",
            None,
            None,
            old.verdict,
            new.verdict,
            _status(old.verdict, new.verdict, None, None),
        )
    ]
    old_sections = {s.id: s for s in old.sections}
    new_sections = {s.id: s for s in new.sections}
    for sid in list(old_sections) + [s for s in new_sections if s not in old_sections]:
        before, after = old_sections.get(sid), new_sections.get(sid)
        changes.append(
            Change(
                sid,
                "(section verdict)",
                None,
                None,
                before.verdict if before else None,
                after.verdict if after else None,
                _status(
                    before.verdict if before else None, after.verdict if after else None, None, None
                ),
            )
        )
        old_metrics = {m.key: m for m in (before.metrics if before else [])}
        new_metrics = {m.key: m for m in (after.metrics if after else [])}
        for key in list(old_metrics) + [k for k in new_metrics if k not in old_metrics]:
            a, b = old_metrics.get(key), new_metrics.get(key)
            changes.append(
                Change(
                    sid,
                    key,
                    a.value if a else None,
                    b.value if b else None,
                    a.verdict if a else None,
                    b.verdict if b else None,
                    _status(
                        a.verdict if a else None,
                        b.verdict if b else None,
                        a.value if a else None,
                        b.value if b else None,
                    ),
                )
            )
    changes.sort(key=lambda c: _ORDER[c.status])  # stable: keeps report order within a status
    return Comparison(
        old_name=str(old.subject.get("name")),
        new_name=str(new.subject.get("name")),
        changes=changes,
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
