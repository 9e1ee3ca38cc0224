"""Hostile input (issue 20): too many groups, one group, one-class groups; the fast path.

The section works on confusion counts per group and on pair intervals in blocks; these
tests pin its numbers to straightforward reference computations on the rows.
"""

import itertools

import numpy as np
import pandas as pd
import pytest
from fairlearn.metrics import (
    MetricFrame,
    count,
    false_negative_rate,
    false_positive_rate,
    selection_rate,
    true_positive_rate,
)
from sklearn.metrics import accuracy_score
from statsmodels.stats.proportion import confint_proportions_2indep

import audit
from audit.checks import _fairness as fairness
from audit.checks._fairness import FairnessSettings
from audit.config import load_config
from audit.errors import AuditInputError
from audit.fairness import (
    GroupEncoder,
    _contrasts,
    _groups,
    check_group_counts,
    contrast_bounds,
    fairness_section,
    pair_intervals,
    worst_case,
)
from audit.policy import Policy
from tests.conftest import fixed_prediction_subject

QUICK = FairnessSettings(mitigation=False)


def _rows(n, groups, *, seed=0, feature="site"):
    """Labels, predictions, scores and one sensitive column of ``groups`` string values."""
    rng = np.random.default_rng(seed)
    codes = rng.integers(0, groups, n)
    y = (rng.random(n) < 0.3 + 0.4 * (codes % 5) / 4).astype(np.int64)
    scores = np.clip(0.25 + 0.4 * y + 0.03 * (codes % 7) + rng.normal(0, 0.2, n), 0, 1)
    frame = pd.DataFrame({feature: np.char.add("s", codes.astype(str)).astype(object)})
    return y, (scores >= 0.5).astype(np.int64), scores, frame


# --- the group cap -------------------------------------------------------------------


def test_an_id_column_is_refused_naming_feature_count_and_cap_before_any_work(monkeypatch):
    y, p, s, _ = _rows(20_000, 2)
    ids = pd.DataFrame({"user_id": [f"u{i}" for i in range(10_000)] * 2})

    def no_work(*args, **kwargs):
        raise AssertionError("groups were encoded before the cap was checked")

    monkeypatch.setattr(GroupEncoder, "encode", no_work)
    with pytest.raises(AuditInputError) as info:
        fairness_section(y, p, ids, scores=s, settings=FairnessSettings(on_degenerate_group="warn"))
    assert str(info.value) == (
        "sensitive feature 'user_id': expected at most 200 groups (fairness.max_groups), "
        "got 10,000 distinct values; cut it into fewer groups (bin or merge its values) "
        "or raise fairness.max_groups."
    )


def test_the_cap_is_a_setting_and_counts_missing_values_as_a_group():
    frame = pd.DataFrame({"region": ["a", "b", "c", None] * 3})
    check_group_counts(frame, settings=FairnessSettings(max_groups=4))
    with pytest.raises(AuditInputError, match=r"at most 3 groups .* got 4 distinct values"):
        check_group_counts(frame, settings=FairnessSettings(max_groups=3))
    # a numeric column with many values is cut into bins: never refused
    check_group_counts(pd.DataFrame({"age": np.arange(10_000)}))
    assert load_config({"fairness": {"max_groups": 500}}).fairness.max_groups == 500
    assert load_config(None).fairness.max_groups == 200


def test_the_model_check_refuses_too_many_groups_before_the_model_runs(monkeypatch):
    groups = [f"g{i}" for i in range(12)]
    subject = fixed_prediction_subject([1, 0] * 12, [1, 1] * 12, groups * 2)

    def no_model(*args, **kwargs):
        raise AssertionError("the model ran before the cap was checked")

    monkeypatch.setattr(subject, "predict_proba", no_model)
    with pytest.raises(AuditInputError, match=r"^sensitive feature 'group': .* got 12 distinct"):
        fairness.run(subject, FairnessSettings(max_groups=10))


def test_an_intersection_with_too_many_groups_is_left_out_with_a_note():
    rng = np.random.default_rng(1)
    n = 4000
    sensitive = pd.DataFrame({"a": rng.integers(0, 8, n), "b": rng.integers(0, 8, n)})
    y, p = rng.integers(0, 2, n), rng.integers(0, 2, n)
    section = fairness_section(
        y, p, sensitive, settings=FairnessSettings(max_groups=40, mitigation=False)
    )
    assert {row[0] for row in section.table("by_group").rows} == {"a", "b"}
    assert (
        "The intersection a & b has 64 groups, more than fairness.max_groups = 40: left out "
        "(raise fairness.max_groups, or set fairness.intersection: false)." in section.notes
    )
    assert section.metric("demographic_parity_ratio[a]").value is not None


# --- fewer than two groups -----------------------------------------------------------


