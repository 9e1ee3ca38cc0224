"""Every output shape a model may return, through every registered check.

One table of tiny models on one generated tabular problem: logits ``(n,)``, ``(n, 1)``,
``(n, 2)``, ``(n, 3)``, a dict with ``"logits"`` and a dataclass with ``.logits``. Each
is trained by :func:`audit.training.make_trainer` (binary cross-entropy for one logit)
and audited by every check with small settings; then the numbers that tie the shapes
together: probabilities are ``sigmoid(z)``, a one-logit model and its two-column twin
``(-z/2, z/2)`` get the same rates, Integrated Gradients explain the raw logit ``z``,
and the shadow models of a one-logit architecture learn with binary cross-entropy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest
import torch
from torch import nn

import audit
from audit._threads import one_thread
from audit.checks import list_checks
from audit.errors import AuditInputError
from audit.settings import ExplainSettings, PrivacySettings
from audit.training import Recipe, fit, make_trainer

N_TRAIN, N_TEST, D = 240, 160, 4
RECIPE = Recipe(epochs=12, batch_size=32, lr=0.02)
#: Small settings for every check (the defaults are sized for real audits).
CONFIG = {
    "explainability": {
        "n_samples": 16,
        "trust_samples": 8,
        "ig_steps": 16,
        "ig_max_steps": 64,
        "background": 16,
        "shap_background": 8,
        "random_orders": 30,
        "randomization_stages": 2,
    },
    "robustness": {
        "rows": 40,
        "severities": [2],
        "judged_severity": 2,
        "epsilons": [0.1],
        "attacks": ["fgsm"],
        "pgd_steps": 2,
        "resamples": 100,
    },
    "privacy": {"shadow_models": 2, "utility_curve": False},
    "performance": {"n_bootstrap": 50},
    "fairness": {"mitigation": False, "intersection": False, "min_group_size": 10},
    "compute": {"inference_repeats": 1},
}


@pytest.fixture(autouse=True)
def _one_thread():
    """Tiny models: a second torch thread only waits when other processes share the cores."""
    with one_thread():
        yield


def problem(classes: int) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    """Rows of 4 features, labels from a linear rule (2 or 3 classes), one group column."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(N_TRAIN + N_TEST, D)).astype(np.float32)
    group = rng.integers(0, 2, len(X))
    if classes == 2:
        y = (X[:, 0] + 0.5 * X[:, 1] + 0.3 * group > 0).astype(np.int64)
    else:
        y = np.stack([X[:, 0], X[:, 1], -X[:, 0] - X[:, 1]], 1).argmax(1).astype(np.int64)
    return X, y, pd.DataFrame({"group": np.where(group == 1, "a", "b")})


@dataclass
class Output:
    """A dataclass output, as a Hugging Face ``ModelOutput`` is."""

    logits: torch.Tensor
    hidden: torch.Tensor | None = None


class Net(nn.Module):
    """A small MLP whose head returns ``width`` logits in the form ``kind``."""

    def __init__(self, width: int, kind: str = "tensor"):
        super().__init__()
        self.kind = kind
        self.body = nn.Sequential(nn.Linear(D, 16), nn.ReLU())
        self.head = nn.Linear(16, width)

    def forward(self, x):
        h = self.body(x)
        z = self.head(h)
        if self.kind == "squeezed":
            return z[:, 0]
        if self.kind == "dict":
            return {"logits": z, "hidden": h}
        if self.kind == "dataclass":
            return Output(logits=z, hidden=h)
        if self.kind == "tuple":
            return z, h
        return z


#: (case, logits per row, output form, classes of the problem)
SHAPES = [
    ("(n,)", 1, "squeezed", 2),
    ("(n, 1)", 1, "tensor", 2),
    ("(n, 2)", 2, "tensor", 2),
    ("(n, 3)", 3, "tensor", 3),
    ("dict logits (n, 2)", 2, "dict", 2),
    ("dataclass logits (n, 1)", 1, "dataclass", 2),
]


def subject_for(width: int, kind: str, classes: int) -> audit.Subject:
    X, y, groups = problem(classes)
    trainer = make_trainer(lambda: Net(width, kind), RECIPE)
    model = trainer(torch.as_tensor(X[:N_TRAIN]), torch.as_tensor(y[:N_TRAIN]), 0)
    return audit.Subject(
        model,
        (X[:N_TRAIN], y[:N_TRAIN]),
        (X[N_TRAIN:], y[N_TRAIN:]),
        sensitive_train=groups[:N_TRAIN],
        sensitive_test=groups[N_TRAIN:].reset_index(drop=True),
        training=audit.TrainingRecord(trainer=trainer),
        seed=0,
    )


