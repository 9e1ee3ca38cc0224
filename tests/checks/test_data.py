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
from audit.data._section import SplitData, data_section
from audit.errors import AuditInputError
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


def _rows(section, table_id: str, key: int = 1) -> dict:
    return {row[key]: row for row in section.table(table_id).rows if row[0] != "age"}


def test_representation_shares_by_hand():
    section = data_section(_tiny())
    table = section.table("representation")
    assert table.columns == [
        "sensitive_feature",
        "group",
        "count",
        "share",
        "share_train",
        "share_test",
    ]
    rows = _rows(section, "representation")
    assert rows["f"] == [
        "sex",
        "f",
        3,
        pytest.approx(3 / 8),
        pytest.approx(1 / 5),
        pytest.approx(2 / 3),
    ]
    assert rows["m"] == [
        "sex",
        "m",
        5,
        pytest.approx(5 / 8),
        pytest.approx(4 / 5),
        pytest.approx(1 / 3),
    ]
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
    assert table.rows[0] == [
        0,
        "no",
        3,
        pytest.approx(3 / 8),
        pytest.approx(2 / 5),
        pytest.approx(1 / 3),
    ]
    assert table.rows[1] == [
        1,
        "yes",
        5,
        pytest.approx(5 / 8),
        pytest.approx(3 / 5),
        pytest.approx(2 / 3),
    ]
    assert section.metric("minority_class_share").value == pytest.approx(3 / 8)


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
    train = SplitData(
        pd.DataFrame({"a": [1, 1, 2, 2, 3], "b": list("xxyyz")}), np.array([0, 0, 1, 0, 1]), None
    )
    test = SplitData(
        pd.DataFrame({"a": [1, 3, 4, 4], "b": list("xzww")}), np.array([1, 1, 0, 0]), None
    )
    section = data_section({"train": train, "test": test})
    # train: row 1 repeats row 0; rows 2 and 3 differ in label. test: row 3 repeats row 2.
    assert section.table("duplicates").rows == [
        ["train", 5, 1, pytest.approx(1 / 5), None, None],
        ["test", 4, 1, pytest.approx(1 / 4), 2, pytest.approx(2 / 4)],
        ["all splits", 9, 2, pytest.approx(2 / 9), None, None],
    ]
    assert section.metric("duplicate_share").value == pytest.approx(2 / 9)
    # test rows (1, x) and (3, z) are in train, whatever their label
    assert section.metric("train_test_overlap").value == pytest.approx(0.5)


def test_duplicates_follow_pandas_duplicated_and_overlap_follows_a_merge():
    rng = np.random.default_rng(0)

    def split(n):
        frame = pd.DataFrame(
            {
                "a": rng.integers(0, 4, n),
                "b": rng.choice(["u", "v", None], n),
                "c": rng.integers(0, 3, n) / 2,
            }
        )
        return SplitData(frame, rng.integers(0, 2, n), None)

    splits = {"train": split(300), "test": split(200)}
    section = data_section(splits)
    expected = sum(int(s.features.assign(_y=s.labels).duplicated().sum()) for s in splits.values())
    assert section.metric("duplicate_share").value == pytest.approx(expected / 500)
    train_rows = set(splits["train"].features.astype(str).itertuples(index=False))
    in_train = sum(
        row in train_rows for row in splits["test"].features.astype(str).itertuples(index=False)
    )
    assert section.metric("train_test_overlap").value == pytest.approx(in_train / 200)


def test_overlap_matches_integer_and_float_columns():
    train = SplitData(pd.DataFrame({"a": [1, 2, 3]}), np.array([0, 1, 0]), None)
    test = SplitData(pd.DataFrame({"a": [3.0, np.nan]}), np.array([0, 1]), None)
    assert data_section({"train": train, "test": test}).metric("train_test_overlap").value == 0.5


def test_one_split_has_no_split_comparisons():
    split = _tiny()["train"]
    section = data_section({"all": split})
    keys = {m.key for m in section.metrics}
    assert keys == {
        "min_group_share[sex]",
        "min_group_share[age]",
        "base_rate_ratio[sex]",
        "base_rate_ratio[age]",
        "minority_class_share",
        "max_missing_share",
        "duplicate_share",
    }
    assert section.table("representation").columns == [
        "sensitive_feature",
        "group",
        "count",
        "share",
    ]
    assert section.table("duplicates").columns == ["split", "rows", "duplicates", "duplicate_share"]
    with pytest.raises(KeyError):
        section.table("shift")
    assert section.summary.startswith("5 rows: smallest group share 0.200 (sex)")


def test_without_sensitive_features_the_rest_is_measured():
    splits = {name: SplitData(s.features, s.labels, None) for name, s in _tiny().items()}
    section = data_section(splits)
    assert (
        "No sensitive features: representation and base rates were not measured." in section.notes
    )
    assert [t.id for t in section.tables] == ["label_balance", "missing", "duplicates", "shift"]
    assert section.figures == []
    assert not any(m.scope for m in section.metrics)


def test_multi_class_skips_base_rates_with_a_note():
    split = SplitData(
        pd.DataFrame({"x": range(6)}),
        np.array([0, 1, 2, 0, 1, 2]),
        pd.DataFrame({"g": list("aabbcc")}),
    )
    section = data_section({"all": split})
    assert "base_rate_ratio[g]" not in {m.key for m in section.metrics}
    assert any("3 classes" in note for note in section.notes)
    assert section.metric("minority_class_share").value == pytest.approx(1 / 3)


