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
from tests.conftest import fixed_prediction_subject

# Group A (4 rows): y_true 1 1 0 0, y_pred 1 0 0 0 -> selection 1/4, TPR 1/2, FPR 0, accuracy 3/4
# Group B (5 rows): y_true 1 1 1 0 0, y_pred 1 1 0 1 0 -> selection 3/5, TPR 2/3, FPR 1/2, acc 3/5
Y_TRUE = [1, 1, 0, 0, 1, 1, 1, 0, 0]
Y_PRED = [1, 0, 0, 0, 1, 1, 0, 1, 0]
GROUPS = ["A"] * 4 + ["B"] * 5


def test_group_metrics_equal_a_hand_computation():
    section = fairness.run(fixed_prediction_subject(Y_TRUE, Y_PRED, GROUPS))
    table = section.table("by_group")
    assert table.columns == [
        "sensitive_feature",
        "group",
        "count",
        "selection_rate",
        "accuracy",
        "true_positive_rate",
        "false_positive_rate",
        "false_negative_rate",
    ]
    rows = {row[1]: row for row in table.rows}
    assert rows["A"][:3] == ["group", "A", 4]
    assert rows["A"][3:] == pytest.approx([1 / 4, 3 / 4, 1 / 2, 0.0, 1 / 2])
    assert rows["B"][3:] == pytest.approx([3 / 5, 3 / 5, 2 / 3, 1 / 2, 1 / 3])


def test_disparities_equal_a_hand_computation():
    section = fairness.run(fixed_prediction_subject(Y_TRUE, Y_PRED, GROUPS))
    assert section.metric("demographic_parity_difference[group]").value == pytest.approx(0.6 - 0.25)
    assert section.metric("demographic_parity_ratio[group]").value == pytest.approx(0.25 / 0.6)
    assert section.metric("equalized_odds_difference[group]").value == pytest.approx(0.5)
    assert section.metric("equalized_odds_ratio[group]").value == pytest.approx(0.0)


def test_disparities_equal_fairlearn_on_credit(credit_subject):
    section = fairness.run(credit_subject)
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


def test_policy_judges_the_four_fifths_rule():
    result = audit.run(fixed_prediction_subject(Y_TRUE, Y_PRED, GROUPS), checks=["fairness"])
    section = result.section("fairness")
    assert section.metric("demographic_parity_ratio[group]").verdict == "fail"  # 0.417 < 0.8
    assert section.verdict == "fail" and result.verdict == "fail"


def test_small_groups_are_flagged():
    section = fairness.run(fixed_prediction_subject(Y_TRUE, Y_PRED, GROUPS))
    assert sum("fewer than 30" in note for note in section.notes) == 2
    roomy = fairness.run(
        fixed_prediction_subject(Y_TRUE, Y_PRED, GROUPS), FairnessSettings(min_group_size=4)
    )
    assert not any("fewer than" in note for note in roomy.notes)


def test_one_class_group_is_an_error_naming_feature_and_group():
    y_true = [1, 1, 1, 1, 1, 1, 1, 0, 0]  # group A holds only class 1
    subject = fixed_prediction_subject(y_true, Y_PRED, GROUPS, feature="sex")
    with pytest.raises(AuditInputError) as info:
        fairness.run(subject)
    assert str(info.value).startswith(
        "sensitive_test['sex']: expected every group to hold both classes of y_test, got group 'A' "
        "with only class 1 (4 rows)"
    )


def test_one_class_group_can_be_flagged_instead():
    y_true = [1, 1, 1, 1, 1, 1, 1, 0, 0]
    subject = fixed_prediction_subject(y_true, Y_PRED, GROUPS)
    section = fairness.run(subject, FairnessSettings(on_degenerate_group="warn"))
    rows = {row[1]: row for row in section.table("by_group").rows}
    assert rows["A"][6] is None  # FPR undefined, not fairlearn's 0
    assert section.verdict == "warn"
    # equalized odds uses the groups where rates are defined: TPR only spans A and B
    assert section.metric("equalized_odds_difference[group]").value == pytest.approx(
        max(abs(1 / 4 - 2 / 3), 0.0)
    )


def test_without_sensitive_features_the_section_says_so(tiny_data):
    import torch

    X, y = tiny_data
    section = fairness.run(audit.Subject(torch.nn.Linear(3, 2), (X, y), (X, y)))
    assert section.verdict == "info" and section.metrics == []
    assert "No sensitive features" in section.summary


def test_disparities_from_rates_follow_fairlearn_definitions():
    rates = pd.DataFrame(
        {
            "selection_rate": [0.0, 0.0],
            "true_positive_rate": [0.5, np.nan],
            "false_positive_rate": [0.2, 0.1],
        }
    )
    values = fairness.disparities(rates)
    assert (
        values["demographic_parity_ratio"] == 1.0 and values["demographic_parity_difference"] == 0.0
    )
    assert values["equalized_odds_ratio"] == pytest.approx(0.5)