def raw_logit(subject: audit.Subject, X: torch.Tensor) -> torch.Tensor:
    """The user's model's one logit ``z`` for rows ``X``, as ``(rows,)``."""
    with torch.no_grad():
        out = subject.user_model.eval()(X)
    out = out.logits if isinstance(out, Output) else out
    return out.reshape(len(X))


@pytest.mark.parametrize(("case", "width", "kind", "classes"), SHAPES, ids=[s[0] for s in SHAPES])
def test_every_check_runs_on_every_output_shape(case, width, kind, classes):
    subject = subject_for(width, kind, classes)
    assert subject.n_classes == classes and subject.output.width == width
    with torch.no_grad():
        assert subject.model(subject.X_test[:5]).shape == (5, classes)
    names = [check.name for check in list_checks() if check.subjects == "classifier"]
    result = audit.run(subject, config=CONFIG)
    assert [s.id for s in result.sections] == names
    accuracy = result.section("performance").metric("test_accuracy").value
    assert accuracy > 0.8, case  # a real model, not one class for everyone
    explain = result.section("explainability")
    assert explain.metric("completeness_gap[integrated_gradients]").value < 0.05
    privacy = result.section("privacy")
    assert {m.scope for m in privacy.metrics if m.name == "mia_auc"} >= {"lira_offline"}
    fairness = result.section("fairness")
    if classes == 2:
        assert 0 <= fairness.metric("demographic_parity_ratio[group]").value <= 1
    if width == 1:  # probabilities are sigmoid(z), exactly up to float rounding
        z = raw_logit(subject, subject.X_test).double()
        np.testing.assert_allclose(
            subject.predict_proba("test")[:, 1], torch.sigmoid(z).numpy(), rtol=0, atol=1e-6
        )


class Halves(nn.Module):
    """A two-column model ``(-z/2, z/2)`` built on a one-logit model ``z``."""

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model

    def forward(self, x):
        z = self.model(x).reshape(len(x))
        return torch.stack([-z / 2, z / 2], 1)


@pytest.fixture(scope="module")
def one_logit() -> audit.Subject:
    return subject_for(1, "tensor", 2)


def test_one_logit_and_its_two_column_twin_give_the_same_rates(one_logit):
    twin = audit.Subject(
        Halves(one_logit.user_model),
        (one_logit.X_train, one_logit.y_train),
        (one_logit.X_test, one_logit.y_test),
        sensitive_train=one_logit.sensitive_train,
        sensitive_test=one_logit.sensitive_test,
    )
    assert twin.output.plain and not one_logit.output.plain
    np.testing.assert_allclose(
        one_logit.predict_proba("test"), twin.predict_proba("test"), rtol=0, atol=1e-7
    )
    checks = ["performance", "fairness"]
    config = {key: CONFIG[key] for key in checks}
    a, b = audit.run(one_logit, checks, config), audit.run(twin, checks, config)
    for name in checks:
        values_a = {(m.name, m.scope): m.value for m in a.section(name).metrics}
        values_b = {(m.name, m.scope): m.value for m in b.section(name).metrics}
        assert values_a.keys() == values_b.keys()
        for key, value in values_a.items():
            assert value == pytest.approx(values_b[key], abs=1e-9), (name, key)
    assert a.section("fairness").metric("demographic_parity_ratio[group]").value < 1


def test_integrated_gradients_explain_the_raw_logit(one_logit):
    from audit.explain._methods import methods_for
    from audit.explain._section import context, explain_subject

    settings = ExplainSettings(
        n_samples=24, trust_samples=4, ig_steps=64, ig_max_steps=64, random_orders=30
    )
    run = explain_subject(one_logit, methods_for("tabular", ["integrated_gradients"]), settings)
    baseline = context(one_logit, settings).baseline.expand_as(run.X)
    # class 1 explains z, class 0 explains -z: the log-odds of the explained class
    sign = torch.where(run.target == 1, 1.0, -1.0)
    change = (sign * (raw_logit(one_logit, run.X) - raw_logit(one_logit, baseline))).numpy()
    total = run.attributions["integrated_gradients"].sum(1)
    assert set(run.target.tolist()) == {0, 1}
    # the gap to z's change is captum's own completeness gap, and small
    assert np.all(np.abs(total - change) <= run.deltas["integrated_gradients"] + 1e-4)
    np.testing.assert_allclose(total, change, atol=0.01 * np.abs(change).max())
    assert np.abs(change).max() > 0.5  # far from both 0 and the half logit's total


