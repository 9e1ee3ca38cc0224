from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import torch

import audit
from audit.errors import AuditInputError
from audit.history import TrainingHistory


def make(X, y, **kwargs):
    model = kwargs.pop("model", torch.nn.Linear(np.asarray(X).shape[1], 2))
    test = kwargs.pop("test", (X, y))
    return audit.Subject(model, (X, y), test, **kwargs)


def test_accepts_ndarray_tensor_and_dataframe(tiny_data):
    X, y = tiny_data
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    for features in (X, torch.as_tensor(X), frame):
        subject = make(features, y)
        assert subject.X_train.dtype == torch.float32
        assert subject.y_train.dtype == torch.int64
        assert subject.n_classes == 2
    assert make(frame, pd.Series(y)).feature_names == ["a", "b", "c"]
    assert make(X, y).feature_names == ["x0", "x1", "x2"]


def test_sensitive_series_becomes_a_named_frame(tiny_data):
    X, y = tiny_data
    groups = pd.Series(["a", "b"] * 20, name="sex")
    subject = make(X, y, sensitive_train=groups, sensitive_test=groups)
    assert list(subject.sensitive_test.columns) == ["sex"]


def test_single_logit_model_is_read_as_binary(tiny_data):
    X, y = tiny_data
    raw = torch.nn.Linear(3, 1)
    subject = make(X, y, model=raw)
    proba = subject.predict_proba("test")
    assert subject.output.one_logit and subject.n_classes == 2 and proba.shape == (40, 2)
    assert subject.user_model is raw and not subject.binary_logit  # model gives two columns
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    with torch.no_grad():
        z = raw(torch.as_tensor(X))[:, 0]
        np.testing.assert_allclose(
            subject.model(torch.as_tensor(X)), torch.stack([-z / 2, z / 2], 1)
        )
    np.testing.assert_allclose(proba[:, 1], torch.sigmoid(z.double()), atol=1e-6)


class Wrapped(torch.nn.Module):
    """A linear model whose logits come in a dict, a dataclass-like object or a tuple."""

    def __init__(self, form, width=2):
        super().__init__()
        self.form, self.linear = form, torch.nn.Linear(3, width)

    def forward(self, x):
        z = self.linear(x)
        if self.form == "dict":
            return {"logits": z, "loss": None}
        if self.form == "object":
            return SimpleNamespace(logits=z)
        return (z, x)


@pytest.mark.parametrize("form", ["dict", "object", "tuple"])
@pytest.mark.parametrize("width", [1, 2, 3])
def test_wrapped_logits_are_unwrapped_once(tiny_data, form, width):
    X, y = tiny_data
    raw = Wrapped(form, width)
    subject = make(X, y, model=raw)
    assert subject.n_classes == max(2, width) and subject.user_model is raw
    plain = torch.nn.Linear(3, width)
    plain.load_state_dict(raw.linear.state_dict())
    expected = audit.Subject(plain, (X, y), (X, y)).predict_proba("test")
    np.testing.assert_allclose(subject.predict_proba("test"), expected, atol=1e-7)
    # the adapter has the user's parameters and state dict: same keys, same manifest hash
    from audit.manifest import state_sha256

    assert list(subject.model.state_dict()) == ["linear.weight", "linear.bias"]
    assert state_sha256(subject.model) == state_sha256(raw)
    assert subject.summary()["model_class"] == "Wrapped"


def test_plain_logits_are_audited_as_given_and_with_model_reads_again(tiny_data):
    X, y = tiny_data
    model = torch.nn.Linear(3, 2)
    subject = make(X, y, model=model)
    assert subject.model is model and subject.output.plain
    other = subject.with_model(torch.nn.Linear(3, 1))
    assert other.output.one_logit and other.model(torch.zeros(4, 3)).shape == (4, 2)
    with pytest.raises(AuditInputError, match="model: expected a model with 2 classes"):
        subject.with_model(torch.nn.Linear(3, 3))


def test_a_later_batch_of_another_kind_is_caught(tiny_data):
    class Changes(torch.nn.Module):
        def forward(self, x):
            z = x[:, :1]
            return {"logits": z} if len(x) <= 2 else z

    X, y = tiny_data
    subject = make(X, y, model=Changes())
    with pytest.raises(AuditInputError) as info:
        subject.predict_proba("test", batch_size=16)
    assert str(info.value) == (
        "model: expected one logit (rows, 1) under key 'logits' for every batch, "
        "got a Tensor for a batch of 16 rows."
    )


def test_predict_proba_is_batched_and_equal_to_one_pass(tiny_data):
    X, y = tiny_data
    subject = make(X, y)
    one = audit.subject.predict_proba(subject.model, subject.X_test, batch_size=1000)
    many = audit.subject.predict_proba(subject.model, subject.X_test, batch_size=7)
    np.testing.assert_allclose(one, many, rtol=1e-6)


def _nan_X(X):
    X = X.copy()
    X[5, 1] = np.nan
    return X


class Broken(torch.nn.Module):
    def forward(self, x):
        raise RuntimeError("no forward for you")


