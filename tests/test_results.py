import json

import numpy as np

from audit.results import AuditResult, Figure, Metric, Section, Table, Threshold, worst_verdict


def _result() -> AuditResult:
    section = Section(
        id="s",
        title="S",
        summary="sum",
        verdict="warn",
        metrics=[
            Metric(
                "a", np.float64(0.5), "pass", Threshold(0.4, 0.3, True), scope="x", description="d"
            ),
            Metric("b", float("nan")),
        ],
        tables=[Table("t", "T", ["c1", "c2"], [[np.int64(1), np.float32(0.25)], ["z", None]])],
        figures=[
            Figure("f", "F", "alt", "svg", "<svg></svg>"),
            Figure("g", "G", "alt", "bars", {"categories": ["a"], "series": {"r": [0.5]}}),
        ],
        notes=["n"],
    )
    return AuditResult(
        subject={"name": "m"}, sections=[section], verdict="warn", manifest={"seed": 0}
    )


def test_json_round_trip_is_exact():
    result = _result()
    again = AuditResult.from_json(result.to_json())
    assert again == result
    assert again.to_json() == result.to_json()
    assert again.to_dict() == result.to_dict()


def test_values_become_plain_json():
    data = json.loads(_result().to_json())
    metric_b = data["sections"][0]["metrics"][1]
    assert metric_b["value"] is None  # NaN is not valid JSON
    assert data["sections"][0]["tables"][0]["rows"][0] == [1, 0.25]


def test_lookups_name_what_exists():
    result = _result()
    assert result.section("s").metric("a[x]").value == 0.5
    try:
        result.section("s").metric("a")
    except KeyError as error:
        assert "it has: a[x], b" in str(error)


def test_worst_verdict_orders_by_severity():
    assert worst_verdict([]) == "info"
    assert worst_verdict(["pass", "info"]) == "pass"
    assert worst_verdict(["warn", "fail", "pass"]) == "fail"
