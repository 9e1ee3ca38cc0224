import numpy as np
import pandas as pd
import pytest
from fairlearn.metrics import (
    MetricFrame,
    count,
    demographic_parity_difference,
    demographic_parity_ratio,
    equalized_odds_difference,
    equalized_odds_ratio,
    false_negative_rate,
    false_positive_rate,
    selection_rate,
    true_positive_rate,
)
from sklearn.metrics import accuracy_score, balanced_accuracy_score, precision_score

from audit.fairness import (
    RATE_NAMES,
    confusion_counts,
    disparities,
    group_metric_frame,
    rates_from_counts,
)


def _random(n=3000, seed=0, groups=("a", "b", "c")):
    rng = np.random.default_rng(seed)
    g = rng.choice(groups, n, p=[0.5, 0.3, 0.2][: len(groups)])
    y = (rng.random(n) < np.where(g == "a", 0.6, 0.4)).astype(int)
    p = (rng.random(n) < np.where(g == "b", 0.3, 0.55)).astype(int)
    return y, p, g


def _collapsed(y, p, g):
    codes, names = pd.factorize(g, sort=True)
    return confusion_counts(y, p, codes, len(names)), list(names)


def test_collapsed_metric_frame_equals_fairlearn_on_the_rows():
    y, p, g = _random()
    counts, names = _collapsed(y, p, g)
    ours = group_metric_frame(counts, names, "g")
    direct = MetricFrame(
        metrics={
            "count": count,
            "base_rate": lambda t, _: float(np.mean(t)),
            "selection_rate": selection_rate,
            "accuracy": accuracy_score,
            "balanced_accuracy": balanced_accuracy_score,
            "true_positive_rate": true_positive_rate,
            "false_positive_rate": false_positive_rate,
            "false_negative_rate": false_negative_rate,
            "precision": lambda t, q: precision_score(t, q, zero_division=np.nan),
        },
        y_true=y,
        y_pred=p,
        sensitive_features=pd.Series(g, name="g"),
    ).by_group
    assert list(ours.columns) == list(RATE_NAMES)
    np.testing.assert_allclose(ours.to_numpy(float), direct.to_numpy(float), rtol=1e-12)


def test_vectorised_rates_equal_fairlearns():
    y, p, g = _random(seed=3)
    counts, names = _collapsed(y, p, g)
    frame = group_metric_frame(counts, names, "g")
    rates = rates_from_counts(counts)
    for name in RATE_NAMES:
        np.testing.assert_allclose(
            rates[name], frame[name].to_numpy(float), rtol=1e-12, err_msg=name
        )


def test_vectorised_rates_keep_leading_axes():
    y, p, g = _random()
    counts, _ = _collapsed(y, p, g)
    stacked = np.stack([counts, counts * 2])
    rates = rates_from_counts(stacked)
    assert rates["accuracy"].shape == (2, 3)
    np.testing.assert_allclose(rates["accuracy"][0], rates["accuracy"][1])


def test_disparities_equal_fairlearns_functions():
    y, p, g = _random(seed=5)
    counts, _ = _collapsed(y, p, g)
    values = disparities(rates_from_counts(counts))
    s = pd.Series(g)
    assert values["demographic_parity_difference"] == pytest.approx(
        demographic_parity_difference(y, p, sensitive_features=s)
    )
    assert values["demographic_parity_ratio"] == pytest.approx(
        demographic_parity_ratio(y, p, sensitive_features=s)
    )
    assert values["equalized_odds_difference"] == pytest.approx(
        equalized_odds_difference(y, p, sensitive_features=s)
    )
    assert values["equalized_odds_ratio"] == pytest.approx(
        equalized_odds_ratio(y, p, sensitive_features=s)
    )


def test_all_zero_selection_gives_an_undefined_ratio_as_in_fairlearn():
    y, p, g = np.array([0, 1, 0, 1]), np.zeros(4, int), np.array(["a", "a", "b", "b"])
    counts, _ = _collapsed(y, p, g)
    values = disparities(rates_from_counts(counts))
    assert np.isnan(demographic_parity_ratio(y, p, sensitive_features=g))
    assert (
        np.isnan(values["demographic_parity_ratio"])
        and values["demographic_parity_difference"] == 0
    )


def test_hand_computed_rates_with_undefined_cells():
    # group 0: only positives (TPR 1/2, FPR undefined); group 1: tp fp fn tn = 1 1 1 1
    counts = np.array([[[0, 0], [1, 1]], [[1, 1], [1, 1]]])
    rates = rates_from_counts(counts)
    assert rates["true_positive_rate"].tolist() == [0.5, 0.5]
    assert np.isnan(rates["false_positive_rate"][0]) and rates["false_positive_rate"][1] == 0.5
    assert rates["balanced_accuracy"].tolist() == [0.5, 0.5]  # mean recall over present classes
    assert rates["precision"].tolist() == [1.0, 0.5]
    assert rates["base_rate"].tolist() == [1.0, 0.5]