BAD_INPUTS = [
    # (description, build kwargs from (X, y), expected message fragment)
    (
        "model not a module",
        lambda X, y: {"model": lambda x: x},
        "model: expected a torch.nn.Module",
    ),
    (
        "model that raises",
        lambda X, y: {"model": Broken()},
        "model: expected a module that accepts",
    ),
    (
        "model with wrong output",
        lambda X, y: {"model": torch.nn.Flatten(0)},
        "model: expected logits of shape (rows,), (rows, 1) or (rows, classes>=2): a tensor, "
        "a mapping or object with a 'logits' tensor, or a tuple whose first element is the "
        "logits, got shape (6,) for a batch of 2 rows.",
    ),
    (
        "model with wrong input width",
        lambda X, y: {"model": torch.nn.Linear(5, 2)},
        "model: expected a module that accepts a batch shaped like the data, (2, 3)",
    ),
    ("train not a pair", lambda X, y: {"train": X}, "train: expected a tuple (X, y)"),
    (
        "NaN in features",
        lambda X, y: {"train": (_nan_X(X), y)},
        "train[0] (X): expected finite values (no NaN or infinity), got 1 non-finite value(s), "
        "first in row 5.",
    ),
    (
        "string features",
        lambda X, y: {"train": (X.astype(str), y)},
        "train[0] (X): expected a real",
    ),
    (
        "non-numeric DataFrame column",
        lambda X, y: {"train": (pd.DataFrame({"sex": ["m"] * 40}), y)},
        "train[0] (X): expected numeric columns only (encode categorical columns first, "
        "e.g. with audit.datasets.TabularEncoder), got non-numeric column(s) ['sex'].",
    ),
    (
        "1-D features",
        lambda X, y: {"train": (X[:, 0], y)},
        "train[0] (X): expected an array of shape",
    ),
    (
        "label count differs",
        lambda X, y: {"train": (X, y[:-1])},
        "train[1] (y): expected 40 labels, one per row of X, got 39 labels.",
    ),
    (
        "fractional labels",
        lambda X, y: {"train": (X, y + 0.5)},
        "train[1] (y): expected integer class labels 0..C-1, got non-integer values.",
    ),
    (
        "NaN labels",
        lambda X, y: {"train": (X, np.where(y == 1, np.nan, 0.0))},
        "train[1] (y): expected finite labels (no NaN)",
    ),
    (
        "labels beyond the class count",
        lambda X, y: {"test": (X, y + 1)},
        "test[1] (y): expected labels in 0..1 (the model has 2 outputs), got labels from 1 to 2.",
    ),
    (
        "test width differs",
        lambda X, y: {"test": (X[:, :2], y)},
        "test[0] (X): expected the same shape per row as train, (3,), got (2,).",
    ),
    (
        "sensitive rows misaligned",
        lambda X, y: {"sensitive_test": pd.DataFrame({"sex": ["a"] * 39})},
        "sensitive_test: expected 40 rows, one per row of X, got 39 rows.",
    ),
    (
        "sensitive with missing values",
        lambda X, y: {"sensitive_train": pd.DataFrame({"sex": ["a", None] * 20})},
        "sensitive_train: expected no missing values, got 20 missing in column 'sex'.",
    ),
    (
        "sensitive not a frame",
        lambda X, y: {"sensitive_test": ["a"] * 40},
        "sensitive_test: expected a pandas DataFrame or Series aligned with the rows",
    ),
    (
        "sensitive columns differ between splits",
        lambda X, y: {
            "sensitive_train": pd.DataFrame({"sex": ["a"] * 40}),
            "sensitive_test": pd.DataFrame({"age": ["a"] * 40}),
        },
        "sensitive_test: expected the same columns as sensitive_train, ['sex'], got ['age'].",
    ),
    (
        "feature names of wrong length",
        lambda X, y: {"feature_names": ["a"]},
        "feature_names: expected 3 names, one per column of X, got 1 names.",
    ),
    (
        "class names of wrong length",
        lambda X, y: {"class_names": ["no", "yes", "maybe"]},
        "class_names: expected 2 names, one per model output, got 3 names.",
    ),
    ("unknown modality", lambda X, y: {"modality": "audio"}, "modality: expected one of"),
    (
        "history of wrong type",
        lambda X, y: {"history": {"epochs": 3}},
        "history: expected an audit",
    ),
    # typed hints: a misspelled or mistyped hint is named
    (
        "misspelled explain hint",
        lambda X, y: {"explain": {"gradcam_layr": torch.nn.Linear(3, 2)}},
        "explain['gradcam_layr']: expected a hint of ExplainHints (did you mean 'gradcam_layer'?)",
    ),
    (
        "explain layer not a module",
        lambda X, y: {"explain": {"gradcam_layer": "layer4"}},
        "explain.gradcam_layer: expected a torch.nn.Module (a model layer), got 'layer4'.",
    ),
    (
        "attention not callable",
        lambda X, y: {"explain": {"attention": 3}},
        "explain.attention: expected a callable X -> weights, got 3.",
    ),
    (
        "vocabulary not strings",
        lambda X, y: {"explain": {"vocabulary": [1, 2]}},
        "explain.vocabulary: expected a list of str",
    ),
    (
        "negative pad id",
        lambda X, y: {"explain": {"pad_id": -1}},
        "explain.pad_id: expected a non-negative int token id, got -1.",
    ),
    (
        "ground truth of another shape",
        lambda X, y: {"explain": {"ground_truth_test": np.zeros((40, 2))}},
        "explain.ground_truth_test: expected masks shaped like X_test, (40, 3), got shape (40, 2).",
    ),
    (
        "misspelled training field",
        lambda X, y: {"training": {"trainr": lambda X, y, seed: None}},
        "training['trainr']: expected a hint of TrainingRecord (did you mean 'trainer'?)",
    ),
    (
        "trainer not callable",
        lambda X, y: {"training": {"trainer": "fit"}},
        "training.trainer: expected a callable or None, got 'fit'.",
    ),
    (
        "feature group with an unknown column",
        lambda X, y: {"feature_groups": {"colour": ["x0", "colour=red"]}},
        "feature_groups['colour']: expected columns among feature_names, got 'colour=red'.",
    ),
    (
        "column in two feature groups",
        lambda X, y: {"feature_groups": {"a": ["x0", "x1"], "b": ["x1"]}},
        "feature_groups['b']: expected each column in one group only, got 'x1', already in 'a'.",
    ),
    (
        "raw rows of another length",
        lambda X, y: {"raw_train": pd.DataFrame({"a": range(10)})},
        "raw_train: expected one row per row of X (40), got 10 rows.",
    ),
    (
        "metadata is gone",
        lambda X, y: {"metadata": {"feature_groups": {}}},
        "metadata: expected typed hints instead (metadata was removed): feature_groups=",
    ),
    ("dataset not a str", lambda X, y: {"dataset": 3}, "dataset: expected a str or None, got 3."),
    ("negative seed", lambda X, y: {"seed": -2}, "seed: expected a non-negative int, got -2."),
]


