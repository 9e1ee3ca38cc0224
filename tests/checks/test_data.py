import json
from dataclasses import asdict

import numpy as np
import pandas as pd
import pytest
import torch

import audit
from audit.checks import _data as data
from audit.checks import check_names
from audit.config import DataSettings
from audit.data._duplicates import chance_matches, column_codes
from audit.data._section import SplitData, data_section
from audit.errors import AuditInputError
from audit.policy import Policy
from audit.report import render_html

# Train: 5 rows, test: 3 rows.
#   sex     train f m m m m   test f f m   -> all: f 3/8, m 5/8; train f 1/5, test f 2/3
#   labels  train 1 1 0 1 0   test 0 1 1   -> f: 1, 0, 1 -> 2/3; m: 1, 0, 1, 0, 1 -> 3/5
#   age     train y o o o o   test o y o   -> all: y 2/8
#   x       train 1 NaN 3 4 5 test NaN 2 NaN -> 3 missing of 8
#   color   train r None g r r test g g b  -> 1 missing of 8


def _tiny() -> dict[str, SplitData]:
    train = SplitData(
        pd.DataFrame({"x": [1.0, np.nan, 3.0, 4.0, 5.0], "color": ["r", None, "g", "r", "r"]}),
        np.array([1, 1, 0, 1, 0]),
        pd.DataFrame({"sex": list("fmmmm"), "age": list("yoooo")}),
    )
    test = SplitData(
        pd.DataFrame({"x": [np.nan, 2.0, np.nan], "color": ["g", "g", "b"]}),
        np.array([0, 1, 1]),
        pd.DataFrame({"sex": list("ffm"), "age": list("oyo")}),
    )
    return {"train": train, "test": test}


def _split(x=(1, 2), labels=(0, 1), sensitive=None, column="x") -> SplitData:
    features = pd.DataFrame({column: list(x)}) if isinstance(x, tuple) else x
    return SplitData(features, np.array(labels), sensitive)


def _rows(section, table_id: str, key: int = 1) -> dict:
    return {row[key]: row for row in section.table(table_id).rows if row[0] != "age"}


def test_representation_shares_by_hand():
    section = data_section(_tiny())
    table = section.table("representation")
    head = ["sensitive_feature", "group", "count"]
    assert table.columns == [*head, "share", "share_train", "share_test"]
    rows = _rows(section, "representation")
    assert rows["f"][:3] == ["sex", "f", 3]
    assert rows["f"][3:] == pytest.approx([3 / 8, 1 / 5, 2 / 3])
    assert rows["m"][:3] == ["sex", "m", 5]
    assert rows["m"][3:] == pytest.approx([5 / 8, 4 / 5, 1 / 3])
    assert section.metric("min_group_share[sex]").value == pytest.approx(3 / 8)
    assert section.metric("min_group_share[age]").value == pytest.approx(2 / 8)
    # largest |split share - all share|: test f 2/3 against 3/8
    assert section.metric("representation_gap[sex]").value == pytest.approx(2 / 3 - 3 / 8)
    assert section.metric("representation_gap[sex]").scope == "sex"


def test_group_share_figure_states_the_numbers():
    figure = next(f for f in data_section(_tiny()).figures if f.id == "group_shares_sex")
    assert figure.kind == "bars"
    assert figure.data["categories"] == ["f", "m"]
    assert figure.data["series"]["all rows"] == pytest.approx([3 / 8, 5 / 8])
    assert figure.data["series"]["test"] == pytest.approx([2 / 3, 1 / 3])
    assert "f: all rows 0.375, train 0.200, test 0.667" in figure.alt


def test_base_rates_by_hand():
    section = data_section(_tiny())
    rows = _rows(section, "base_rates")
    assert rows["f"][2:] == [3, pytest.approx(2 / 3), pytest.approx(1.0), pytest.approx(1 / 2)]
    assert rows["m"][2:] == [5, pytest.approx(3 / 5), pytest.approx(2 / 4), pytest.approx(1.0)]
    assert section.metric("base_rate_ratio[sex]").value == pytest.approx((3 / 5) / (2 / 3))


