import numpy as np
import pandas as pd
import pytest
from fairlearn.metrics import (
    demographic_parity_difference,
    demographic_parity_ratio,
    equalized_odds_difference,
    equalized_odds_ratio,
)

import audit
from audit.checks import _fairness as fairness
from audit.config import FairnessSettings
from audit.errors import AuditInputError
from audit.fairness import fairness_section
from tests.conftest import fixed_prediction_subject

# Group A (4 rows): y_true 1 1 0 0, y_pred 1 0 0 0 -> selection 1/4, TPR 1/2, FPR 0, accuracy 3/4
# Group B (5 rows): y_true 1 1 1 0 0, y_pred 1 1 0 1 0 -> selection 3/5, TPR 2/3, FPR 1/2, acc 3/5
Y_TRUE = [1, 1, 0, 0, 1, 1, 1, 0, 0]
Y_PRED = [1, 0, 0, 0, 1, 1, 0, 1, 0]
GROUPS = ["A"] * 4 + ["B"] * 5
#: Judge every group of the tiny table, and skip the slow parts.
TINY = FairnessSettings(min_group_size=1, n_bootstrap=200, mitigation=False)


def test_group_metrics_equal_a_hand_computation():
    section = fairness.run(fixed_prediction_subject(Y_TRUE, Y_PRED, GROUPS), TINY)
    table = section.table("by_group")
    assert table.columns[:3] == ["sensitive_feature", "group", "count"]
    for name in (
        "selection_rate",
        "accuracy",
        "true_positive_rate",
        "false_positive_rate",
        "false_negative_rate",
    ):
        assert name in table.columns  # the results.json contract
    rows = {row[1]: dict(zip(table.columns, row, strict=True)) for row in table.rows}
    a, b = rows["A"], rows["B"]
    assert (a["count"], b["count"]) == (4, 5)
    assert a["base_rate"] == 0.5 and b["base_rate"] == pytest.approx(3 / 5)
    assert (
        a["selection_rate"],
        a["accuracy"],
        a["true_positive_rate"],
        a["false_positive_rate"],
    ) == (0.25, 0.75, 0.5, 0.0)
    assert a["precision"] == 1.0 and a["balanced_accuracy"] == pytest.approx(0.75)
    assert b["selection_rate"] == pytest.approx(3 / 5) and b["true_positive_rate"] == pytest.approx(
        2 / 3
    )
    assert b["false_positive_rate"] == 0.5 and b["false_negative_rate"] == pytest.approx(1 / 3)
    assert b["precision"] == pytest.approx(2 / 3)


def test_disparities_equal_a_hand_computation():
    section = fairness.run(fixed_prediction_subject(Y_TRUE, Y_PRED, GROUPS), TINY)
    value = lambda key: section.metric(key).value  # noqa: E731
    assert value("demographic_parity_difference[group]") == pytest.approx(0.6 - 0.25)
    assert value("demographic_parity_ratio[group]") == pytest.approx(0.25 / 0.6)
    assert value("equalized_odds_difference[group]") == pytest.approx(0.5)
    assert value("equalized_odds_ratio[group]") == pytest.approx(0.0)
    assert value("equal_opportunity_difference[group]") == pytest.approx(2 / 3 - 1 / 2)
    assert value("equal_opportunity_ratio[group]") == pytest.approx(0.75)
    assert value("false_negative_rate_ratio[group]") == pytest.approx((1 / 3) / (1 / 2))
    # reference: the largest group, B
    assert value("selection_rate_vs_reference[group: A / B]") == pytest.approx(0.25 / 0.6)
    assert value("precision_vs_reference[group: A / B]") == pytest.approx(1 / (2 / 3))


def test_disparities_equal_fairlearn_on_credit(credit_subject):
    section = fairness.run(credit_subject, FairnessSettings(n_bootstrap=0, mitigation=False))
    y = credit_subject.y_test.numpy()
    pred = credit_subject.predict_proba("test").argmax(axis=1)
    for feature in ("sex", "age_group"):
        s = credit_subject.sensitive_test[feature]
        expected = {
            "demographic_parity_difference": demographic_parity_difference(
                y, pred, sensitive_features=s
            ),
            "demographic_parity_ratio": demographic_parity_ratio(y, pred, sensitive_features=s),
            "equalized_odds_difference": equalized_odds_difference(y, pred, sensitive_features=s),
            "equalized_odds_ratio": equalized_odds_ratio(y, pred, sensitive_features=s),
        }
        for name, value in expected.items():
            assert section.metric(f"{name}[{feature}]").value == pytest.approx(value), name


def _band_case(selected_in_b: int) -> audit.Section:
    """Reference A: 100 rows, half selected; B: 40 rows with ``selected_in_b`` selected."""
    y_true = np.array([1, 0] * 50 + [1, 0] * 20)
    y_pred = np.array([1] * 50 + [0] * 50 + [1] * selected_in_b + [0] * (40 - selected_in_b))
    groups = pd.DataFrame({"g": ["A"] * 100 + ["B"] * 40})
    section = fairness_section(
        y_true, y_pred, groups, settings=FairnessSettings(n_bootstrap=0, mitigation=False)
    )
    return audit.Policy().apply(section)


@pytest.mark.parametrize(
    ("selected", "ratio", "verdict"),
    [(16, 0.8, "pass"), (15, 0.75, "fail"), (25, 1.25, "pass"), (26, 1.3, "fail")],
)
def test_four_fifths_verdict_flips_at_the_band_edges(selected, ratio, verdict):
    metric = _band_case(selected).metric("selection_rate_vs_reference[g: B / A]")
    assert metric.value == pytest.approx(ratio)
    assert metric.threshold.band == [0.8, 1.25]
    assert metric.verdict == verdict


