"""Hostile data and models: one clean line naming the argument, the rows or the batch.

Models that misbehave on some rows or only on batches bigger than the 2-row probe,
string labels, duplicated column names (frames and CSV headers), a bare string for
``sensitive``, and error messages that are short, plain and one line. Config files,
seeds and DP parameters: ``test_hardening_config.py``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

import audit
from audit.config import AuditConfig, load_config
from audit.errors import AuditInputError, bad_input, describe
from audit.predictions import audit_predictions, read_predictions


def one_line_error(call, kind=AuditInputError) -> str:
    """The message of the error ``call()`` raises, checked to be one line."""
    with pytest.raises(kind) as info:
        call()
    message = str(info.value)
    assert "\n" not in message
    return message


# -- models that misbehave on some rows or some batches -------------------------------


class NanRows(torch.nn.Module):
    """Logits [0, x0]; NaN for the rows listed."""

    def __init__(self, rows):
        super().__init__()
        self.rows = rows
        self.seen = 0

    def forward(self, x):
        out = torch.stack([torch.zeros(len(x)), x[:, 0]], dim=1)
        index = torch.arange(self.seen, self.seen + len(x))
        if len(x) > 2:  # the 2-row probe is spared
            self.seen += len(x)
            out[torch.isin(index, torch.tensor(self.rows))] = float("nan")
        return out


class BigBatch(torch.nn.Module):
    """A good model on the 2-row probe; ``bad`` on batches of more rows."""

    def __init__(self, bad, classes=2):
        super().__init__()
        self.bad, self.classes = bad, classes

    def forward(self, x):
        if len(x) <= 2:
            return torch.zeros(len(x), self.classes)
        if self.bad == "raise":
            raise RuntimeError("CUDA says no\nsecond line of the trace")
        if self.bad == "shape":
            return torch.zeros(len(x), 3)
        if self.bad == "tuple":
            return (torch.zeros(len(x), 2),)
        return torch.zeros(len(x) // 2, self.classes)  # rows lost


MODELS = [
    (
        "NaN for some rows",
        lambda: NanRows([17, 30, 31]),
        "model: expected finite outputs, got NaN for 3 of 40 test rows (first: row 17).",
    ),
    (
        "NaN for every row",
        lambda: NanRows(list(range(40))),
        "model: expected finite outputs, got NaN for 40 of 40 test rows (first: row 0).",
    ),
    (
        "raises on a big batch",
        lambda: BigBatch("raise"),
        "model: expected a module that accepts every batch of the data, got RuntimeError: "
        "CUDA says no second line of the trace for a batch of 16 rows (rows 0..15).",
    ),
    (
        "more classes on a big batch",
        lambda: BigBatch("shape"),
        "model: expected outputs of shape (batch, 2) for every batch, got (16, 3) for a batch "
        "of 16 rows.",
    ),
    (
        "rows lost on a big batch",
        lambda: BigBatch("rows"),
        "model: expected outputs of shape (batch, 2) for every batch, got (8, 2) for a batch "
        "of 16 rows.",
    ),
    (
        "one logit, then a matrix",
        lambda: BigBatch("rows", classes=1),
        "model: expected outputs of shape (batch,) or (batch, 1) for every batch, got (8, 1) "
        "for a batch of 16 rows.",
    ),
    (
        "a tuple on a big batch",
        lambda: BigBatch("tuple"),
        "model: expected a tensor of logits for every batch, got a tuple for a batch of 16 rows.",
    ),
]


@pytest.mark.parametrize(("case", "model", "message"), MODELS, ids=[m[0] for m in MODELS])
def test_misbehaving_model_is_named_with_its_rows(tiny_data, case, model, message):
    X, y = tiny_data
    subject = audit.Subject(model(), (X, y), (X, y))
    assert one_line_error(lambda: subject.predict_proba("test", batch_size=16)) == message


def test_later_batch_that_changes_shape_is_caught():
    class Third(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.calls = 0

        def forward(self, x):
            self.calls += 1
            return torch.zeros(len(x), 3 if self.calls == 3 else 2)

    message = one_line_error(
        lambda: audit.subject.predict_proba(Third(), torch.zeros(10, 2), batch_size=4)
    )
    assert message == (
        "model: expected outputs of shape (batch, 2) for every batch, got (2, 3) for a batch "
        "of 2 rows."
    )


# -- labels, columns and sensitive names ----------------------------------------------

STRING_LABELS = "expected integer class labels 0..C-1 (map string labels to the model's output order yourself and pass class_names=)"

SUBJECT_INPUTS = [
    (
        "string labels (ndarray)",
        lambda X, y: {"train": (X, np.where(y == 1, "good", "bad"))},
        f"train[1] (y): {STRING_LABELS}, got string labels such as 'good'.",
    ),
    (
        "string labels (list)",
        lambda X, y: {"test": (X, ["good"] * 40)},
        f"test[1] (y): {STRING_LABELS}, got string labels such as 'good'.",
    ),
    (
        "string labels (Series)",
        lambda X, y: {"train": (X, pd.Series(["yes", "no"] * 20))},
        f"train[1] (y): {STRING_LABELS}, got string labels such as 'yes'.",
    ),
    (
        "object labels",
        lambda X, y: {"train": (X, np.array([0, None] * 20, dtype=object))},
        f"train[1] (y): {STRING_LABELS}, got labels of dtype object.",
    ),
    (
        "sensitive column named, not given",
        lambda X, y: {"sensitive_test": "sex"},
        "sensitive_test: expected a pandas DataFrame or Series aligned with the rows (the columns "
        "themselves, e.g. frame[['sex']], not their names), got 'sex'.",
    ),
    (
        "duplicated sensitive columns",
        lambda X, y: {"sensitive_test": pd.DataFrame([["a", "b"]] * 40, columns=["sex", "sex"])},
        "sensitive_test: expected unique column names, got duplicated column(s) ['sex'].",
    ),
    (
        "duplicated feature columns",
        lambda X, y: {"train": (pd.DataFrame(X, columns=["a", "b", "a"]), y)},
        "train[0] (X): expected unique column names, got duplicated column(s) ['a'].",
    ),
    (
        "columns equal as text",
        lambda X, y: {"train": (pd.DataFrame(X, columns=[1, "1", "b"]), y)},
        "train[0] (X): expected unique column names, got duplicated column(s) ['1'].",
    ),
    (
        "duplicated raw columns",
        lambda X, y: {"raw_test": pd.DataFrame([[1, 2]] * 40, columns=["age", "age"])},
        "raw_test: expected unique column names, got duplicated column(s) ['age'].",
    ),
    (
        "duplicated feature names",
        lambda X, y: {"feature_names": ["a", "b", "a"]},
        "feature_names: expected unique names, got duplicated ['a'].",
    ),
]


@pytest.mark.parametrize(
    ("case", "build", "message"), SUBJECT_INPUTS, ids=[c[0] for c in SUBJECT_INPUTS]
)
def test_subject_refuses_in_one_line(tiny_data, case, build, message):
    X, y = tiny_data
    kwargs = {"train": (X, y), "test": (X, y)} | build(X, y)
    train, test = kwargs.pop("train"), kwargs.pop("test")
    got = one_line_error(lambda: audit.Subject(torch.nn.Linear(3, 2), train, test, **kwargs))
    assert got == message


@pytest.fixture(scope="module")
def decisions() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    n = 400
    return pd.DataFrame(
        {
            "y": rng.integers(0, 2, n),
            "score": rng.random(n).round(3),
            "sex": rng.choice(["f", "m"], n),
        }
    )


def test_bare_string_for_sensitive_is_one_column(decisions):
    fairness_only = {"checks": ["fairness"]}
    result = audit_predictions(
        decisions, y_true="y", y_score="score", sensitive="sex", config=fairness_only
    )
    assert result.subject["sensitive_features"] == ["sex"]
    listed = audit_predictions(
        decisions, y_true="y", y_score="score", sensitive=["sex"], config=fairness_only
    )
    assert result.section("fairness").metrics == listed.section("fairness").metrics


def _with_text_score(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.assign(score=frame["score"].astype(object))
    frame.loc[3, "score"] = "high"
    return frame


#: (case, how the table changes, audit_predictions arguments that change, message)
PREDICTION_INPUTS = [
    (
        "sensitive twice",
        None,
        {"sensitive": ["sex", "sex"]},
        "sensitive: expected distinct column names, got ['sex'] twice.",
    ),
    (
        "sensitive not names",
        None,
        {"sensitive": [1.5]},
        "sensitive: expected a column name or a list of column names, got list of length 1.",
    ),
    (
        "unknown bare sensitive",
        None,
        {"sensitive": "gender"},
        "column 'gender' (sensitive): expected a column of the table, got none; columns are ['y', 'score', 'sex'].",
    ),
    (
        "y_true a list",
        None,
        {"y_true": ["y"]},
        "y_true: expected a column name, got list of length 1.",
    ),
    (
        "threshold a string",
        None,
        {"threshold": "high"},
        "threshold: expected a number in (0, 1), got 'high'.",
    ),
    (
        "NumPy positive label",
        None,
        {"positive_label": np.int64(7)},
        "column 'y': expected the positive label 7 among its values, got values ['0', '1'].",
    ),
    (
        "duplicated columns",
        lambda f: pd.concat([f, f[["sex"]]], axis=1),
        {},
        "df: expected unique column names, got duplicated column(s) ['sex'].",
    ),
    (
        "score out of range",
        lambda f: f.assign(score=f["score"].where(f.index != 5, -0.5)),
        {},
        "column 'score': expected scores in [0, 1], got values from -0.5 to 1.0.",
    ),
    (
        "score not a number",
        _with_text_score,
        {},
        "column 'score': expected numeric scores in [0, 1], got 1 non-numeric value(s), first 'high' at row 3.",
    ),
]


@pytest.mark.parametrize(
    ("case", "table", "change", "message"), PREDICTION_INPUTS, ids=[c[0] for c in PREDICTION_INPUTS]
)
def test_predictions_refuse_in_one_line(decisions, case, table, change, message):
    frame = decisions if table is None else table(decisions)
    arguments = {"y_true": "y", "y_score": "score", "sensitive": ["sex"]} | change
    got = one_line_error(lambda: audit_predictions(frame, **arguments))
    assert got == message


def test_csv_with_a_repeated_column_name_is_refused(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("y,sex,score,sex\n1,f,0.5,m\n0,m,0.2,f\n", encoding="utf-8")
    got = one_line_error(lambda: read_predictions(path))
    assert got == "FILE: expected unique column names in the header, got 'sex' more than once."
    path.write_text("y,sex,score,sex.1\n1,f,0.5,m\n", encoding="utf-8")  # a real 'sex.1'
    assert list(read_predictions(path).columns) == ["y", "sex", "score", "sex.1"]


def test_encoder_refuses_duplicated_and_clashing_columns():
    from audit.datasets import TabularEncoder

    twice = pd.DataFrame([["a", "b"]], columns=["c", "c"])
    assert one_line_error(lambda: TabularEncoder().fit(twice)) == (
        "frame: expected unique column names, got duplicated column(s) ['c']."
    )
    clash = pd.DataFrame({"c": ["x", "y"], "c=x": [1.0, 2.0]})
    assert one_line_error(lambda: TabularEncoder().fit(clash)) == (
        "frame: expected columns whose encoded names differ (feature=level), got ['c=x'] from "
        "two columns."
    )


# -- messages: plain numbers, one line, short quotes ----------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (np.float64(0.001), "0.001"),
        (np.int64(3), "3"),
        (torch.tensor(2.5), "2.5"),
        (np.zeros((2, 3)), "ndarray of shape (2, 3), dtype float64"),
        ({"a": 1, "b": 2}, "{'a': 1, 'b': 2}"),
        (dict.fromkeys(range(1000), 0), "dict of 1000 keys"),
        ("line one\nline two", "'line one\\nline two'"),
        ("x" * 500, "'" + "x" * 78 + "…"),
    ],
)
def test_describe_is_short_plain_and_one_line(value, text):
    assert describe(value) == text


def test_bad_input_joins_lines():
    error = bad_input("model", "a module", "RuntimeError: a\n  b")
    assert str(error) == "model: expected a module, got RuntimeError: a b."


def test_model_copy_validates_only_what_it_updates():
    config = load_config({"seed": 2, "fairness": {"min_group_size": 5}})
    copy = config.model_copy(update={"seed": 3})
    assert (copy.seed, copy.fairness.min_group_size, config.seed) == (3, 5, 2)
    assert isinstance(copy, AuditConfig)