def test_base_rate_ratio_is_one_when_no_group_has_label_one():
    split = SplitData(
        pd.DataFrame({"x": [1, 2, 3]}), np.zeros(3, dtype=int), pd.DataFrame({"g": list("aab")})
    )
    assert data_section({"all": split}).metric("base_rate_ratio[g]").value == 1.0


def test_label_balance_by_hand():
    section = data_section(_tiny(), class_names=["no", "yes"])
    table = section.table("label_balance")
    assert table.columns == ["label", "class", "count", "share", "share_train", "share_test"]
    assert [row[:3] for row in table.rows] == [[0, "no", 3], [1, "yes", 5]]
    assert table.rows[0][3:] == pytest.approx([3 / 8, 2 / 5, 1 / 3])
    assert table.rows[1][3:] == pytest.approx([5 / 8, 3 / 5, 2 / 3])
    # the smallest class share against the even share 1/2
    assert section.metric("minority_class_ratio").value == pytest.approx(3 / 8 * 2)
    assert "1/C = 0.500" in table.caption


@pytest.mark.parametrize(
    ("counts", "verdict"),
    [([154] * 10, "pass"), ([100] * 9 + [30], "warn"), ([100] * 9 + [8], "fail")],
)
def test_class_balance_is_judged_against_the_even_share(counts, verdict):
    # ratio = smallest share x C: 1.0; 30/930 x 10 = 0.323 (< 0.4); 8/908 x 10 = 0.088 (< 0.1)
    labels = np.repeat(np.arange(10), counts)
    split = SplitData(pd.DataFrame({"x": np.arange(labels.size)}), labels, None)
    metric = Policy().judge(data_section({"all": split}).metric("minority_class_ratio"))
    assert metric.value == pytest.approx(min(counts) / sum(counts) * 10)
    assert metric.verdict == verdict


def test_missing_values_per_column_by_hand():
    splits = _tiny()
    splits["test"].sensitive.loc[0, "sex"] = None
    section = data_section(splits)
    table = section.table("missing")
    assert table.columns == ["column", "source", "missing", "share"]
    assert table.rows == [
        ["x", "feature", 3, pytest.approx(3 / 8)],
        ["color", "feature", 1, pytest.approx(1 / 8)],
        ["sex", "sensitive", 1, pytest.approx(1 / 8)],
    ]
    assert section.metric("max_missing_share").value == pytest.approx(3 / 8)
    assert "(missing)" in _rows(section, "representation")  # a missing value is a group of its own


def test_no_missing_values_gives_zero_and_a_note():
    split = SplitData(pd.DataFrame({"x": [1, 2]}), np.array([0, 1]), None)
    section = data_section({"all": split})
    assert section.metric("max_missing_share").value == 0.0
    assert section.table("missing").rows == []
    assert "No missing values." in section.notes


def test_duplicates_and_overlap_by_hand():
    # 11 rows; a row identifies itself when fewer than 0.001 rows of its split would share
    # its values by chance, each value's share counted among the rows not identical to it.
    # train 3 repeats 0 and test 3 repeats 2: amounts 1.5, 7.5 are seen in those copies
    # only (share 0). train 6 repeats 5, (4.5, a, 0): amount 4.5 is also in train 4, so
    # 6 x (1/9) x (4/9) x (4/9) = 0.13 rows would match by chance: not counted.
    train = SplitData(
        pd.DataFrame({"amount": [1.5, 2.5, 3.5, 1.5, 4.5, 4.5, 4.5], "cat": list("abaabaa")}),
        np.array([0, 1, 0, 0, 1, 0, 0]),
    )
    test = SplitData(
        pd.DataFrame({"amount": [2.5, 6.5, 7.5, 7.5], "cat": list("babb")}), np.array([1, 0, 1, 1])
    )
    section = data_section({"train": train, "test": test})
    identifiable = ["identifying_rows", "identifiable_duplicates", "identifiable_duplicate_share"]
    in_train = ["in_train", "in_train_share", "identifiable_in_train_share"]
    assert section.table("duplicates").columns[4:] == identifiable + in_train
    # train 4, 5, 6 do not identify themselves (4: 6 x 0.2 x 0.4 x 0.4 = 0.19 chance rows)
    assert section.table("duplicates").rows == [
        ["train", 7, 2, pytest.approx(2 / 7), 4, 1, pytest.approx(1 / 7), None, None, None],
        ["test", 4, 1, pytest.approx(1 / 4), 4, 1, 0.25, 1, 0.25, 0.25],
        ["all splits", 11, 3, pytest.approx(3 / 11), 8, 2, pytest.approx(2 / 11), None, None, None],
    ]
    assert section.metric("identifiable_duplicate_share").value == pytest.approx(2 / 11)
    # test row (2.5, b) is train row 1; amount 2.5 is seen in those two rows only
    assert section.metric("identifiable_train_test_overlap").value == 0.25


