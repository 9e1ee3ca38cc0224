import numpy as np
import pandas as pd
import pytest

from audit.errors import AuditInputError
from audit.fairness import GroupEncoder


def test_numeric_columns_with_many_values_are_binned_on_the_fit_data():
    frame = pd.DataFrame({"age": np.arange(18, 98), "sex": ["f", "m"] * 40})
    encoder = GroupEncoder(bins=4, max_categories=10).fit(frame)
    assert encoder.binned == ["age"]
    groups = encoder.transform(frame)
    assert groups["age"].value_counts().tolist() == [20, 20, 20, 20]
    assert groups["age"].iloc[0] == "[18, 37.75]"
    # another split uses the same edges; values beyond them join the outer bins
    other = encoder.transform(pd.DataFrame({"age": [10, 40, 200], "sex": ["f", "f", "m"]}))
    assert other["age"].tolist() == ["[18, 37.75]", "(37.75, 57.5]", "(77.25, 97]"]


def test_few_valued_numeric_columns_stay_categorical():
    frame = pd.DataFrame({"band": [1, 2, 3, 1, 2, 3]})
    assert (
        GroupEncoder(max_categories=10).fit(frame).transform(frame)["band"].tolist()
        == ["1", "2", "3"] * 2
    )


def test_intersection_column_joins_the_groups():
    frame = pd.DataFrame({"sex": ["f", "m", "f"], "age": ["<=25", ">25", ">25"]})
    groups = GroupEncoder().fit(frame).transform(frame)
    assert list(groups.columns) == ["sex", "age", "sex & age"]
    assert groups["sex & age"].tolist() == ["f & <=25", "m & >25", "f & >25"]
    assert list(GroupEncoder(intersection=False).fit(frame).transform(frame).columns) == [
        "sex",
        "age",
    ]


def test_transform_names_missing_columns():
    encoder = GroupEncoder().fit(pd.DataFrame({"sex": ["f"]}))
    with pytest.raises(AuditInputError, match="sensitive: expected the columns"):
        encoder.transform(pd.DataFrame({"gender": ["f"]}))
