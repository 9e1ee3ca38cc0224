"""audit.compare: regressions only beyond noise, large moves, timings apart, the report."""

import json
import re

import pytest

from audit.compare import compare_results
from audit.errors import AuditInputError
from audit.report import render_comparison
from audit.results import AuditResult, Metric, Section, Threshold

UP = Threshold(warn=0.7, fail=0.6, higher_is_better=True)  # e.g. test_accuracy
DOWN = Threshold(warn=0.1, fail=0.2, higher_is_better=False)  # e.g. a parity difference
BAND = Threshold(band=[0.8, 1.25])


def _result(
    metrics,
    *,
    verdict="pass",
    section_verdict=None,
    seed=0,
    model="a" * 64,
    data="d" * 64,
    started="2025-03-01T10:00:00+00:00",
    compute=(),
    stages=None,
):
    sections = [
        Section("fairness", "Fairness", verdict=section_verdict or verdict, metrics=metrics)
    ]
    if compute:
        sections.append(Section("compute", "Compute", metrics=list(compute)))
    runtime = {"started_at": started, "stages": stages or {}, "peak_rss_mb": 500.0}
    manifest = {"seed": seed, "model_sha256": model, "data_sha256": data, "runtime": runtime}
    return AuditResult({"name": "credit"}, sections, verdict=verdict, manifest=manifest)


def _one(old_metric, new_metric, **options):
    comparison = compare_results(_result([old_metric]), _result([new_metric]), **options)
    (change,) = comparison.metrics
    return comparison, change


def test_a_move_within_overlapping_intervals_is_not_a_regression():
    comparison, change = _one(
        Metric("test_accuracy", 0.80, "pass", UP, ci=[0.74, 0.86]),
        Metric("test_accuracy", 0.76, "pass", UP, ci=[0.70, 0.82]),
    )
    assert change.status == "noise" and change.basis == "intervals"
    assert change.move == pytest.approx(0.04 / 0.12)
    assert comparison.regressions == [] and comparison.moved == []


@pytest.mark.parametrize(
    ("threshold", "old", "new", "status"),
    [
        (UP, (0.85, [0.80, 0.90]), (0.70, [0.64, 0.76]), "regression"),
        (UP, (0.70, [0.64, 0.76]), (0.85, [0.80, 0.90]), "improvement"),
        (DOWN, (0.05, [0.00, 0.10]), (0.30, [0.20, 0.40]), "regression"),
        (DOWN, (0.30, [0.20, 0.40]), (0.05, [0.00, 0.10]), "improvement"),
        (BAND, (1.00, [0.90, 1.10]), (0.60, [0.50, 0.70]), "regression"),  # leaves the band
        (BAND, (0.85, [0.82, 0.88]), (1.10, [1.00, 1.20]), "changed"),  # inside, both times
        (None, (0.85, [0.80, 0.90]), (0.70, [0.64, 0.76]), "changed"),  # no direction
    ],
)
def test_non_overlapping_intervals_are_beyond_noise(threshold, old, new, status):
    _, change = _one(
        Metric("m", old[0], "info", threshold, ci=old[1]),
        Metric("m", new[0], "info", threshold, ci=new[1]),
    )
    assert change.status == status and change.basis == "intervals"


def test_direction_comes_from_the_policy_when_the_metric_has_no_threshold():
    old = _result([Metric("test_accuracy", 0.85, ci=[0.80, 0.90])])
    new = _result([Metric("test_accuracy", 0.70, ci=[0.64, 0.76])])
    new.policy = {"test_accuracy": {"warn": 0.7, "fail": 0.6, "higher_is_better": True}}
    (change,) = compare_results(old, new).metrics
    assert (change.status, change.direction) == ("regression", "higher")


@pytest.mark.parametrize(
    ("old", "new", "status"),
    [
        (0.50, 0.38, "regression"),  # 0.12 > max(0.02, 20% of 0.50) = 0.10
        (0.50, 0.42, "noise"),  # 0.08 <= 0.10
        (0.010, 0.025, "noise"),  # 0.015 <= the absolute floor 0.02
        (0.010, 0.035, "regression"),  # 0.025 > 0.02
    ],
)
def test_without_intervals_the_noise_allowance_decides(old, new, status):
    threshold = UP if new < old else DOWN  # either way the new value is worse
    _, change = _one(Metric("m", old, "pass", threshold), Metric("m", new, "pass", threshold))
    assert change.status == status and change.basis == "allowance"


def test_tolerances_are_options_and_are_validated():
    old, new = Metric("m", 0.50, "pass", UP), Metric("m", 0.42, "pass", UP)
    _, change = _one(old, new, rel_tolerance=0.1)
    assert change.status == "regression"  # 0.08 > 10% of 0.50
    with pytest.raises(
        AuditInputError, match=r"^abs_tolerance: expected a finite number >= 0, got -1\.$"
    ):
        _one(old, new, abs_tolerance=-1)