def test_chance_matches_follow_a_groupby():
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({"a": rng.integers(0, 5, 300), "b": rng.choice(["u", "v", "w"], 300)})
    frame = pd.concat([frame, frame.iloc[:20]], ignore_index=True)
    lam = chance_matches(column_codes([frame]), 99)
    alike = frame.groupby(["a", "b"])["a"].transform("size")
    expected = 99 * np.prod(
        [(frame.groupby(c)[c].transform("size") - alike) / (320 - alike) for c in "ab"], axis=0
    )
    assert lam == pytest.approx(expected)


def test_low_cardinality_repeats_are_not_judged_but_copies_are():
    # COMPAS-like: 4 categorical columns, 4,000 rows, nearly all rows repeat by chance
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {"sex": rng.choice(["f", "m"], 4000, p=[0.2, 0.8]), "age": rng.choice(list("yom"), 4000)}
        | {"race": rng.choice(list("abcdef"), 4000), "charge": rng.choice(["F", "M"], 4000)}
    )
    labels = rng.integers(0, 2, 4000)
    section = Policy().apply(data_section({"all": SplitData(frame, labels)}))
    row = section.table("duplicates").rows[0]
    assert row[3] > 0.95 and row[4:] == [0, 0, 0.0]  # raw share, identifying rows, judged
    assert section.metric("identifiable_duplicate_share").verdict == "pass"
    assert any("Only 0 of 4000 rows can identify themselves" in n for n in section.notes)
    # 40 copies of rows with a measurement (an amount) among 400
    frame = frame.iloc[:400].assign(amount=rng.lognormal(7, 1, 400))
    rows = np.concatenate([np.arange(400), np.arange(40)])
    copied = SplitData(frame.iloc[rows], labels[rows])
    metric = Policy().judge(data_section({"all": copied}).metric("identifiable_duplicate_share"))
    assert (metric.value, metric.verdict) == (pytest.approx(40 / 440), "fail")


def test_duplicates_follow_pandas_duplicated_and_overlap_follows_a_merge():
    rng = np.random.default_rng(0)

    def split(n):
        a, b, c = rng.integers(0, 4, n), rng.choice(["u", "v", None], n), rng.integers(0, 3, n)
        return SplitData(pd.DataFrame({"a": a, "b": b, "c": c / 2}), rng.integers(0, 2, n))

    splits = {"train": split(300), "test": split(200)}
    section = data_section(splits)
    expected = sum(int(s.features.assign(_y=s.labels).duplicated().sum()) for s in splits.values())
    table = section.table("duplicates")
    assert table.rows[-1][2:4] == [expected, pytest.approx(expected / 500)]
    train_rows = set(splits["train"].features.astype(str).itertuples(index=False))
    in_train = sum(
        row in train_rows for row in splits["test"].features.astype(str).itertuples(index=False)
    )
    assert table.rows[1][7:9] == [in_train, pytest.approx(in_train / 200)]
    assert section.metric("identifiable_train_test_overlap").value == 0.0  # all by chance


@pytest.mark.parametrize(
    ("train", "test"),
    [  # 3 equals 3.0; (1, x) is in train whatever the order of the columns
        (pd.DataFrame({"a": [1, 2, 3]}), pd.DataFrame({"a": [3.0, np.nan]})),
        (
            pd.DataFrame({"a": [1, 2], "b": ["x", "y"]}),
            pd.DataFrame({"b": ["x", "z"], "a": [1, 2]}),
        ),
    ],
)
def test_overlap_matches_values_not_dtypes_or_column_order(train, test):
    splits = {"train": _split(train, np.arange(len(train)) % 2), "test": _split(test)}
    assert data_section(splits).metric("identifiable_train_test_overlap").value == 0.5


