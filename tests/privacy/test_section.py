"""The privacy check on the credit domain: attacks, the DP record, the report."""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np
import pytest
import torch

import audit
from audit.config import PrivacySettings
from audit.datasets import german_credit
from audit.domains._common import seeded_model
from audit.domains._credit import OVERFIT_RECIPE
from audit.hints import TrainingRecord
from audit.models import MLP
from audit.privacy import fit_private, make_trainer
from audit.report import render_html
from audit.training import Recipe, fit

ATTACK_METRICS = {
    "mia_auc",
    "mia_balanced_accuracy",
    "mia_tpr_at_1pct_fpr",
    "mia_tpr_at_01pct_fpr",
    "empirical_epsilon_lower_bound",
}
DP_RECIPE = Recipe(epochs=30, batch_size=64, lr=1e-2)
MIA_POLICY = {
    "policy": {"thresholds": {"mia_auc": {"warn": 0.6, "fail": 0.7, "higher_is_better": False}}}
}


@pytest.fixture(scope="module")
def overfit() -> dict[str, object]:
    """The overfit credit model audited with both attacks (4 shadow models), timed."""
    subject = audit.reference("credit", variant="overfit")
    if not callable(subject.training.trainer):
        n = subject.X_train.shape[1]
        subject.training.trainer = make_trainer(
            lambda: MLP(n, 2, hidden=(256, 256), dropout=0.0), OVERFIT_RECIPE
        )
    start = time.perf_counter()
    result = audit.run(subject, checks=["privacy"], config=MIA_POLICY)
    seconds = time.perf_counter() - start
    return {"subject": subject, "result": result, "seconds": seconds}


@pytest.fixture(scope="module")
def dp_credit() -> audit.Subject:
    """The credit MLP trained with DP-SGD to ε = 3 on German credit (seed 0)."""
    data = german_credit(seed=0)
    X = torch.tensor(data.X_train.to_numpy())
    y = torch.tensor(data.y_train.to_numpy())
    model = seeded_model(lambda: MLP(X.shape[1], 2, hidden=(32, 16), dropout=0.1), 0)
    fitted = fit_private(
        model, (X, y), recipe=DP_RECIPE, seed=0, settings=PrivacySettings(epsilon=3.0)
    )
    return audit.Subject(
        fitted.model,
        (data.X_train, data.y_train),
        (data.X_test, data.y_test),
        sensitive_train=data.sensitive_train,
        sensitive_test=data.sensitive_test,
        history=fitted.history,
        name="credit (DP)",
        training=TrainingRecord(
            privacy=fitted.record,
            privacy_twin={
                "test_accuracy": 0.75,
                "fairness": {"demographic_parity_difference[sex]": 0.12, "<b>odd</b>": 0.3},
                "importance_spearman": 0.8,
            },
            utility_curve=[(1.0, 0.7), (3.0, 0.73), (8.0, 0.74), (None, 0.76)],
        ),
    )


def test_loss_attack_finds_the_overfit_models_members(overfit):
    section = overfit["result"].section("privacy")
    assert section.metric("mia_auc[loss_threshold]").value > 0.6
    keys = {m.key for m in section.metrics}
    for attack in ("loss_threshold", "lira_offline"):
        assert {f"{name}[{attack}]" for name in ATTACK_METRICS} <= keys
    assert {t.id for t in section.tables} >= {"attacks", "roc_points"}
    assert "dp_training" not in {t.id for t in section.tables}
    assert any("not trained with differential privacy" in note for note in section.notes)


def test_lira_with_four_shadows_runs_well_under_a_minute_on_credit(overfit):
    section = overfit["result"].section("privacy")
    assert section.metric("mia_auc[lira_offline]").value > 0.55
    assert any("4 shadow models" in note for note in section.notes)
    assert overfit["seconds"] < 60


def test_policy_verdict_is_stated_after_judging(overfit):
    section = overfit["result"].section("privacy")
    auc = section.metric("mia_auc[loss_threshold]")
    assert auc.threshold is not None and auc.verdict in {"warn", "fail"}
    assert section.notes[0].startswith("Membership-inference verdict:")


def test_dp_model_is_near_chance_and_below_the_overfit_model(dp_credit, overfit):
    record = dp_credit.training.privacy
    assert record["epsilon"] <= 3.0 + 0.01 and record["accountant"] == "prv"
    section = audit.run(dp_credit, checks=["privacy"]).section("privacy")
    auc = section.metric("mia_auc[loss_threshold]").value
    assert abs(auc - 0.5) <= 0.08
    assert auc < overfit["result"].section("privacy").metric("mia_auc[loss_threshold]").value
    assert (
        section.metric("empirical_epsilon_lower_bound[loss_threshold]").value <= record["epsilon"]
    )
    assert section.metric("epsilon").value == pytest.approx(record["epsilon"])
    assert section.metric("delta").value == pytest.approx(1 / 7000)
    assert any("no 'trainer'" in note for note in section.notes)


