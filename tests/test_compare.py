import json

import pytest

from audit.compare import compare_results
from audit.results import AuditResult, Metric, Section


def _result(verdict, metrics, section_verdict=None):
    section = Section("fairness", "Fairness", verdict=section_verdict or verdict, metrics=metrics)
    return AuditResult({"name": "m"}, [section], verdict=verdict)


def test_worse_verdicts_are_regressions_and_come_first():
    old = _result(
        "warn", [Metric("a", 0.9, "pass"), Metric("b", 0.5, "warn"), Metric("c", 1.0, "info")]
    )
    new = _result(
        "fail", [Metric("a", 0.7, "fail"), Metric("b", 0.6, "pass"), Metric("c", 2.0, "info")]
    )
    comparison = compare_results(old, new)
    statuses = [(c.section, c.key, c.status) for c in comparison.changes]
    assert statuses[:3] == [
        ("(overall)", "verdict", "regression"),
        ("fairness", "(section verdict)", "regression"),
        ("fairness", "a", "regression"),
    ]
    assert ("fairness", "b", "improvement") in statuses
    assert ("fairness", "c", "changed") in statuses
    a = next(c for c in comparison.changes if c.key == "a")
    assert a.delta == pytest.approx(-0.2)


def test_added_and_removed_metrics():
    old = _result("pass", [Metric("gone", 1.0, "pass")])
    new = _result("pass", [Metric("new_ok", 1.0, "pass"), Metric("new_bad", 0.1, "fail")])
    status = {c.key: c.status for c in compare_results(old, new).changes}
    assert status["gone"] == "removed"
    assert status["new_ok"] == "added"
    assert status["new_bad"] == "regression"  # a new failing metric is a worse verdict


def test_info_and_pass_count_alike():
    old = _result("info", [Metric("x", 1.0, "info")])
    new = _result("pass", [Metric("x", 1.0, "pass")])
    assert not compare_results(old, new).regressions


def test_comparison_json_is_strict():
    old = _result("pass", [Metric("x", None, "warn")])
    data = json.loads(compare_results(old, old).to_json())
    assert data["regressions"] == 0 and data["changes"][2]["delta"] is None