def test_one_split_has_no_split_comparisons():
    split = _tiny()["train"]
    section = data_section({"all": split})
    keys = {
        f"{name}[{f}]" for name in ("min_group_share", "base_rate_ratio") for f in ("sex", "age")
    }
    keys |= {"minority_class_ratio", "max_missing_share", "identifiable_duplicate_share"}
    assert {m.key for m in section.metrics} == keys
    assert section.table("representation").columns[2:] == ["count", "share"]
    assert section.table("duplicates").columns[:3] == ["split", "rows", "duplicates"]
    with pytest.raises(KeyError):
        section.table("shift")
    assert section.summary.startswith("5 rows: smallest group share 0.200 (sex)")


def test_without_sensitive_features_the_rest_is_measured():
    splits = {name: SplitData(s.features, s.labels, None) for name, s in _tiny().items()}
    section = data_section(splits)
    notes = section.notes
    assert "No sensitive features: representation and base rates were not measured." in notes
    assert [t.id for t in section.tables] == ["label_balance", "missing", "duplicates", "shift"]
    assert section.figures == []
    assert not any(m.scope for m in section.metrics)


def test_multi_class_skips_base_rates_with_a_note():
    split = _split(tuple(range(6)), (0, 1, 2, 0, 1, 2), pd.DataFrame({"g": list("aabbcc")}))
    section = data_section({"all": split})
    assert "base_rate_ratio[g]" not in {m.key for m in section.metrics}
    assert any("3 classes" in note for note in section.notes)
    assert section.metric("minority_class_ratio").value == pytest.approx(1.0)


def test_summary_names_what_set_the_verdict_in_words_first():
    # _tiny: the sex groups' shares differ by split (gap 0.29 > 0.10), x misses 3 of 8 values
    section = Policy().apply(data_section(_tiny()))
    data.conclude(section)
    assert section.verdict == "fail"
    lead = "FAIL set by representation_gap[sex] = 0.292, max_missing_share = 0.375. "
    assert section.summary.startswith(lead)
    words = (
        "groups of sex represented unevenly across the splits (fails above 0.1); "
        "missing values (fails above 0.2). 8 rows (train 5, test 3): smallest group share"
    )
    assert words in section.summary
    clean = SplitData(pd.DataFrame({"x": np.arange(100.0)}), np.arange(100) % 2)
    section = Policy().apply(data_section({"all": clean}))
    data.conclude(section)
    assert "PASS set by minority_class_ratio = 1.000" in section.summary
    assert "All 3 judged metrics are within their limits. 100 rows: smallest" in section.summary


def test_section_is_strict_json():
    splits = _tiny()
    # group m is absent from test: its base rate there is undefined
    splits["test"].sensitive.loc[:, "sex"] = "f"
    section = data_section(splits)
    assert _rows(section, "base_rates")["m"][5] is None
    json.dumps(asdict(section), allow_nan=False)


def test_run_on_credit_uses_the_raw_columns(credit_subject):
    section = data.run(credit_subject)
    for feature in ("sex", "age_group"):
        for name in ("min_group_share", "representation_gap", "base_rate_ratio"):
            assert section.metric(f"{name}[{feature}]").scope == feature
    judged = {"minority_class_ratio", "max_missing_share", "identifiable_duplicate_share"}
    judged |= {"identifiable_train_test_overlap", "max_shifted_smd", "max_shifted_psi"}
    for key in judged | {"max_abs_smd", "max_psi"}:
        assert section.metric(key).value is not None
        assert (key in data.CHECK.thresholds) == (key in judged)  # the raw maxima are shown only
    shifted = [row[0] for row in section.table("shift").rows]
    assert "checking_account" in shifted and "credit_amount" in shifted
    assert not any("=" in name for name in shifted)
    rows = {row[1]: row for row in section.table("label_balance").rows}
    good = (credit_subject.y_train == 1).sum() + (credit_subject.y_test == 1).sum()
    assert rows["good risk"][2] == int(good)
    assert all(m.verdict == "info" for m in section.metrics)  # the policy judges, not the check


