"""Every reference domain trains with DP-SGD; the privacy check trains its twin and curve."""

from __future__ import annotations

from dataclasses import replace

import pytest
from typer.testing import CliRunner

import audit
from audit.cli import app
from audit.config import PrivacySettings, TrainingConfig
from audit.domains._common import seeded_model
from audit.domains._context import BuildRecord
from audit.privacy._section import run as privacy_check
from audit.privacy._twin import accepts_private
from audit.training import fit

ONE_EPOCH = TrainingConfig(epochs=1)
DP = PrivacySettings(dp=True, epsilon=3.0, utility_curve=False)


#: The module swaps opacus's ModuleValidator.fix makes, by model family ("": none).
SWAPS = {
    "feed-forward network (MLP)": "",
    "residual CNN": "BatchNorm2d → GroupNorm",
    "LSTM": "LSTM → DPLSTM",
    "Transformer encoder": "MultiheadAttention → DPMultiheadAttention",
}
OFFLINE = [
    spec.name
    for spec in audit.list_domains()
    if not spec.online and spec.kind == "classifier"
]


@pytest.mark.parametrize("domain", OFFLINE)
def test_each_domain_trains_with_dp_and_its_private_recipe(domain):
    swap = SWAPS.get(audit.domains.get_domain(domain).model_family)
    subject = audit.reference(domain, training=ONE_EPOCH, privacy=DP)
    training = subject.training
    record = training.privacy
    n = subject.X_train.shape[0]
    assert 0 < record["epsilon"] <= 3.0 and record["target_epsilon"] == 3.0
    assert record["delta"] == pytest.approx(1 / (10 * n))
    assert record["accountant"] == "prv" and record["epochs"] == 1
    swaps = " ".join(record["swaps"])
    if swap is not None:  # a model family of its own: whatever opacus swaps
        assert (swap in swaps) if swap else swaps == ""
    # the DP recipe (batch, learning rate) with the user's override of the epochs
    expected = replace(audit.domains.get_domain(domain).variant("default").private_recipe, epochs=1)
    assert training.recipe == expected
    assert training.private_settings is DP
    assert subject.history.recipe["batch_size"] == expected.batch_size
    assert subject.history.recipe["dp_sgd"] is True
    assert record["sample_rate"] == pytest.approx(1 / -(-n // expected.batch_size))
    # reference() trains only the DP model; the privacy check trains the twin with this
    assert accepts_private(training.trainer) and training.privacy_twin is None
    assert "(DP, ε=" in subject.name
    # the explainers' layers are the trained (fixed) model's own modules
    modules = list(subject.model.modules())
    for key in ("gradcam_layer", "embedding_layer"):
        layer = getattr(subject.explain, key)
        if layer is not None:
            assert any(m is layer for m in modules)


def test_builds_record_the_dp_recipe_under_dp_and_the_default_without():
    spec = audit.domains.get_domain("credit")
    private, plain = BuildRecord(), BuildRecord()
    spec.build(seed=0, training=ONE_EPOCH, privacy=DP, record=private)
    spec.build(seed=0, training=ONE_EPOCH, record=plain)
    assert private.recipe == replace(spec.variant("default").private_recipe, epochs=1)
    assert plain.recipe == replace(spec.variant("default").recipe, epochs=1)
    assert private.privacy_record["epochs"] == 1 and plain.privacy_record is None
    assert callable(plain.factory) and plain.seed == 0


def test_overfit_variants_keep_their_recipe_under_dp():
    subject = audit.reference(
        "credit", variant="overfit", training=ONE_EPOCH, privacy=DP.model_copy()
    )
    assert subject.training.recipe == replace(
        audit.domains.get_domain("credit").variant("overfit").recipe, epochs=1
    )


def test_the_privacy_check_trains_the_twin_and_the_curve_with_the_dp_recipe_and_seed():
    subject = audit.reference("credit", seed=1, privacy=DP)
    config = {"privacy": {"shadow_models": 0, "utility_epsilons": [1.0, 3.0, None]}}
    result = audit.run(subject, checks=["privacy"], config=config)
    section = result.section("privacy")
    # the twin: the DP model's factory, recipe (no DP-SGD) and seed, on its training rows
    training = subject.training
    assert training.recipe == audit.domains.get_domain("credit").variant("default").private_recipe
    model = seeded_model(training.model_factory, 1)
    model = fit(model, (subject.X_train, subject.y_train), recipe=training.recipe, seed=1).model
    expected = float(
        (subject.with_model(model).predict_proba("test").argmax(1) == subject.y_test.numpy()).mean()
    )
    cost = {row[0]: row for row in section.table("cost_of_privacy").rows}
    dp_accuracy = float((subject.predict_proba("test").argmax(1) == subject.y_test.numpy()).mean())
    assert cost["test_accuracy"][1:3] == [expected, pytest.approx(dp_accuracy)]
    assert 0.6 < expected < 0.9
    assert cost["feature-importance rank correlation"][3] is not None
    curve = section.table("utility_curve").rows
    assert [row[0] for row in curve] == [1.0, 3.0, "∞ (no DP)"]
    assert curve[1][1] == pytest.approx(dp_accuracy) and curve[2][1] == expected
    assert 0.5 < curve[0][1] < 0.9
    # timed stages of the check, in the manifest (the section holds no time)
    assert "stages" not in {t.id for t in section.tables}
    stages = result.manifest["runtime"]["stages"]
    assert [k for k in stages if k.startswith("privacy.")] == [
        "privacy.privacy_twin",
        "privacy.utility_curve[epsilon=1]",
    ]
    assert all(stages[k]["seconds"] > 0 for k in stages if k.startswith("privacy."))
    assert training.privacy_twin is None  # the check leaves the subject as it was


@pytest.mark.parametrize("domain", ["credit", "vision"])
def test_dp_at_epsilon_3_brings_the_overfit_controls_attack_to_chance(domain):
    """The same overfit control with and without DP-SGD (ε = 3), loss-threshold attack."""
    plain = audit.reference(domain, variant="overfit")
    private = audit.reference(domain, variant="overfit", privacy=DP)
    settings = PrivacySettings(utility_curve=False)
    for subject in (plain, private):
        subject.training.trainer = None  # the loss attack only
    auc_plain = privacy_check(plain, settings).metric("mia_auc[loss_threshold]").value
    section = privacy_check(private, settings)
    auc_dp = section.metric("mia_auc[loss_threshold]").value
    assert private.training.privacy["epsilon"] <= 3.0
    assert auc_plain > 0.6
    assert abs(auc_dp - 0.5) <= 0.1
    assert auc_dp < auc_plain - 0.1
    assert any("make_trainer" in note for note in section.notes)  # no twin without it


@pytest.mark.parametrize("where", ["flags", "config"])
def test_cli_dp_trains_privately_and_reports_the_record(tmp_path, where):
    dp_config = "  dp: true\n  epsilon: 2.0\n  delta: 1.0e-4\n  max_grad_norm: 0.5\n"
    config = tmp_path / "audit.yaml"
    config.write_text(
        "training:\n  epochs: 2\nchecks: [privacy]\n"
        "privacy:\n  shadow_models: 2\n  utility_epsilons: [1.0, null]\n"
        + (dp_config if where == "config" else "")
    )
    flags = ["--dp", "--epsilon", "2", "--delta", "1e-4", "--max-grad-norm", "0.5"]
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app,
        ["run", "credit", "--out", str(out), "--config", str(config)]
        + (flags if where == "flags" else []),
    )
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())  # the console wraps long lines
    assert "trained credit: 2 epochs of DP-SGD (ε = " in said
    saved = audit.AuditResult.load(out / "results.json")
    section = saved.section("privacy")
    assert 0 < section.metric("epsilon").value <= 2.0 and section.metric("delta").value == 1e-4
    tables = {t.id: t for t in section.tables}
    assert {"dp_training", "attacks", "utility_curve", "cost_of_privacy"} <= set(tables)
    assert [row[0] for row in tables["utility_curve"].rows] == [1.0, "∞ (no DP)"]
    assert [k for k in saved.manifest["runtime"]["stages"] if k.startswith("privacy.")] == [
        "privacy.shadow_models",
        "privacy.privacy_twin",
        "privacy.utility_curve[epsilon=1]",
    ]
    dp_rows = {row[0]: row[1] for row in tables["dp_training"].rows}
    assert dp_rows["clipping norm (C)"] == 0.5 and dp_rows["target ε"] == 2.0
    html = (out / "report.html").read_text()
    assert "DP-SGD" in html and "ε" in html
