"""Train/test shift of the data section: SMD and PSI by hand."""

import math
import statistics

import numpy as np
import pandas as pd
import pytest

from audit.config import DataSettings
from audit.data._section import SplitData, data_section
from audit.data._shift import column_shift, psi, smd
from audit.data._stats import chi_square_homogeneity, holm, mean_difference_p, two_sided_z
from audit.policy import Policy

SHIFT_COLUMNS = ["feature", "kind", "smd", "smd_low", "smd_high", "p_smd", "psi", "p_psi"]


def test_smd_equals_the_formula():
    train, test = [1.0, 2.0, 3.0, 4.0], [2.0, 4.0, 6.0, 9.0]
    expected = (statistics.mean(test) - statistics.mean(train)) / math.sqrt(
        (statistics.variance(train) + statistics.variance(test)) / 2
    )
    assert smd(np.array(train), np.array(test)) == pytest.approx(expected)
    assert smd(np.array([1.0, 1.0]), np.array([1.0, 1.0])) == 0.0
    splits = {
        "train": SplitData(pd.DataFrame({"v": train}), np.array([0, 1, 0, 1]), None),
        "test": SplitData(pd.DataFrame({"v": test}), np.array([0, 1, 0, 1]), None),
    }
    section = data_section(splits, settings=DataSettings(max_categories=2))
    assert section.table("shift").rows[0][:3] == ["v", "numeric", pytest.approx(expected)]
    assert section.metric("max_abs_smd").value == pytest.approx(expected)


def test_psi_of_two_levels_by_hand():
    # train a 3/4, b 1/4; test a 1/2, b 1/2
    expected = (0.5 - 0.75) * math.log(0.5 / 0.75) + (0.5 - 0.25) * math.log(0.5 / 0.25)
    splits = {
        "train": SplitData(pd.DataFrame({"c": list("aaab")}), np.array([0, 1, 0, 1]), None),
        "test": SplitData(pd.DataFrame({"c": list("abab")}), np.array([0, 1, 0, 1]), None),
    }
    section = data_section(splits)
    assert section.table("shift").columns == [*SHIFT_COLUMNS, "shifted"]
    # both levels are expected below 5 rows per split: pooled into one, nothing to test
    row = ["c", "categorical", None, None, None, None, pytest.approx(expected), 1.0, "no"]
    assert section.table("shift").rows == [row]
    assert section.metric("max_psi").value == pytest.approx(expected)
    assert "max_abs_smd" not in {m.key for m in section.metrics}  # no numeric column


def test_psi_floors_empty_levels():
    # train has no "b": its share 0 is floored at 1e-4
    expected = (0.5 - 1.0) * math.log(0.5 / 1.0) + (0.5 - 1e-4) * math.log(0.5 / 1e-4)
    assert psi(np.array([1.0, 0.0]), np.array([0.5, 0.5])) == pytest.approx(expected)


def test_numeric_psi_uses_train_quantile_bins():
    # psi_bins=2: one edge at the train median 4.5; train 5/10 below, test 3/8 below
    expected = (3 / 8 - 1 / 2) * math.log((3 / 8) / (1 / 2)) + (5 / 8 - 1 / 2) * math.log(
        (5 / 8) / (1 / 2)
    )
    splits = {
        "train": SplitData(pd.DataFrame({"v": np.arange(10.0)}), np.arange(10) % 2, None),
        "test": SplitData(
            pd.DataFrame({"v": [1.0, 2, 3, 10, 11, 12, 13, 14]}), np.arange(8) % 2, None
        ),
    }
    section = data_section(splits, settings=DataSettings(max_categories=2, psi_bins=2))
    assert section.metric("max_psi").value == pytest.approx(expected)


def test_psi_is_zero_for_identical_distributions():
    frame = pd.DataFrame({"v": np.linspace(0, 1, 50), "c": list("abcde") * 10})
    split = SplitData(frame, np.arange(50) % 2, None)
    section = data_section({"train": split, "test": split})
    assert {row[0]: row[6] for row in section.table("shift").rows} == {"v": 0.0, "c": 0.0}
    assert section.metric("max_abs_smd").value == 0.0


def test_shifted_numeric_column_gets_a_larger_psi():
    rng = np.random.default_rng(0)
    train = pd.DataFrame({"stable": rng.normal(size=2000), "shifted": rng.normal(size=2000)})
    test = pd.DataFrame(
        {"stable": rng.normal(size=1000), "shifted": rng.normal(1.0, 1.0, size=1000)}
    )
    section = data_section(
        {
            "train": SplitData(train, rng.integers(0, 2, 2000), None),
            "test": SplitData(test, rng.integers(0, 2, 1000), None),
        }
    )
    rows = section.table("shift").rows
    assert [row[:2] for row in rows] == [
        ["shifted", "numeric"],
        ["stable", "numeric"],
    ]  # psi, descending
    assert rows[0][6] > 0.25 > 0.05 > rows[1][6]
    assert rows[0][2] == pytest.approx(1.0, abs=0.1)
    assert section.metric("max_psi").value == rows[0][6]
    assert [row[-1] for row in rows] == ["mean and distribution", "no"]
    assert section.metric("max_shifted_smd").value == pytest.approx(abs(rows[0][2]))
    assert section.metric("max_shifted_psi").value == rows[0][6]


def test_holm_by_hand():
    # sorted 0.001, 0.01, 0.02, 0.04 times 4, 3, 2, 1 -> 0.004, 0.03, 0.04, 0.04 (monotone)
    adjusted = holm(np.array([0.04, 0.001, 0.02, 0.01]))
    assert adjusted == pytest.approx([0.04, 0.004, 0.04, 0.03])
    assert holm(np.array([0.5, 0.6])) == pytest.approx([1.0, 1.0])  # capped at 1