def test_an_interval_that_misses_its_estimate_is_not_used():
    # a hand-edited value outside its stale interval: the allowance judges it
    _, change = _one(
        Metric("test_accuracy", 0.73, "warn", UP, ci=[0.65, 0.79]),
        Metric("test_accuracy", 0.50, "fail", UP, ci=[0.65, 0.79]),
    )
    assert (change.status, change.basis) == ("regression", "allowance")


def test_a_worse_verdict_alone_is_listed_but_is_not_a_regression():
    old = _result([Metric("test_accuracy", 0.71, "pass", UP, ci=[0.70, 0.75])], verdict="pass")
    new = _result([Metric("test_accuracy", 0.69, "warn", UP, ci=[0.66, 0.72])], verdict="warn")
    comparison = compare_results(old, new)
    assert [(c.section, c.status) for c in comparison.verdict_changes] == [
        ("fairness", "worse"),
        ("(overall)", "worse"),
    ]
    assert comparison.metrics[0].status == "noise" and comparison.regressions == []


def test_a_timing_that_doubled_is_listed_apart_and_never_regresses():
    old = _result(
        [Metric("x", 1.0)],
        compute=[Metric("inference_ms_per_example", 0.25), Metric("n_parameters", 4498.0)],
        stages={"fairness": {"seconds": 1.5, "peak_rss_mb": 400.0}},
    )
    new = _result(
        [Metric("x", 1.0)],
        compute=[Metric("inference_ms_per_example", 0.50), Metric("n_parameters", 4498.0)],
        stages={"fairness": {"seconds": 3.0, "peak_rss_mb": 400.0}},
    )
    comparison = compare_results(old, new)
    timings = {(c.section, c.key): (c.status, c.ratio) for c in comparison.timings}
    assert timings == {
        ("compute", "inference_ms_per_example"): ("changed", 2.0),
        ("(runtime)", "fairness.seconds"): ("changed", 2.0),
        ("(runtime)", "fairness.peak_rss_mb"): ("unchanged", 1.0),
        ("(runtime)", "peak_rss_mb"): ("unchanged", 1.0),
    }
    assert [c.key for c in comparison.metrics] == ["x", "n_parameters"]
    assert comparison.regressions == []


def test_a_large_move_within_wide_intervals_is_listed_as_moved_largest_first():
    # demographic_parity_difference[sex] between two seeds of the credit audit
    old = _result(
        [
            Metric(
                "demographic_parity_difference", 0.215, "warn", DOWN, scope="sex", ci=[0.067, 0.385]
            ),
            Metric(
                "demographic_parity_difference", 0.211, "warn", DOWN, scope="age", ci=[0.034, 0.432]
            ),
        ]
    )
    new = _result(
        [
            Metric(
                "demographic_parity_difference", 0.003, "warn", DOWN, scope="sex", ci=[0.0, 0.161]
            ),
            Metric(
                "demographic_parity_difference", 0.080, "warn", DOWN, scope="age", ci=[0.0, 0.281]
            ),
        ]
    )
    comparison = compare_results(old, new)
    assert [c.key for c in comparison.moved] == [
        "demographic_parity_difference[sex]",  # 0.212 moved, 0.67 of the wider interval
        "demographic_parity_difference[age]",  # 0.131 moved, 0.33 of the wider interval
    ]
    assert comparison.moved[0].move == pytest.approx(0.212 / 0.318)
    assert comparison.regressions == [] and comparison.significant == []


def test_added_and_removed_metrics():
    old = _result([Metric("gone", 1.0, "pass")])
    new = _result([Metric("new_ok", 1.0, "pass"), Metric("new_bad", 0.1, "fail")])
    status = {c.key: c.status for c in compare_results(old, new).metrics}
    assert status == {"gone": "removed", "new_ok": "added", "new_bad": "added"}


def test_info_and_pass_verdicts_rank_alike():
    comparison = compare_results(
        _result([Metric("x", 1.0, "info")], verdict="info"),
        _result([Metric("x", 1.0, "pass")], verdict="pass"),
    )
    assert {c.status for c in comparison.verdict_changes} == {"changed"}
    assert comparison.metrics[0].status == "unchanged" and not comparison.regressions