def test_a_single_valued_feature_is_not_judged_and_says_why():
    y, p, _, _ = _rows(400, 2)
    section = Policy().apply(
        fairness_section(y, p, pd.DataFrame({"sex": ["M"] * 400}), settings=QUICK)
    )
    assert section.verdict == "info" and section.metrics == []
    assert "sex has one value ('M'): disparities need at least two groups." in section.notes
    assert section.summary.startswith("No sensitive feature has two groups to compare")
    (row,) = section.table("by_group").rows
    assert row[:3] == ["sex", "M", 400.0] and row[-1] is True


def test_a_single_valued_feature_beside_a_real_one_leaves_the_real_one_judged():
    y, p, _, frame = _rows(2000, 3)
    frame["sex"] = "M"
    section = fairness_section(y, p, frame, settings=QUICK)
    scopes = {m.scope.split(":")[0] for m in section.metrics}
    assert "sex" not in scopes and {"site", "site & sex"} <= scopes
    assert "sex has one value ('M'): disparities need at least two groups." in section.notes


def test_predictions_with_only_single_valued_features_never_pass():
    y, _, s, _ = _rows(600, 2)
    df = pd.DataFrame({"y": y, "score": s, "sex": "F", "country": "NL"})
    result = audit.audit_predictions(
        df,
        y_true="y",
        y_score="score",
        sensitive=["sex", "country"],
        config={"checks": ["fairness"]},
    )
    section = result.section("fairness")
    assert section.verdict == "info" and section.metrics == []
    assert "country has one value ('NL'): disparities need at least two groups." in section.notes


def test_many_one_class_groups_make_one_line_not_one_note_each():
    y = np.array([1] * 40 + [0] * 40 + [1] * 40 + [0] * 40 + [1] * 40 + [0, 1] * 40)
    frame = pd.DataFrame({"g": np.repeat(["a", "b", "c", "d", "e", "f"], [40, 40, 40, 40, 40, 80])})
    section = fairness_section(
        y, y.copy(), frame, settings=QUICK.model_copy(update={"on_degenerate_group": "warn"})
    )
    notes = [note for note in section.notes if note.startswith("sensitive_test['g']")]
    assert notes == [
        "sensitive_test['g']: expected every group to hold both classes of y_test, got 5 "
        "groups with one class only (first 'a' (class 1, 40 rows), 'b' (class 0, 40 rows), "
        "'c' (class 1, 40 rows)); their true/false positive rates are undefined. Merge them "
        "with other groups."
    ]
    assert "\n" not in notes[0] and section.verdict == "warn"


def test_many_small_groups_make_one_note():
    y = np.array([0, 1] * 100 + [0, 1, 1] * 20)
    frame = pd.DataFrame({"g": ["big"] * 200 + [f"s{i}" for i in range(6) for _ in range(10)]})
    section = fairness_section(y, y.copy(), frame, settings=QUICK)
    assert [note for note in section.notes if "fewer than 30 rows" in note] == [
        "6 of the 7 groups of g have fewer than 30 rows (first 's0' (10 rows), 's1' (10 rows), "
        "'s2' (10 rows)): shown, but left out of the disparities and verdicts."
    ]
    assert (
        "g has 1 of 7 groups with at least 30 rows: disparities need at least two, so none "
        "is judged." in section.notes
    )


def test_mitigation_is_skipped_for_a_feature_with_too_many_groups():
    y, p, s, frame = _rows(3000, 60)
    section = fairness_section(y, p, frame, scores=s, settings=FairnessSettings())
    assert "mitigation" not in {t.id for t in section.tables}
    assert (
        "Mitigation for site skipped: 60 groups, more than fairness.mitigation_max_groups = 50 "
        "(fairlearn's ThresholdOptimizer picks a threshold per group)." in section.notes
    )


# --- the fast path against straightforward computations ------------------------------


def _reference_section(y, p, groups, *, level, min_size):
    """Rates per group from row masks; pair intervals one statsmodels call per pair."""
    names = sorted(set(groups))
    parts = {
        "selection_rate": lambda t, q: (q == 1, np.ones_like(t, bool)),
        "true_positive_rate": lambda t, q: ((t == 1) & (q == 1), t == 1),
        "false_positive_rate": lambda t, q: ((t == 0) & (q == 1), t == 0),
    }
    rows = {g: (y[groups == g], p[groups == g]) for g in names}
    judged = [g for g in names if len(rows[g][0]) >= min_size]
    family = len(judged) * (len(judged) - 1) // 2 * 6  # the section's six rates
    alpha = (1 - level) / family
    rates, worst = {}, {}
    for rate, part in parts.items():
        events = {g: int(part(*rows[g])[0].sum()) for g in names}
        trials = {g: int(part(*rows[g])[1].sum()) for g in names}
        rates[rate] = {g: events[g] / trials[g] for g in names}
        lows, highs = [], []
        for a, b in itertools.combinations(judged, 2):
            low, high = confint_proportions_2indep(
                events[a],
                trials[a],
                events[b],
                trials[b],
                method="log-adjusted",
                compare="ratio",
                alpha=alpha,
            )
            lows += [low, 1 / high]
            highs += [high, 1 / low]
        worst[rate] = [min(lows), min(1.0, min(highs))]
    return names, rates, worst


