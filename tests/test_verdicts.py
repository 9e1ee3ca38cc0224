"""The three-way rule: intervals decide, too few events are not judged."""

import pytest

from audit.policy import Policy
from audit.results import Metric
from audit.verdicts import Threshold, decide, rows_to_decide

RATIO = Threshold(warn=0.9, fail=0.8, higher_is_better=True)
GAP = Threshold(warn=0.05, fail=0.10, higher_is_better=False)
BAND = Threshold(band=[0.8, 1.25])


@pytest.mark.parametrize(
    ("threshold", "ci", "verdict", "note"),
    [
        (RATIO, [0.60, 0.79], "fail", ""),  # wholly below the fail limit
        (RATIO, [0.60, 0.80], "warn", "straddles the limit 0.8"),  # touches it: not beyond
        (RATIO, [0.90, 0.99], "pass", ""),  # wholly in the pass region
        (RATIO, [0.89, 0.99], "warn", "straddles the limit 0.9"),
        (RATIO, [0.81, 0.89], "warn", "in the warn zone"),
        (RATIO, [0.70, 0.95], "warn", "straddles the limit 0.8"),
        (GAP, [0.11, 0.20], "fail", ""),
        (GAP, [0.00, 0.05], "pass", ""),
        (GAP, [0.02, 0.12], "warn", "straddles the limit 0.1"),
        (BAND, [0.50, 0.79], "fail", ""),
        (BAND, [1.26, 1.40], "fail", ""),
        (BAND, [0.85, 1.20], "pass", ""),
        (BAND, [0.70, 1.10], "warn", "straddles the limit 0.8"),
        (BAND, [1.10, 1.30], "warn", "straddles the limit 1.25"),
    ],
)
def test_the_interval_decides(threshold, ci, verdict, note):
    value = (ci[0] + ci[1]) / 2
    decision = decide(threshold, value, ci)
    assert decision.verdict == verdict
    assert note in decision.note and (note or decision.note == "")


def test_the_point_estimate_alone_does_not_fail_what_its_interval_does_not():
    # the estimate is below the fail limit, but the interval reaches the pass region
    assert RATIO.judge(0.75) == "fail"
    assert RATIO.judge(0.75, ci=[0.55, 0.95]) == "warn"


def test_too_few_events_and_no_value_are_not_judged():
    decision = decide(RATIO, 0.0, [0.0, 0.0], events=1, min_events=10)
    assert decision == decide(RATIO, 0.0, events=1, min_events=10)
    assert decision.verdict == "info"
    assert decision.note == "too few events to judge: 1 (the policy asks for 10)"
    assert decide(RATIO, None).verdict == "info" and "not estimable" in decide(RATIO, None).note
    assert decide(RATIO, 0.95, events=10, min_events=10).verdict == "pass"


def test_more_rows_needed_scales_with_the_squared_width():
    # half-width 0.12 toward a limit 0.02 away: the interval must shrink 6-fold: 36 n
    assert rows_to_decide(0.82, 0.70, 0.94, 0.8, 100) == 3500
    assert rows_to_decide(0.82, 0.70, 0.94, 0.8, None) is None
    assert rows_to_decide(0.8, 0.70, 0.90, 0.8, 100) == 0
    note = decide(RATIO, 0.82, [0.70, 0.94], n=100).note
    assert note.endswith("about 3500 more rows (per group, for a contrast) would likely decide it.")


def test_the_policy_judges_intervals_and_events_and_writes_the_note():
    policy = Policy(min_events=5)
    metric = policy.judge(Metric("demographic_parity_ratio", 0.7, ci=[0.5, 0.85], n=60))
    assert metric.verdict == "warn" and metric.note.startswith("inconclusive: the interval")
    rare = policy.judge(Metric("false_positive_rate_ratio", 0.0, events=1, note="FPR 0/149."))
    assert rare.verdict == "info"
    assert rare.note == "FPR 0/149. too few events to judge: 1 (the policy asks for 5)"
    assert Policy().min_events == 10