def test_section_is_strict_json():
    splits = _tiny()
    splits["test"].sensitive.loc[:, "sex"] = (
        "f"  # group m is absent from test: its base rate there is undefined
    )
    section = data_section(splits)
    assert _rows(section, "base_rates")["m"][5] is None
    json.dumps(asdict(section), allow_nan=False)


def test_run_on_credit_uses_the_raw_columns(credit_subject):
    section = data.run(credit_subject)
    for feature in ("sex", "age_group"):
        for name in ("min_group_share", "representation_gap", "base_rate_ratio"):
            assert section.metric(f"{name}[{feature}]").scope == feature
    for key in (
        "minority_class_share",
        "max_missing_share",
        "duplicate_share",
        "train_test_overlap",
        "max_abs_smd",
        "max_psi",
    ):
        assert section.metric(key).value is not None
    shifted = [row[0] for row in section.table("shift").rows]
    assert "checking_account" in shifted and "credit_amount" in shifted
    assert not any("=" in name for name in shifted)
    rows = {row[1]: row for row in section.table("label_balance").rows}
    assert rows["good risk"][2] == int(
        (credit_subject.y_train == 1).sum() + (credit_subject.y_test == 1).sum()
    )
    assert all(m.verdict == "info" for m in section.metrics)  # the policy judges, not the check


def test_run_without_raw_columns_uses_the_model_inputs(tiny_data):
    X, y = tiny_data
    subject = audit.Subject(torch.nn.Linear(3, 2), (X, y), (X, y), feature_names=["a", "b", "c"])
    section = data.run(subject)
    assert sorted(row[0] for row in section.table("shift").rows) == ["a", "b", "c"]
    assert section.metric("train_test_overlap").value == 1.0
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


@pytest.mark.parametrize(
    ("splits", "kwargs", "start"),
    [
        ({}, {}, "splits: expected a non-empty dict"),
        ([("train", None)], {}, "splits: expected a non-empty dict"),
        ({"train": (1, 2)}, {}, "splits['train']: expected an audit.data.SplitData"),
        (
            {"all": SplitData(np.zeros((2, 1)), np.array([0, 1]), None)},
            {},
            "splits['all'].features: expected a pandas DataFrame",
        ),
        (
            {"all": SplitData(pd.DataFrame({"x": [1, 2]}), np.array([0.5, 1.0]), None)},
            {},
            "splits['all'].labels: expected a 1-D array of integer",
        ),
        (
            {"all": SplitData(pd.DataFrame({"x": [1, 2]}), np.array([0, -1]), None)},
            {},
            "splits['all'].labels: expected",
        ),
        (
            {"all": SplitData(pd.DataFrame({"x": []}), np.array([], dtype=int), None)},
            {},
            "splits['all']: expected at least one row",
        ),
        (
            {"all": SplitData(pd.DataFrame({"x": [1, 2]}), np.array([0, 1]), "sex")},
            {},
            "splits['all'].sensitive: expected a pandas DataFrame",
        ),
        (
            {"train": SplitData(pd.DataFrame({"x": [1, 2]}), np.array([0, 1, 1]), None)},
            {},
            "splits['train']: expected features, labels and sensitive with the same number of rows, got 2 feature rows, 3 labels.",
        ),
        (
            {
                "test": SplitData(
                    pd.DataFrame({"x": [1, 2]}), np.array([0, 1]), pd.DataFrame({"s": list("abc")})
                )
            },
            {},
            "splits['test']: expected features, labels and sensitive with the same number of rows, got 2 feature rows, 2 labels and 3 sensitive rows.",
        ),
        (
            {
                "train": SplitData(pd.DataFrame({"x": [1, 2]}), np.array([0, 1]), None),
                "test": SplitData(pd.DataFrame({"y": [1, 2]}), np.array([0, 1]), None),
            },
            {},
            "splits['test'].features: expected the same columns as splits['train'].features",
        ),
        (
            {
                "train": SplitData(
                    pd.DataFrame({"x": [1, 2]}), np.array([0, 1]), pd.DataFrame({"s": list("ab")})
                ),
                "test": SplitData(pd.DataFrame({"x": [1, 2]}), np.array([0, 1]), None),
            },
            {},
            "splits['test'].sensitive: expected the same sensitive columns as splits['train'], ['s']",
        ),
        (
            {"all": SplitData(pd.DataFrame({"x": [1, 2]}), np.array([0, 2]), None)},
            {"class_names": ["a", "b"]},
            "class_names: expected at least 3 names",
        ),
        (
            {"all": SplitData(pd.DataFrame({"x": [1, 2]}), np.array([0, 1]), None)},
            {"settings": {"psi_bins": 3}},
            "settings: expected an audit.config.DataSettings",
        ),
    ],
)
def test_bad_input_names_the_argument(splits, kwargs, start):
    with pytest.raises(AuditInputError) as info:
        data_section(splits, **kwargs)
    assert str(info.value).startswith(start)


def test_split_data_keeps_columns_in_the_first_splits_order():
    train = SplitData(pd.DataFrame({"a": [1, 2], "b": ["x", "y"]}), np.array([0, 1]), None)
    test = SplitData(pd.DataFrame({"b": ["x", "z"], "a": [1, 2]}), np.array([0, 1]), None)
    section = data_section({"train": train, "test": test})
    assert section.metric("train_test_overlap").value == 0.5  # (1, x) is in train


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
