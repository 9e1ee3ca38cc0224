import hashlib
from importlib import resources

import numpy as np
import pytest

from audit.datasets import GERMAN_CREDIT_SHA256, german_credit
from audit.datasets._german import load_german_raw
from audit.errors import AuditInputError


def test_embedded_file_matches_recorded_hash():
    data = resources.files("audit.datasets").joinpath("data", "german_credit.csv").read_bytes()
    assert hashlib.sha256(data).hexdigest() == GERMAN_CREDIT_SHA256


def test_readme_records_source_licence_and_hash():
    text = resources.files("audit.datasets").joinpath("data", "README.md").read_text()
    assert GERMAN_CREDIT_SHA256 in text
    assert "CC BY 4.0" in text and "Statlog" in text


def test_raw_data_has_1000_rows_and_known_label_balance():
    raw = load_german_raw()
    assert raw.shape == (1000, 10)
    assert raw["risk"].value_counts().to_dict() == {1: 700, 0: 300}
    assert raw["sex"].value_counts().to_dict() == {"male": 690, "female": 310}


def test_split_is_stratified_and_seeded():
    data = german_credit(seed=0)
    assert data.X_train.shape == (700, 26) and data.X_test.shape == (300, 26)
    assert data.y_train.mean() == pytest.approx(0.7) and data.y_test.mean() == pytest.approx(0.7)
    again = german_credit(seed=0)
    assert data.X_test.equals(again.X_test) and data.y_test.equals(again.y_test)
    other = german_credit(seed=1)
    assert not data.raw_test.equals(other.raw_test)


def test_features_are_readable_and_sensitive_features_aligned():
    data = german_credit(seed=0)
    assert "checking_account=little" in data.feature_names
    assert "credit_amount" in data.feature_names
    assert list(data.sensitive_test.columns) == ["sex", "age_group"]
    assert set(data.sensitive_test["age_group"]) == {"<=25", ">25"}
    # age_group derives from the raw age of the same row
    expected = np.where(data.raw_test["age"] <= 25, "<=25", ">25")
    assert (data.sensitive_test["age_group"].to_numpy() == expected).all()
    assert (data.sensitive_test["sex"] == data.raw_test["sex"]).all()
    assert data.feature_groups["checking_account"] == [
        c for c in data.feature_names if c.startswith("checking_account=")
    ]


def test_numeric_columns_standardised_on_training_rows_only():
    data = german_credit(seed=0)
    assert data.X_train["credit_amount"].mean() == pytest.approx(0.0, abs=1e-5)
    assert data.X_train["credit_amount"].std(ddof=0) == pytest.approx(1.0, abs=1e-4)
    assert abs(data.X_test["credit_amount"].mean()) > 1e-4  # not refitted on test


def test_sensitive_columns_can_be_left_out_of_the_inputs():
    data = german_credit(seed=0, include_sensitive=False)
    assert not any(c.startswith("sex=") or c == "age" for c in data.feature_names)
    assert list(data.sensitive_train.columns) == ["sex", "age_group"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"seed": -1}, "seed: expected a non-negative int, got -1."),
        ({"test_size": 1.5}, "test_size: expected a float in (0, 1), got 1.5."),
    ],
)
def test_bad_arguments_are_named(kwargs, message):
    with pytest.raises(AuditInputError) as info:
        german_credit(**kwargs)
    assert str(info.value) == message
