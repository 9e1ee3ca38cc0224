"""The compute budget: cost estimates against counted passes, scaling, notes, the manifest."""

from __future__ import annotations

import pytest
import torch

import audit
from audit.budget import Workload, measure_workload, plan_budget, scaled
from audit.checks import get_check
from audit.errors import AuditInputError
from audit.explain._cost import explain_cost
from audit.robustness._cost import robustness_cost
from audit.robustness._settings import RobustnessSettings
from audit.settings import ExplainSettings, PrivacySettings

BIG = Workload(1000, 512, 3 * 224 * 224, "image", epochs=20, pass_seconds=0.03, height=224, width=224)
CHECKS = [get_check(n) for n in ("performance", "explainability", "robustness", "privacy")]


def _settings():
    return {c.name: c.settings() for c in CHECKS}


def _counted(subject, check: str, config: dict) -> int:
    """Forward passes of the model during the check, a backward counted as two."""
    seen = {"rows": 0}

    def hook(_module, inputs, _output):
        rows = inputs[0].shape[0]
        seen["rows"] += rows * (3 if torch.is_grad_enabled() else 1)

    handle = subject.model.register_forward_hook(hook)
    try:
        audit.run(subject, checks=[check], config={check: config, "seed": 0})
    finally:
        handle.remove()
    return seen["rows"]


def test_a_run_under_its_budget_is_left_alone():
    small = Workload(560, 300, 61, "tabular", pass_seconds=2e-6)
    settings, plan = plan_budget(_settings(), CHECKS, small, budget_s=600)
    assert settings == _settings() and plan.scalings == [] and plan.fits


def test_a_large_model_is_scaled_by_one_fraction_to_fit_and_says_what_changed():
    settings, plan = plan_budget(_settings(), CHECKS, BIG, budget_s=600)
    assert plan.estimates["explainability"] > 3000  # defaults: hours on 2 cores
    assert plan.fits and plan.estimated_s <= 600 * 1.05
    explain = settings["explainability"]
    assert explain.n_samples < 256 and explain.trust_samples < 32
    assert settings["robustness"].rows < 256
    # the predictions cannot shrink; the bootstrap of the intervals does
    assert settings["performance"].n_bootstrap < 1000
    note = plan.note_for("explainability")
    assert note.startswith("Scaled to fit the compute budget of 600 s")
    assert f"explained rows 256 → {explain.n_samples}" in note
    record = plan.to_dict()
    assert record["budget_s"] == 600
    assert [s["check"] for s in record["scaled"]][:2] == ["performance", "explainability"]


def test_a_budget_too_small_for_the_smallest_settings_says_so():
    _, plan = plan_budget(_settings(), CHECKS, BIG, budget_s=30)
    assert not plan.fits
    assert "cannot shrink further" in plan.note_for("explainability")
    shadows = next(s for s in plan.scalings if s.check == "privacy").changes
    assert shadows == ["shadow models 4 → 0 (the loss-threshold attack only)"]


@pytest.mark.parametrize("budget", [0, -1, float("nan"), float("inf")])
def test_a_bad_budget_is_refused(budget):
    with pytest.raises(AuditInputError, match="budget_s: expected a number of seconds > 0"):
        plan_budget(_settings(), CHECKS, BIG, budget_s=budget)


def test_scaled_keeps_floors_and_never_grows():
    assert [scaled(256, f, floor=8) for f in (1.0, 0.5, 0.01)] == [256, 128, 8]
    assert scaled(4, 0.5, floor=8) == 4


@pytest.fixture(scope="module")
def vision_subject():
    return audit.reference("vision", seed=0, training=audit.TrainingConfig(epochs=2))


def test_the_explanation_estimate_matches_the_counted_passes_on_vision(vision_subject):
    config = {"n_samples": 16, "trust_samples": 2}
    counted = _counted(vision_subject, "explainability", config)
    w = measure_workload(vision_subject)
    estimate = (explain_cost(ExplainSettings(**config), w) - 2.0) / w.pass_seconds
    assert counted == pytest.approx(estimate, rel=0.25)


def test_the_robustness_estimate_matches_the_counted_passes_on_credit(credit_subject):
    config = {"rows": 32, "severities": [1, 3], "epsilons": [0.1], "pgd_steps": 3}
    counted = _counted(credit_subject, "robustness", config)
    w = measure_workload(credit_subject)
    estimate = (robustness_cost(RobustnessSettings(**config), w) - 1.0) / w.pass_seconds
    assert counted == pytest.approx(estimate, rel=0.15)


def test_a_budget_scales_a_real_run_and_the_report_says_so(credit_subject):
    result = audit.run(
        credit_subject,
        checks=["robustness", "privacy"],
        config={"seed": 0, "robustness": {"resamples": 200}},
        budget_s=0.05,  # far below anything: every check to its smallest settings
    )
    robustness = result.section("robustness")
    assert robustness.notes[0].startswith("Scaled to fit the compute budget of 0.05 s")
    assert robustness.metric("clean_accuracy").n == 16  # 256 audited rows → 16 (deepest)
    assert "shadow models 4 → 0" in result.section("privacy").notes[0]
    budget = result.manifest["runtime"]["budget"]
    assert budget["budget_s"] == 0.05 and not budget["fits"]
    assert budget["workload"]["rows_test"] == len(credit_subject.y_test)