def test_chi_square_matches_scipy_and_pools_sparse_levels():
    from scipy.stats import chi2_contingency

    train, test = np.array([40, 30, 20, 10]), np.array([20, 20, 30, 30])
    stat, df, p = chi_square_homogeneity(train, test)
    expected = chi2_contingency(np.vstack([train, test]), correction=False)
    assert (stat, df, p) == (pytest.approx(expected[0]), 3, pytest.approx(expected[1]))
    # levels 3 and 4 hold 2 and 3 of 200 rows: expected 1 and 1.5 per split, pooled (5 rows)
    stat, df, p = chi_square_homogeneity(np.array([50, 48, 2, 0]), np.array([50, 47, 0, 3]))
    pooled = chi2_contingency(np.array([[50, 48, 2], [50, 47, 3]]), correction=False)
    assert (stat, df, p) == (pytest.approx(pooled[0]), 2, pytest.approx(pooled[1]))


def test_numeric_shift_has_welch_p_and_simultaneous_bounds():
    train, test = pd.Series([1.0, 2, 3, 4, 5, 6, 7, 8]), pd.Series([3.0, 4, 5, 6, 7, 9])
    shift = column_shift("v", train, test, max_categories=2, psi_bins=2)
    d = (test.mean() - train.mean()) / math.sqrt((train.var() + test.var()) / 2)
    se = math.sqrt(1 / 8 + 1 / 6 + d * d / (2 * 14))
    z = (test.mean() - train.mean()) / math.sqrt(train.var() / 8 + test.var() / 6)
    assert (shift.smd, shift.smd_se) == (pytest.approx(d), pytest.approx(se))
    assert shift.p_smd == pytest.approx(math.erfc(z / math.sqrt(2)))
    assert mean_difference_p(1.0, 0.0, 5, 2.0, 0.0, 5) == 0.0  # two constants that differ
    splits = {"train": SplitData(train.to_frame(), np.zeros(8, int), None)}
    splits["test"] = SplitData(test.to_frame(), np.zeros(6, int), None)
    section = data_section(splits, settings=DataSettings(max_categories=2, psi_bins=2))
    low, high = section.table("shift").rows[0][3:5]
    assert two_sided_z(0.05, 1) == pytest.approx(1.959964)
    assert (low, high) == (pytest.approx(d - 1.959964 * se), pytest.approx(d + 1.959964 * se))
    assert section.metric("max_abs_smd").ci == [pytest.approx(max(0, d - 1.959964 * se)), high]


def _credit_like(rng, n: int, shift: float = 0.0) -> pd.DataFrame:
    """Six numeric and fourteen categorical columns; ``shift`` moves n0 by that many SDs."""
    numeric = {f"n{j}": rng.normal(shift if j == 0 else 0.0, 1.0, n) for j in range(6)}
    weights = [0.6**k for k in range(8)]
    levels = {f"c{j}": rng.choice(8, n, p=np.array(weights) / sum(weights)) for j in range(14)}
    return pd.DataFrame(numeric | {k: v.astype(str) for k, v in levels.items()})


def _judged_shift(rng, n_train: int, n_test: int, shift: float):
    splits = {
        "train": SplitData(_credit_like(rng, n_train), rng.integers(0, 2, n_train), None),
        "test": SplitData(_credit_like(rng, n_test, shift), rng.integers(0, 2, n_test), None),
    }
    return Policy().apply(data_section(splits))


def test_no_shift_is_not_flagged_though_raw_maxima_pass_the_old_limits():
    # 560/300 rows, 20 columns drawn alike: the raw largest |SMD| and PSI exceed 0.10 by
    # chance, no test survives Holm's correction, so the judged shift metrics are 0
    section = _judged_shift(np.random.default_rng(12), 560, 300, 0.0)
    assert section.metric("max_abs_smd").value > 0.10 and section.metric("max_psi").value > 0.10
    assert {row[-1] for row in section.table("shift").rows} == {"no"}
    for key in ("max_shifted_smd", "max_shifted_psi"):
        assert (section.metric(key).value, section.metric(key).verdict) == (0.0, "pass")
    assert section.metric("max_abs_smd").verdict == "info"  # shown, not judged


def test_a_real_shift_is_flagged_and_fails():
    section = _judged_shift(np.random.default_rng(0), 500, 500, 0.5)
    row = section.table("shift").rows[0]
    assert row[0] == "n0" and row[-1] == "mean and distribution" and row[5] < 1e-6
    metric = section.metric("max_shifted_smd")
    assert metric.value == pytest.approx(row[2]) and 0.4 < metric.value < 0.6
    assert metric.verdict == "fail"
    flagged = [r[0] for r in section.table("shift").rows if r[-1] != "no"]
    assert flagged == ["n0"]


def test_many_rare_levels_do_not_flag_a_shift():
    # 60 levels of about 10 rows each: empty levels inflate the PSI, the pooled test does not
    rng = np.random.default_rng(0)
    train, test = (pd.DataFrame({"c": rng.integers(0, 60, n).astype(str)}) for n in (400, 200))
    splits = {
        "train": SplitData(train, np.zeros(400, int)),
        "test": SplitData(test, np.zeros(200, int)),
    }
    section = Policy().apply(data_section(splits))
    assert section.metric("max_psi").value > 0.25
    assert section.table("shift").rows[0][7] > 0.05
    assert section.metric("max_shifted_psi").verdict == "pass"