def test_changes_list_verdict_changes_then_metrics_regressions_first():
    old = _result([Metric("a", 0.9, "pass", UP), Metric("b", 0.8, "pass", UP)])
    new = _result([Metric("a", 0.9, "pass", UP), Metric("b", 0.5, "fail", UP)])
    changes = compare_results(old, new).changes
    assert [(c.kind, c.key, c.status) for c in changes[:3]] == [
        ("metric", "b", "regression"),  # no verdict changed: the regression leads
        ("metric", "a", "unchanged"),
        ("timing", "peak_rss_mb", "unchanged"),
    ]


def test_comparison_json_is_strict_and_carries_the_runs():
    old = _result([Metric("x", None, "warn")], seed=0)
    new = _result([Metric("x", None, "warn")], seed=7, model="b" * 64)
    data = json.loads(compare_results(old, new).to_json())
    assert data["regressions"] == 0 and data["old"] == "credit"
    assert (data["old_run"]["seed"], data["new_run"]["seed"]) == (0, 7)
    assert data["new_run"]["model_sha256"] == "b" * 64
    assert data["tolerances"] == {"rel_tolerance": 0.2, "abs_tolerance": 0.02, "move_fraction": 0.5}
    assert data["changes"][0]["delta"] is None and "non-overlapping" not in data["rule"]
    assert "do not overlap" in data["rule"]


def test_the_report_leads_with_the_runs_and_the_verdict_changes():
    old = _result(
        [Metric("test_accuracy", 0.85, "pass", UP, ci=[0.80, 0.90])],
        seed=3,
        model="1" * 64,
        data="2" * 64,
        compute=[Metric("train_seconds", 10.0)],
    )
    new = _result(
        [Metric("test_accuracy", 0.55, "fail", UP, ci=[0.50, 0.60])],
        verdict="fail",
        seed=4,
        model="3" * 64,
        data="4" * 64,
        started="2025-03-02T09:30:00+00:00",
        compute=[Metric("train_seconds", 20.0)],
    )
    html = render_comparison(compare_results(old, new))
    headings = re.findall(r"<h2 id=\"([a-z-]+)\">", html)
    assert headings == [
        "verdict-changes",
        "metric-changes",
        "moved",
        "timings",
        "other-metrics",
        "rule",
    ]
    verdicts = html[html.index('id="verdict-changes"') : html.index('id="metric-changes"')]
    assert verdicts.index("<td>fairness</td>") < verdicts.index("<td>overall</td>")
    header = html[: html.index('id="verdict-changes"')]
    for text in (
        '<td class="num">3</td>',
        '<td class="num">4</td>',
        "1" * 64,
        "2" * 64,
        "3" * 64,
        "4" * 64,
    ):
        assert text in header
    assert "2025-03-01T10:00:00+00:00" in header and "2025-03-02T09:30:00+00:00" in header
    assert "1 regression(s)" in header
    timings = html[html.index('id="timings"') : html.index('id="other-metrics"')]
    assert "train_seconds" in timings and "×2.00" in timings
    assert "://" not in html  # offline: no external address


def test_the_report_escapes_names():
    old = _result([Metric("<script>alert(1)</script>", 1.0)])
    html = render_comparison(compare_results(old, old))
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_report_shows_model_seeds_only_when_they_differ_from_the_seeds():
    same = _result([Metric("x", 1.0)])
    same.manifest["subject_seed"] = 0
    assert "model seed" not in render_comparison(compare_results(same, same))
    other = _result([Metric("x", 1.0)])
    other.manifest["subject_seed"] = 5
    comparison = compare_results(same, other)
    assert (comparison.old.subject_seed, comparison.new.subject_seed) == (0, 5)
    assert '<th scope="row">model seed</th><td class="num">0</td><td class="num">5</td>' in (
        render_comparison(comparison)
    )


def test_notes_say_what_differs_between_the_runs():
    base = _result([Metric("x", 1.0)], seed=0, model="a" * 64)
    reseeded = compare_results(base, _result([Metric("x", 1.0)], seed=1, model="b" * 64))
    assert reseeded.notes == [
        "The runs use different seeds (0 and 1): changes within the intervals are what a "
        "reseed alone produces."
    ]
    retrained = compare_results(
        base, _result([Metric("x", 1.0)], seed=0, model="c" * 64, data="e" * 64, started=None)
    )
    assert retrained.notes == [
        "The data differ (their hashes differ).",
        "Same seed, different model hashes: the model or its training changed.",
        "A run records no start time (manifest runtime.started_at).",
    ]


def test_describe_gives_one_console_line():
    _, change = _one(
        Metric("m", 0.85, "pass", UP, ci=[0.80, 0.90]),
        Metric("m", 0.55, "fail", UP, ci=[0.50, 0.60]),
    )
    assert (
        change.describe()
        == "fairness m: 0.85 [0.8, 0.9] → 0.55 [0.5, 0.6], verdict pass → fail (regression)"
    )
