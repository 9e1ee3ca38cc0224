"""Badges: whether each method's explanations can be trusted, from its judged trust tests.

A method is **trusted** only when every trust test it has passes; **caution** when
one warns (inconclusive, in the warn zone) or could not be judged and none fails;
**unreliable** when one fails. The three are counted apart, so a count of trusted
methods never includes a warned one. A section-wide test (:data:`GATES`: whether
the model shows any skill) counts for every method.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field

from audit.results import Metric

__all__ = [
    "GATES",
    "STATUSES",
    "TRUST_TESTS",
    "Badge",
    "badges",
    "count_sentence",
    "provisional_badges",
]

#: The judged trust tests, in the order a badge names them.
TRUST_TESTS = (
    "completeness_gap",
    "randomization_spearman",
    "deletion_p_value",
    "localisation_lift",
)
#: Section-wide tests whose verdict holds for every method (a model with no skill).
GATES = ("model_skill_p_value",)
STATUSES = ("trusted", "caution", "unreliable")


@dataclass
class Badge:
    """One method's standing, and the tests behind it."""

    method: str
    status: str
    failing: list[str] = field(default_factory=list)
    warned: list[str] = field(default_factory=list)
    unjudged: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        """``trusted``, ``caution: test, ...`` or ``unreliable: test, ...`` (with any cautions).

        Examples
        --------
        >>> Badge("ig", "unreliable", ["deletion_p_value"], ["randomization_spearman"]).text
        'unreliable: deletion_p_value (caution: randomization_spearman)'
        """
        if self.status == "trusted":
            return "trusted"
        cautions = self.warned + [f"{name} not judged" for name in self.unjudged]
        if self.status == "caution":
            return "caution: " + ", ".join(cautions)
        text = "unreliable: " + ", ".join(self.failing)
        return text + (f" (caution: {', '.join(cautions)})" if cautions else "")


def badges(metrics: Iterable[Metric], methods: Iterable[str] | None = None) -> dict[str, Badge]:
    """The badge of each method (metric scope), from the verdicts of its trust tests.

    Examples
    --------
    >>> ms = [Metric("deletion_p_value", 0.03, verdict="pass", scope="a"),
    ...       Metric("randomization_spearman", 0.7, verdict="warn", scope="a"),
    ...       Metric("deletion_p_value", 0.3, verdict="fail", scope="b")]
    >>> {k: b.status for k, b in badges(ms).items()}
    {'a': 'caution', 'b': 'unreliable'}
    """
    metrics = list(metrics)
    if methods is None:
        methods = [m.scope for m in metrics if m.scope and m.name in TRUST_TESTS]
    gates = [m for m in metrics if m.name in GATES and not m.scope]
    out = {}
    for method in dict.fromkeys(methods):
        tests = {m.name: m for m in metrics if m.scope == method and m.name in TRUST_TESTS}
        ordered = gates + [tests[name] for name in TRUST_TESTS if name in tests]
        failing = [m.name for m in ordered if m.verdict == "fail"]
        warned = [m.name for m in ordered if m.verdict == "warn"]
        unjudged = [m.name for m in ordered if m.verdict == "info"]
        status = "unreliable" if failing else "caution" if warned or unjudged else "trusted"
        out[method] = Badge(method, status, failing, warned, unjudged)
    return out


def provisional_badges(metrics: Iterable[Metric]) -> dict[str, Badge]:
    """Badges under the default policy, before the run's own policy has judged the metrics.

    The section is built with them (its headline ranking); the check's ``conclude``
    computes them again from the verdicts of the run's policy.
    """
    from audit.policy import Policy

    policy = Policy()
    judged = [policy.judge(dataclasses.replace(m, note="")) for m in metrics]
    return badges(judged)


def count_sentence(found: dict[str, Badge], labels: dict[str, str] | None = None) -> str:
    """``"2 of 6 methods trusted (A, B); 3 caution; 1 unreliable."``

    Examples
    --------
    >>> count_sentence({"a": Badge("a", "trusted"), "b": Badge("b", "caution", warned=["x"])})
    '1 of 2 methods trusted (a); 1 caution; 0 unreliable.'
    """
    labels = labels or {}
    by = {s: [labels.get(m, m) for m, b in found.items() if b.status == s] for s in STATUSES}
    named = f" ({', '.join(by['trusted'])})" if by["trusted"] else ""
    return (
        f"{len(by['trusted'])} of {len(found)} methods trusted{named}; "
        f"{len(by['caution'])} caution; {len(by['unreliable'])} unreliable."
    )