def test_dp_record_twin_and_utility_curve_are_tabled_and_rendered(dp_credit):
    result = audit.run(dp_credit, checks=["privacy"])
    section = result.section("privacy")
    dp_rows = dict(section.table("dp_training").rows)
    assert (
        dp_rows["accountant"] == "prv" and dp_rows["module swaps (ModuleValidator.fix)"] == "none"
    )
    cost = {row[0]: row for row in section.table("cost_of_privacy").rows}
    accuracy = float((dp_credit.predict_proba("test").argmax(1) == dp_credit.y_test.numpy()).mean())
    assert cost["test_accuracy"][1:3] == [0.75, pytest.approx(accuracy)]
    assert cost["demographic_parity_difference[sex]"][2] is not None
    assert cost["<b>odd</b>"][2] is None
    assert section.table("utility_curve").rows[-1] == ["∞ (no DP)", 0.76]
    assert {f.id for f in section.figures} == {"mia_roc", "utility_curve"}
    assert all(f.alt and f.data.startswith("<svg") for f in section.figures)
    html = render_html(result)
    assert 'id="table-dp_training"' in html and 'id="figure-mia_roc"' in html
    assert "&lt;b&gt;odd&lt;/b&gt;" in html and "<b>odd</b>" not in html
    assert result.to_json()  # strict JSON: no NaN, no numpy values


def test_attack_can_be_switched_off_and_the_section_still_renders(dp_credit):
    result = audit.run(dp_credit, checks=["privacy"], config={"privacy": {"attack": False}})
    privacy = result.section("privacy")
    assert not [m for m in privacy.metrics if m.name.startswith("mia_")]
    assert any("switched off" in note for note in privacy.notes)
    assert "Privacy" in render_html(result)
    assert np.isfinite(privacy.metric("epsilon").value)


def _credit_mlp() -> MLP:
    return MLP(german_credit(seed=0).X_train.shape[1], 2, hidden=(32, 16), dropout=0.1)


def test_any_subject_with_a_private_trainer_gets_its_twin_trained_by_the_check(dp_credit):
    """Not a reference domain: the twin comes from the subject's own make_trainer trainer."""
    subject = dp_credit.with_model(dp_credit.model)
    subject.training = replace(
        dp_credit.training,
        privacy_twin=None,
        utility_curve=None,
        trainer=make_trainer(_credit_mlp, DP_RECIPE, private=PrivacySettings(epsilon=3.0)),
    )
    config = {"privacy": {"shadow_models": 0, "utility_epsilons": [3.0, None]}}
    result = audit.run(subject, checks=["privacy"], config=config)
    section = result.section("privacy")
    twin = fit(seeded_model(_credit_mlp, 0), (subject.X_train, subject.y_train), recipe=DP_RECIPE)
    proba = subject.with_model(twin.model).predict_proba("test")
    expected = float((proba.argmax(1) == subject.y_test.numpy()).mean())
    cost = {row[0]: row for row in section.table("cost_of_privacy").rows}
    assert cost["test_accuracy"][1] == expected and 0.6 < expected < 0.9
    assert cost["demographic_parity_difference[sex]"][1] is not None
    own = float((subject.predict_proba("test").argmax(1) == subject.y_test.numpy()).mean())
    assert section.table("utility_curve").rows == [
        [3.0, pytest.approx(own)],
        ["∞ (no DP)", expected],
    ]
    stages = result.manifest["runtime"]["stages"]
    assert [k for k in stages if k.startswith("privacy.")] == ["privacy.privacy_twin"]


def test_a_trainer_without_private_gets_a_note_and_no_twin(dp_credit):
    subject = dp_credit.with_model(dp_credit.model)
    subject.training = replace(
        dp_credit.training,
        privacy_twin=None,
        utility_curve=None,
        trainer=lambda X, y, seed: _credit_mlp(),
    )
    config = {"privacy": {"shadow_models": 0}}
    section = audit.run(subject, checks=["privacy"], config=config).section("privacy")
    tables = {t.id for t in section.tables}
    assert "cost_of_privacy" not in tables and "utility_curve" not in tables
    assert any("needs a trainer made by audit.privacy.make_trainer" in n for n in section.notes)