def test_reference_group_is_configurable():
    settings = FairnessSettings(
        min_group_size=1, n_bootstrap=0, mitigation=False, reference_groups={"group": "A"}
    )
    section = fairness.run(fixed_prediction_subject(Y_TRUE, Y_PRED, GROUPS), settings)
    assert section.metric("selection_rate_vs_reference[group: B / A]").value == pytest.approx(
        0.6 / 0.25
    )
    bad = settings.model_copy(update={"reference_groups": {"group": "Z"}})
    with pytest.raises(
        AuditInputError,
        match=r"fairness.reference_groups.group: expected one of the groups \['A', 'B'\]",
    ):
        fairness.run(fixed_prediction_subject(Y_TRUE, Y_PRED, GROUPS), bad)


def test_small_groups_are_flagged_not_judged():
    section = fairness.run(
        fixed_prediction_subject(Y_TRUE, Y_PRED, GROUPS),
        FairnessSettings(min_group_size=5, mitigation=False),
    )
    rows = {row[1]: row for row in section.table("by_group").rows}
    assert rows["A"][-1] is False and rows["B"][-1] is True
    assert any("group = A has 4 rows, fewer than 5" in note for note in section.notes)
    # one judged group left: no disparity can be judged, so it is undefined (the policy warns)
    assert section.metric("demographic_parity_difference[group]").value == 0.0
    assert not [m for m in section.metrics if m.name.endswith("_vs_reference")]


def test_intervals_are_seeded_and_bracket_the_estimate(credit_subject):
    from audit.checks import RunContext

    settings = FairnessSettings(n_bootstrap=300, mitigation=False)
    seven, eight = RunContext.for_checks(7, ["fairness"]), RunContext.for_checks(8, ["fairness"])
    a = fairness.run(credit_subject, settings, seven["fairness"])
    b = fairness.run(credit_subject, settings, seven["fairness"])
    c = fairness.run(credit_subject, settings, eight["fairness"])
    key = "demographic_parity_ratio[sex]"
    assert a.metric(key).ci == b.metric(key).ci != c.metric(key).ci
    low, high = a.metric(key).ci
    assert low < a.metric(key).value < high
    intervals = a.table("group_intervals")
    assert len(intervals.rows) == 8 * 8  # 8 groups (sex, age group, intersection) x 8 rates


def test_intersection_and_binned_continuous_features():
    rng = np.random.default_rng(0)
    n = 600
    sensitive = pd.DataFrame({"sex": rng.choice(["f", "m"], n), "age": rng.integers(18, 90, n)})
    y = rng.integers(0, 2, n)
    section = fairness_section(
        y,
        rng.integers(0, 2, n),
        sensitive,
        settings=FairnessSettings(n_bootstrap=0, mitigation=False),
    )
    features = {row[0] for row in section.table("by_group").rows}
    assert features == {"sex", "age", "sex & age"}
    age_groups = [row[1] for row in section.table("by_group").rows if row[0] == "age"]
    assert len(age_groups) == 4 and all(g[0] in "[(" for g in age_groups)
    assert any(
        "age is numeric with many values: cut into 4 quantile bins" in n for n in section.notes
    )
    counts = {row[1]: row[2] for row in section.table("by_group").rows if row[0] == "sex & age"}
    assert sum(counts.values()) == n and len(counts) == 8


def test_one_class_group_is_an_error_naming_feature_and_group():
    y_true = [1, 1, 1, 1, 1, 1, 1, 0, 0]  # group A holds only class 1
    subject = fixed_prediction_subject(y_true, Y_PRED, GROUPS, feature="sex")
    with pytest.raises(AuditInputError) as info:
        fairness.run(subject, TINY)
    assert str(info.value).startswith(
        "sensitive_test['sex']: expected every group to hold both classes of y_test, got group 'A' "
        "with only class 1 (4 rows)"
    )


def test_one_class_group_can_be_flagged_instead():
    y_true = [1, 1, 1, 1, 1, 1, 1, 0, 0]
    subject = fixed_prediction_subject(y_true, Y_PRED, GROUPS)
    section = fairness.run(subject, TINY.model_copy(update={"on_degenerate_group": "warn"}))
    rows = {
        row[1]: dict(zip(section.table("by_group").columns, row, strict=True))
        for row in section.table("by_group").rows
    }
    assert rows["A"]["false_positive_rate"] is None  # undefined, not fairlearn's 0
    assert rows["A"]["true_positive_rate"] == 0.25
    assert section.verdict == "warn"
    assert section.metric("equalized_odds_difference[group]").value == pytest.approx(2 / 3 - 1 / 4)


def test_without_sensitive_features_the_section_says_so(tiny_data):
    import torch

    X, y = tiny_data
    section = fairness.run(audit.Subject(torch.nn.Linear(3, 2), (X, y), (X, y)))
    assert section.verdict == "info" and section.metrics == []
    assert "No sensitive features" in section.summary


def test_credit_section_summarises_after_the_policy(credit_result):
    section = credit_result.section("fairness")
    assert section.summary.startswith("Lowest demographic parity ratio")
    assert "group-vs-reference ratios fall outside the four-fifths band" in section.summary
    assert {t.id for t in section.tables} == {"by_group", "group_intervals", "mitigation"}