def test_the_section_equals_a_reference_computed_on_the_rows():
    rng = np.random.default_rng(7)
    n = 3000
    groups = rng.choice(["w", "x", "y", "z", "tiny"], n, p=[0.4, 0.3, 0.2, 0.095, 0.005])
    y = (rng.random(n) < np.where(groups == "x", 0.6, 0.45)).astype(int)
    p = (rng.random(n) < np.where(groups == "w", 0.55, 0.4)).astype(int)
    settings = FairnessSettings(mitigation=False, min_group_size=30, ci_level=0.9)
    section = fairness_section(y, p, pd.DataFrame({"g": groups}), settings=settings)
    names, rates, worst = _reference_section(y, p, groups, level=0.9, min_size=30)
    table = section.table("by_group")
    got = {row[1]: dict(zip(table.columns, row, strict=True)) for row in table.rows}
    assert list(got) == names
    for rate, by_group in rates.items():
        for group, value in by_group.items():
            assert got[group][rate] == value, (rate, group)  # the same division: equal
    assert got["tiny"]["judged"] is False
    for name, rate in [
        ("demographic_parity_ratio", "selection_rate"),
        ("equal_opportunity_ratio", "true_positive_rate"),
        ("false_positive_rate_ratio", "false_positive_rate"),
    ]:
        assert section.metric(f"{name}[g]").ci == pytest.approx(worst[rate], rel=1e-12)


@pytest.mark.parametrize("block", [1, 4, 7, 100_000])
def test_contrast_bounds_in_blocks_equal_the_dense_pairs(block, monkeypatch):
    events = np.array([30, 0, 41, 12, 55, 3, 0])
    trials = np.array([100, 0, 90, 40, 120, 9, 5])  # group 1: no trials; group 6: no events
    sizes = []
    original = _contrasts._pair_bounds

    def counted(events, trials, i, j, alpha):
        sizes.append(i.size)
        return original(events, trials, i, j, alpha)

    monkeypatch.setattr(_contrasts, "_pair_bounds", counted)
    for reference in range(len(events)):
        pairs = pair_intervals(events, trials, alpha=0.01)
        sizes.clear()
        bounds = contrast_bounds(events, trials, alpha=0.01, reference=reference, block=block)
        assert bounds.ratio == worst_case(pairs, "ratio")
        assert bounds.difference == worst_case(pairs, "difference")
        np.testing.assert_array_equal(bounds.to_reference_low, pairs.ratio_low[:, reference])
        np.testing.assert_array_equal(bounds.to_reference_high, pairs.ratio_high[:, reference])
        assert max(sizes) <= max(block, len(events))  # memory bounded by the block


def test_codes_name_the_same_groups_as_the_string_labels():
    rng = np.random.default_rng(2)
    n = 500
    frame = pd.DataFrame(
        {
            "sex": rng.choice(["f", "m", None], n),
            "age": np.where(rng.random(n) < 0.05, np.nan, rng.integers(18, 90, n)),
            "band": rng.choice([1, 2, 3], n),
            "flag": rng.choice([True, False], n),
        }
    )
    encoder = GroupEncoder(bins=4, max_categories=10).fit(frame)
    labels, coded = encoder.transform(frame), encoder.encode(frame)
    assert coded.features == list(labels.columns)
    for feature in labels.columns:
        names = np.asarray(coded.names[feature], dtype=object)
        assert coded.names[feature] == sorted(set(labels[feature]))
        assert (names[coded.codes[feature]] == labels[feature].to_numpy()).all(), feature
    assert _groups.MISSING in coded.names["sex"] and _groups.MISSING in coded.names["age"]


def test_300_groups_give_fairlearns_rates_on_a_sample_of_groups():
    y, p, _, frame = _rows(60_000, 300, seed=3)
    section = fairness_section(y, p, frame, settings=FairnessSettings(max_groups=300))
    table = section.table("by_group")
    got = {row[1]: dict(zip(table.columns, row, strict=True)) for row in table.rows}
    assert len(got) == 300
    sample = sorted(np.random.default_rng(0).choice(sorted(got), 12, replace=False))
    rows = frame["site"].isin(sample).to_numpy()
    metrics = {
        "count": count,
        "selection_rate": selection_rate,
        "accuracy": accuracy_score,
        "true_positive_rate": true_positive_rate,
        "false_positive_rate": false_positive_rate,
        "false_negative_rate": false_negative_rate,
    }
    direct = MetricFrame(
        metrics=metrics, y_true=y[rows], y_pred=p[rows], sensitive_features=frame["site"][rows]
    ).by_group
    for group in sample:
        for name in metrics:
            assert got[group][name] == pytest.approx(direct.loc[group, name], rel=1e-12)
    reference = [m for m in section.metrics if m.name == "selection_rate_vs_reference"]
    assert len(reference) == 299 and all(m.ci is not None for m in reference)