def test_the_config_and_the_cli_take_a_budget():
    from audit.config import load_config

    assert load_config({"budget_s": 90}).budget_s == 90
    with pytest.raises(Exception, match="budget_s"):
        load_config({"budget_s": 0})
    assert PrivacySettings().shadow_models == 4  # defaults untouched by a plan


def test_a_network_far_too_large_for_the_budget_gets_the_deepest_shrink():
    # a ResNet-18 at 224x224 on 2 cores (about 30 ms a forward pass), 120 s for everything
    checks = [get_check(n) for n in ("performance", "explainability", "robustness", "compute")]
    defaults = {c.name: c.settings() for c in checks}
    settings, plan = plan_budget(defaults, checks, BIG, budget_s=120)
    explain, robust = settings["explainability"], settings["robustness"]
    assert explain.trust_samples == 0 and explain.leave_out == ["occlusion"]
    assert robust.severities == [3] and robust.epsilons == [0.1] and not robust.min_perturbation
    assert settings["compute"].inference_batch < 256
    # the predictions of every row cannot shrink: 1,512 passes of 30 ms
    assert plan.estimates["performance"] == pytest.approx(1.0 + 1512 * 0.03 + 1000 * 512 * 2e-7)
    assert settings["performance"].n_bootstrap == 200 and settings["robustness"].resamples == 200
    assert plan.fits and plan.estimated_s <= 120 * 1.05
    notes = plan.note_for("explainability")
    assert "trust-test rows 32 → 0 (no trust tests" in notes and "occlusion left out (225" in notes
    assert "minimal-perturbation search off" in plan.note_for("robustness")


def test_without_trust_tests_the_badges_say_what_was_not_judged(vision_subject):
    config = {"n_samples": 16, "trust_samples": 0}
    result = audit.run(vision_subject, checks=["explainability"], config={
        "explainability": config, "seed": 0})
    section = result.section("explainability")
    for metric in section.metrics:
        if metric.name in {"deletion_p_value", "randomization_spearman"}:
            assert metric.value is None and metric.verdict == "info"
    gaps = [m for m in section.metrics if m.name == "completeness_gap"]
    assert gaps and all(m.value is not None for m in gaps)  # still on every explained row
    assert "0 of" in section.summary and "methods trusted" in section.summary
    assert any("trust tests not run" in note for note in section.notes)
    assert not any(t.id == "randomization" for t in section.tables)
    # and the estimate follows: the explained rows' passes only
    counted = _counted(vision_subject, "explainability", config)
    w = measure_workload(vision_subject)
    estimate = (explain_cost(ExplainSettings(**config), w) - 2.0) / w.pass_seconds
    assert counted == pytest.approx(estimate, rel=0.3)


def test_trust_samples_of_one_is_refused():
    with pytest.raises(Exception, match="trust_samples must be 0"):
        ExplainSettings(trust_samples=1)


def test_a_full_width_resnet18_runs_every_default_check_within_a_small_budget():
    """torchvision's resnet18(num_classes=10) module for module (11,181,642 parameters;
    torchvision cannot install beside this project's torch), on 64x64 generated images:
    every default check runs at the deepest settings and each scaled section says so."""
    from tests.explain.test_layers import ResNet18Layout

    torch.manual_seed(0)
    model = ResNet18Layout(classes=10, width=64).eval()
    assert sum(p.numel() for p in model.parameters()) == 11_181_642
    g = torch.Generator().manual_seed(0)
    y = torch.arange(96) % 10
    grid = torch.linspace(-1, 1, 64)
    yy, xx = torch.meshgrid(grid, grid, indexing="ij")
    angle = (y.float() * 0.314)[:, None, None]
    wave = torch.sin((xx * torch.cos(angle) + yy * torch.sin(angle)) * (4 + y[:, None, None]))
    X = (0.5 + 0.25 * wave[:, None].expand(96, 3, 64, 64) + 0.1 * torch.randn(96, 3, 64, 64,
         generator=g)).clamp(0, 1)
    subject = audit.Subject(model, (X[:64], y[:64]), (X[64:], y[64:]), modality="image")
    result = audit.run(subject, config={"seed": 0}, budget_s=5)
    assert [s.id for s in result.sections][:3] == ["data", "performance", "explainability"]
    explain = result.section("explainability")
    assert any("trust tests not run" in n for n in explain.notes)
    assert any("reads 'layer4.1'" in n for n in explain.notes)
    assert explain.metric("completeness_gap[integrated_gradients]").value is not None
    assert result.section("robustness").metric("clean_accuracy").n == 16
    budget = result.manifest["runtime"]["budget"]
    assert budget["workload"]["values_per_row"] == 3 * 64 * 64
    assert {s["check"] for s in budget["scaled"]} >= {"explainability", "robustness", "privacy"}
