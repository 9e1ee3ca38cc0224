"""Train/test shift of the data section: SMD and PSI by hand."""

import math
import statistics

import numpy as np
import pandas as pd
import pytest

from audit.config import DataSettings
from audit.data._section import SplitData, data_section
from audit.data._shift import psi, smd


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
    assert section.table("shift").rows == [["c", "categorical", None, pytest.approx(expected)]]
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
    assert {row[0]: row[3] for row in section.table("shift").rows} == {"v": 0.0, "c": 0.0}
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
    assert rows[0][3] > 0.25 > 0.05 > rows[1][3]
    assert rows[0][2] == pytest.approx(1.0, abs=0.1)
    assert section.metric("max_psi").value == rows[0][3]