@pytest.mark.parametrize(("case", "build", "message"), BAD_INPUTS, ids=[c[0] for c in BAD_INPUTS])
def test_bad_input_gets_a_named_error(tiny_data, case, build, message):
    X, y = tiny_data
    kwargs = build(X, y)
    model = kwargs.pop("model", torch.nn.Linear(3, 2))
    train = kwargs.pop("train", (X, y))
    test = kwargs.pop("test", (X, y))
    with pytest.raises(AuditInputError) as info:
        audit.Subject(model, train, test, **kwargs)
    assert message in str(info.value)
    assert isinstance(info.value, ValueError)


def test_sensitive_index_must_match_dataframe_index(tiny_data):
    X, y = tiny_data
    frame = pd.DataFrame(X, index=range(100, 140))
    groups = pd.DataFrame({"sex": ["a", "b"] * 20})  # index 0..39
    with pytest.raises(AuditInputError, match="the same row index as X"):
        audit.Subject(torch.nn.Linear(3, 2), (frame, y), (frame, y), sensitive_test=groups)


def test_dataframe_columns_must_match_between_splits(tiny_data):
    X, y = tiny_data
    train = pd.DataFrame(X, columns=["a", "b", "c"])
    test = pd.DataFrame(X, columns=["a", "c", "b"])
    with pytest.raises(
        AuditInputError, match=r"test\[0\] \(X\): expected the same columns as train"
    ):
        audit.Subject(torch.nn.Linear(3, 2), (train, y), (test, y))


def test_summary_describes_the_subject(tiny_data):
    X, y = tiny_data
    summary = make(X, y, name="mine", history=TrainingHistory()).summary()
    assert summary["name"] == "mine" and summary["n_parameters"] == 8
    assert summary["n_train"] == 40 and summary["class_names"] == ["class 0", "class 1"]


def test_typed_hints_are_kept_and_recorded(tiny_data):
    X, y = tiny_data
    frame = pd.DataFrame(X, columns=["a=1", "a=2", "b"])
    raw = pd.DataFrame({"a": ["1", "2"] * 20, "b": np.arange(40.0)})
    history = TrainingHistory()
    subject = make(
        frame,
        y,
        feature_groups={"a": ["a=1", "a=2"], "b": ["b"]},
        raw_train=raw,
        raw_test=raw,
        explain={"pad_id": 0, "channel_names": ["c"]},
        training=audit.TrainingRecord(validation_rows=5),
        history=history,
        dataset="toy",
        seed=4,
    )
    assert subject.feature_groups == {"a": ["a=1", "a=2"], "b": ["b"]}
    assert subject.explain.as_dict() == {"channel_names": ["c"], "pad_id": 0}
    assert subject.history is history and subject.training.validation_rows == 5
    assert subject.record() == {"seed": 4, "dataset": "toy", "validation_rows": 5}
    other = subject.with_model(torch.nn.Linear(3, 2))
    assert other.training is None and other.raw_train is raw and other.feature_groups is not None
