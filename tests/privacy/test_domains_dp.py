"""Every reference domain trains with DP-SGD: its DP recipe, the opacus swaps, the twin, the CLI."""

from __future__ import annotations

import importlib
from dataclasses import replace

import pytest
from typer.testing import CliRunner

import audit
from audit.cli import app
from audit.config import PrivacySettings, TrainingConfig
from audit.domains._context import build_context
from audit.privacy._section import run as privacy_check

ONE_EPOCH = TrainingConfig(epochs=1)
DP = PrivacySettings(dp=True, epsilon=3.0, utility_curve=False)


def _module(domain: str):
    return importlib.import_module(f"audit.domains._{domain.replace('-', '_')}")


@pytest.mark.parametrize(
    ("domain", "swap"),
    [
        ("credit", None),
        ("medical", None),
        ("vision", "BatchNorm2d → GroupNorm"),
        ("sequence", "LSTM → DPLSTM"),
        ("sequence-digits", "LSTM → DPLSTM"),
        ("text", "MultiheadAttention → DPMultiheadAttention"),
    ],
)
def test_each_domain_trains_with_dp_and_its_private_recipe(domain, swap):
    subject = audit.reference(domain, training=ONE_EPOCH, privacy=DP)
    record = subject.metadata["privacy"]
    n = subject.X_train.shape[0]
    assert 0 < record["epsilon"] <= 3.0 and record["target_epsilon"] == 3.0
    assert record["delta"] == pytest.approx(1 / (10 * n))
    assert record["accountant"] == "prv" and record["epochs"] == 1
    swaps = " ".join(record["swaps"])
    assert (swap in swaps) if swap else swaps == ""
    # the DP recipe (batch, learning rate) with the user's override of the epochs
    expected = replace(_module(domain).PRIVATE_RECIPE, epochs=1)
    assert subject.metadata["recipe"] == expected
    assert subject.history.recipe["batch_size"] == expected.batch_size
    assert subject.history.recipe["dp_sgd"] is True
    assert record["sample_rate"] == pytest.approx(1 / -(-n // expected.batch_size))
    twin = subject.metadata["privacy_twin"]
    assert 0.0 <= twin["test_accuracy"] <= 1.0
    assert twin["recipe"] == expected  # same recipe and seed, only DP-SGD differs
    assert "(DP, ε=" in subject.name
    # the explainers' layers are the trained (fixed) model's own modules
    modules = list(subject.model.modules())
    for key in ("gradcam_layer", "embedding_layer"):
        if key in subject.metadata:
            assert any(m is subject.metadata[key] for m in modules)


def test_the_twin_trains_with_the_dp_recipe_and_plain_training_with_the_default():
    module = _module("credit")
    with build_context(None, dp_recipe=True) as twin:
        module.build(seed=0, variant="default", training=ONE_EPOCH)
    with build_context(None) as plain:
        module.build(seed=0, variant="default", training=ONE_EPOCH)
    assert twin.recipe == replace(module.PRIVATE_RECIPE, epochs=1)
    assert plain.recipe == replace(module.DEFAULT_RECIPE, epochs=1)
    assert twin.privacy is None and twin.privacy_record is None


def test_overfit_variants_keep_their_recipe_under_dp():
    subject = audit.reference(
        "credit", variant="overfit", training=ONE_EPOCH, privacy=DP.model_copy()
    )
    assert subject.metadata["recipe"] == replace(_module("credit").OVERFIT_RECIPE, epochs=1)


@pytest.mark.parametrize("domain", ["credit", "vision"])
def test_dp_at_epsilon_3_brings_the_overfit_controls_attack_to_chance(domain):
    """The same overfit control with and without DP-SGD (ε = 3), loss-threshold attack."""
    plain = audit.reference(domain, variant="overfit")
    private = audit.reference(domain, variant="overfit", privacy=DP)
    settings = PrivacySettings(seed=0)
    for subject in (plain, private):
        subject.metadata.pop("trainer", None)  # the loss attack only
    auc_plain = privacy_check(plain, settings).metric("mia_auc[loss_threshold]").value
    auc_dp = privacy_check(private, settings).metric("mia_auc[loss_threshold]").value
    assert private.metadata["privacy"]["epsilon"] <= 3.0
    assert auc_plain > 0.6
    assert abs(auc_dp - 0.5) <= 0.1
    assert auc_dp < auc_plain - 0.1


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
    assert "a non-private twin and the utility curve at ε = 1 in" in said
    section = audit.AuditResult.load(out / "results.json").section("privacy")
    assert 0 < section.metric("epsilon").value <= 2.0 and section.metric("delta").value == 1e-4
    tables = {t.id: t for t in section.tables}
    assert {"dp_training", "attacks", "utility_curve"} <= set(tables)
    dp_rows = {row[0]: row[1] for row in tables["dp_training"].rows}
    assert dp_rows["clipping norm (C)"] == 0.5 and dp_rows["target ε"] == 2.0
    html = (out / "report.html").read_text()
    assert "DP-SGD" in html and "ε" in html