def test_run_without_raw_columns_uses_the_model_inputs(tiny_data):
    X, y = tiny_data
    subject = audit.Subject(torch.nn.Linear(3, 2), (X, y), (X, y), feature_names=["a", "b", "c"])
    section = data.run(subject)
    assert sorted(row[0] for row in section.table("shift").rows) == ["a", "b", "c"]
    assert section.metric("identifiable_train_test_overlap").value == 1.0
    assert section.metric("max_psi").value == 0.0


def test_audit_run_applies_the_policy_and_renders(credit_subject):
    assert check_names()[0] == "data"
    result = audit.run(credit_subject, checks=["data"])
    section = result.section("data")
    assert section.metric("min_group_share[sex]").verdict == "pass"
    assert section.metric("min_group_share[sex]").threshold is not None
    assert section.verdict in {"pass", "warn", "fail"}
    html = render_html(result)
    assert 'id="section-data"' in html
    assert 'id="table-representation"' in html and 'id="figure-group_shares_sex"' in html
    assert audit.AuditResult.from_json(result.to_json()) == result


_ROWS = "expected features, labels and sensitive with the same number of rows, got 2 feature rows"


@pytest.mark.parametrize(
    ("splits", "kwargs", "start"),
    [
        ({}, {}, "splits: expected a non-empty dict"),
        ([("train", None)], {}, "splits: expected a non-empty dict"),
        ({"train": (1, 2)}, {}, "splits['train']: expected an audit.data.SplitData"),
        ({"all": _split(np.zeros((2, 1)))}, {}, "splits['all'].features: expected a pandas"),
        (
            {"all": _split(labels=(0.5, 1.0))},
            {},
            "splits['all'].labels: expected a 1-D array of integer",
        ),
        ({"all": _split(labels=(0, -1))}, {}, "splits['all'].labels: expected"),
        (
            {"all": _split((), np.array([], dtype=int))},
            {},
            "splits['all']: expected at least one row",
        ),
        ({"all": _split(sensitive="sex")}, {}, "splits['all'].sensitive: expected a pandas"),
        ({"train": _split(labels=(0, 1, 1))}, {}, f"splits['train']: {_ROWS}, 3 labels."),
        (
            {"test": _split(sensitive=pd.DataFrame({"s": list("abc")}))},
            {},
            f"splits['test']: {_ROWS}, 2 labels and 3 sensitive rows.",
        ),
        (
            {"train": _split(), "test": _split(column="y")},
            {},
            "splits['test'].features: expected the same columns as splits['train'].features",
        ),
        (
            {"train": _split(sensitive=pd.DataFrame({"s": list("ab")})), "test": _split()},
            {},
            "splits['test'].sensitive: expected the same sensitive columns as splits['train'], "
            "['s']",
        ),
        ({"all": _split(labels=(0, 2))}, {"class_names": ["a", "b"]}, "class_names: expected at"),
        (
            {"all": _split()},
            {"settings": {"psi_bins": 3}},
            "settings: expected an audit.config.DataSettings",
        ),
    ],
)
def test_bad_input_names_the_argument(splits, kwargs, start):
    with pytest.raises(AuditInputError) as info:
        data_section(splits, **kwargs)
    assert str(info.value).startswith(start)


def test_a_column_with_few_values_at_first_but_many_later_is_numeric():
    # 31 distinct values, but only one among the first 10,000
    values = np.concatenate([np.zeros(10_000), np.arange(1.0, 31.0)])
    split = SplitData(pd.DataFrame({"v": values}), np.zeros(values.size, dtype=int), None)
    few = SplitData(pd.DataFrame({"v": np.zeros(10_030)}), np.zeros(10_030, dtype=int), None)
    section = data_section(
        {"train": split, "test": split}, settings=DataSettings(max_categories=20)
    )
    assert section.table("shift").rows[0][1] == "numeric"
    assert data_section({"train": few, "test": few}).table("shift").rows[0][1] == "categorical"