def test_shadow_of_a_one_logit_architecture_learns_with_binary_cross_entropy():
    X, y, _ = problem(2)
    X, y = torch.as_tensor(X), torch.as_tensor(y)
    train = (X[:N_TRAIN], y[:N_TRAIN])
    shadow = make_trainer(lambda: Net(1), RECIPE)(*train, 1)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(1)  # the trainer's own draw of the initial weights
        same = fit(Net(1), train, recipe=RECIPE, seed=1)
    assert same.history.recipe["loss"] == "binary cross-entropy"
    for a, b in zip(shadow.state_dict().values(), same.model.state_dict().values(), strict=True):
        assert torch.equal(a, b)  # the shadow is that fit: trained with BCE
    with torch.no_grad():
        z = shadow(X[N_TRAIN:])
        bce = nn.functional.binary_cross_entropy_with_logits(
            shadow(train[0])[:, 0], train[1].float()
        )
    assert z.shape == (N_TEST, 1)
    assert float(bce) == pytest.approx(same.history.records[-1].train_loss, rel=1e-5)
    assert ((z[:, 0] > 0).long() == y[N_TRAIN:]).float().mean() > 0.8


def test_dp_one_logit_model_gets_its_non_private_twin():
    pytest.importorskip("opacus")
    X, y, _ = problem(2)
    X, y = torch.as_tensor(X), torch.as_tensor(y)
    private = PrivacySettings(dp=True, epsilon=8.0)
    trainer = make_trainer(lambda: Net(1), RECIPE, private=private)
    from audit.privacy import fit_private

    torch.manual_seed(0)
    fitted = fit_private(Net(1), (X[:N_TRAIN], y[:N_TRAIN]), recipe=RECIPE, settings=private)
    assert fitted.history.recipe["loss"] == "binary cross-entropy"
    subject = audit.Subject(
        fitted.model,
        (X[:N_TRAIN], y[:N_TRAIN]),
        (X[N_TRAIN:], y[N_TRAIN:]),
        training=audit.TrainingRecord(trainer=trainer, privacy=fitted.record),
    )
    config = {"privacy": {"shadow_models": 0, "utility_curve": False}}
    section = audit.run(subject, ["privacy"], config).section("privacy")
    table = section.table("cost_of_privacy")
    twin_accuracy = table.rows[0][1]
    assert table.rows[0][0] == "test_accuracy" and twin_accuracy > 0.8


BAD_OUTPUTS = [
    (
        "(n, 3, 4)",
        lambda x: torch.zeros(len(x), 3, 4),
        "got shape (2, 3, 4) for a batch of 2 rows.",
    ),
    ("(n, 0)", lambda x: torch.zeros(len(x), 0), "got shape (2, 0) for a batch of 2 rows."),
    ("dict without logits", lambda x: {"scores": x}, "got a dict for a batch of 2 rows."),
    (
        "dict logits (n, 2, 2)",
        lambda x: {"logits": torch.zeros(len(x), 2, 2)},
        "got shape (2, 2, 2) under key 'logits' for a batch of 2 rows.",
    ),
    ("a string", lambda x: "logits", "got a str for a batch of 2 rows."),
]


class Returns(nn.Module):
    def __init__(self, make):
        super().__init__()
        self.make = make

    def forward(self, x):
        return self.make(x)


@pytest.mark.parametrize(("case", "make", "tail"), BAD_OUTPUTS, ids=[b[0] for b in BAD_OUTPUTS])
def test_other_outputs_are_refused_naming_the_model_and_what_came(case, make, tail):
    X, y, _ = problem(2)
    with pytest.raises(AuditInputError) as info:
        audit.Subject(Returns(make), (X[:20], y[:20]), (X[20:40], y[20:40]))
    message = str(info.value)
    assert message.startswith("model: expected logits of shape (rows,), (rows, 1) or (rows, ")
    assert message.endswith(tail), message
