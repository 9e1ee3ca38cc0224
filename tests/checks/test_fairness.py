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
TINY = FairnessSettings(min_group_size=1, mitigation=False)


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
    section = fairness.run(credit_subject, FairnessSettings(intervals=False, mitigation=False))
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
        y_true, y_pred, groups, settings=FairnessSettings(intervals=False, mitigation=False)
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
        min_group_size=1, intervals=False, mitigation=False, reference_groups={"group": "A"}
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
    # one judged group left: nothing to compare, so no disparity (not a ratio of 1.0 that passes)
    assert section.metrics == [] and section.verdict == "info"
    assert (
        "group has 1 of 2 groups with at least 5 rows: disparities need at least two, so none "
        "is judged." in section.notes
    )


def test_intervals_are_simultaneous_statsmodels_intervals_that_bracket_the_estimate(
    credit_subject,
):
    from statsmodels.stats.proportion import confint_proportions_2indep

    section = fairness.run(credit_subject, FairnessSettings(mitigation=False))
    rows = {(r[0], r[1]): r for r in section.table("by_group").rows}
    judged = {}
    for feature, _group in rows:
        judged[feature] = judged.get(feature, 0) + bool(rows[feature, _group][-1])
    family = sum(k * (k - 1) // 2 for k in judged.values()) * 6  # pairs x rates x features
    assert f"over the {family} group contrasts" in " ".join(section.notes)
    # the female/male selection-rate contrast: statsmodels' interval at the Bonferroni level
    y_pred = credit_subject.predict_proba("test").argmax(1)
    sex = credit_subject.sensitive_test["sex"].to_numpy()
    f, m = sex == "female", sex == "male"
    low, high = confint_proportions_2indep(
        y_pred[f].sum(), f.sum(), y_pred[m].sum(), m.sum(),
        method="log-adjusted", compare="ratio", alpha=0.05 / family,
    )
    metric = section.metric("selection_rate_vs_reference[sex: female / male]")
    assert metric.ci == pytest.approx([low, high])
    assert metric.events == y_pred[f].sum() + y_pred[m].sum() and metric.n == f.sum()
    for m_ in section.metrics:
        if m_.ci is not None and m_.value is not None:
            assert m_.ci[0] <= m_.value + 1e-12 and m_.value <= m_.ci[1] + 1e-12, m_.key
    # the same input gives the same intervals (closed form, no resampling)
    again = fairness.run(credit_subject, FairnessSettings(mitigation=False))
    assert [m_.ci for m_ in again.metrics] == [m_.ci for m_ in section.metrics]
    assert len(section.table("group_intervals").rows) == 8 * 6  # 8 groups x 6 rates


def test_intersection_and_binned_continuous_features():
    rng = np.random.default_rng(0)
    n = 600
    sensitive = pd.DataFrame({"sex": rng.choice(["f", "m"], n), "age": rng.integers(18, 90, n)})
    y = rng.integers(0, 2, n)
    section = fairness_section(
        y,
        rng.integers(0, 2, n),
        sensitive,
        settings=FairnessSettings(intervals=False, mitigation=False),
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
    # first the metrics that set the verdict, then the band, then the lowest ratio
    setting = [m for m in section.metrics if m.verdict == section.verdict]
    assert section.summary.startswith(f"{section.verdict.upper()} set by {setting[0].key} = ")
    assert "group-vs-reference ratios lie outside the four-fifths band" in section.summary
    assert "Lowest demographic parity ratio" in section.summary
    assert {t.id for t in section.tables} == {"by_group", "group_intervals", "mitigation"}
