import pytest
import torch

import audit
from audit.checks import _compute as compute
from audit.checks import check_names
from audit.compute import TIME_METRICS, count_flops
from audit.config import ComputeSettings
from audit.history import TrainingHistory
from audit.models import MLP
from audit.report import render_html

ALWAYS = {
    "n_parameters",
    "trainable_parameters",
    "model_size_mb",
    "flops_per_example",
    "inference_ms_per_example",
}
WITH_TRAIN_TIME = {"train_seconds", "energy_wh", "co2e_g"}


def _subject(model: torch.nn.Module, n_features: int, *, rows: int = 40, history=None):
    generator = torch.Generator().manual_seed(0)
    X = torch.randn(rows, n_features, generator=generator)
    y = torch.tensor([0, 1] * (rows // 2))
    return audit.Subject(model, (X, y), (X, y), history=history)


def test_linear_layer_counts_eight_parameters_and_twelve_flops_per_example():
    section = compute.run(_subject(torch.nn.Linear(3, 2), 3))
    assert {m.key for m in section.metrics} == ALWAYS
    assert section.metric("n_parameters").value == 8  # 3 x 2 weights + 2 biases
    assert section.metric("trainable_parameters").value == 8
    assert section.metric("model_size_mb").value == 8 * 4 / 2**20  # float32
    # torch counts addmm as the matmul only: 2 x rows x in x out, the bias add not counted
    assert section.metric("flops_per_example").value == 12
    assert section.table("flops_by_operator").rows == [["aten.addmm", 2 * 32 * 3 * 2, 12.0]]
    assert all(m.verdict == "info" and m.threshold is None for m in section.metrics)


def test_count_flops_on_a_small_batch_is_the_closed_form():
    assert count_flops(torch.nn.Linear(3, 2), torch.zeros(5, 3)) == {"aten.addmm": 60}


def test_flops_of_an_mlp_are_the_sum_over_its_linear_layers():
    model = MLP(5, 3, hidden=(16, 8))
    section = compute.run(_subject(model, 5, rows=10))  # fewer rows than FLOP_ROWS
    linears = [m for m in model.modules() if isinstance(m, torch.nn.Linear)]
    expected = sum(2 * m.in_features * m.out_features for m in linears)
    assert expected == 2 * (5 * 16 + 16 * 8 + 8 * 3) == 464
    assert section.metric("flops_per_example").value == expected
    assert section.table("flops_by_operator").rows == [["aten.addmm", 10 * 464, 464.0]]
    assert "element-wise operations" in " ".join(section.notes)
    assert "aten.addmm" in section.notes[0]


def test_size_counts_buffers_and_trainable_excludes_frozen_parameters():
    model = torch.nn.Sequential(
        torch.nn.Linear(4, 6), torch.nn.BatchNorm1d(6), torch.nn.Linear(6, 2)
    )
    model[0].requires_grad_(False)
    section = compute.run(_subject(model, 4))
    n_params = (4 * 6 + 6) + (6 + 6) + (6 * 2 + 2)
    assert section.metric("n_parameters").value == n_params == 56
    assert section.metric("trainable_parameters").value == 56 - 30
    # float32 parameters, running mean and variance; num_batches_tracked is one int64
    size_bytes = 56 * 4 + (6 + 6) * 4 + 8
    assert section.metric("model_size_mb").value == size_bytes / 2**20
    assert model.training  # the check restores the training mode


def test_energy_and_co2_follow_the_stated_formula():
    subject = _subject(torch.nn.Linear(3, 2), 3, history=TrainingHistory(seconds=36.0))
    settings = ComputeSettings(power_watts=100, pue=1.5, grid_gco2_per_kwh=500)
    section = compute.run(subject, settings)
    assert {m.key for m in section.metrics} == ALWAYS | WITH_TRAIN_TIME
    assert section.metric("train_seconds").value == 36.0
    assert section.metric("energy_wh").value == pytest.approx(1.5)  # 36 s x 100 W x 1.5 / 3600
    assert section.metric("co2e_g").value == pytest.approx(0.75)  # 1.5 Wh / 1000 x 500 g/kWh
    rows = {r[0]: r for r in section.table("assumptions").rows}
    assert rows["average power draw while training (W)"][1:] == [
        100.0,
        "compute.power_watts (set in config)",
    ]
    assert rows["power usage effectiveness (PUE)"][1] == 1.5
    assert rows["grid carbon intensity (g CO2e per kWh)"][1] == 500.0
    assert "training run only" in rows["scope"][1]
    assert "no power or energy was measured" in rows["kind"][1]
    assert TIME_METRICS.issubset(m.key for m in section.metrics)


def test_without_history_there_is_no_training_time_or_energy():
    section = compute.run(_subject(torch.nn.Linear(3, 2), 3))
    keys = {m.key for m in section.metrics}
    assert not keys & WITH_TRAIN_TIME
    assert any("no training history" in note for note in section.notes)
    assert "compute.power_watts (default)" in [r[2] for r in section.table("assumptions").rows]


def test_a_history_without_wall_time_gives_a_note():
    section = compute.run(_subject(torch.nn.Linear(3, 2), 3, history=TrainingHistory()))
    assert not {m.key for m in section.metrics} & WITH_TRAIN_TIME
    assert any("without wall time" in note for note in section.notes)


def test_inference_time_is_per_example_over_the_available_rows():
    settings = ComputeSettings(inference_batch=1000, inference_repeats=3)
    section = compute.run(_subject(torch.nn.Linear(3, 2), 3), settings)
    metric = section.metric("inference_ms_per_example")
    assert metric.value > 0
    assert "median over 3 runs" in metric.description
    assert "40 test rows" in metric.description  # capped at the size of the test split


def test_credit_audit_has_a_compute_section_in_the_report(credit_subject, credit_result):
    assert check_names()[-1] == "compute"
    section = credit_result.section("compute")
    assert section.verdict == "info"
    linears = [m for m in credit_subject.model.modules() if isinstance(m, torch.nn.Linear)]
    flops = sum(2 * m.in_features * m.out_features for m in linears)
    assert section.metric("flops_per_example").value == flops
    n_params = sum(p.numel() for p in credit_subject.model.parameters())
    assert section.metric("n_parameters").value == n_params
    assert section.metric("train_seconds").value == credit_subject.history.seconds
    html = render_html(credit_result)
    assert 'id="section-compute"' in html
    assert 'id="table-assumptions"' in html and 'id="table-flops_by_operator"' in html
    assert section.summary.split(";")[0] in html


def test_compute_settings_come_from_the_config(credit_subject):
    config = {"compute": {"power_watts": 200, "pue": 2.0, "grid_gco2_per_kwh": 100}}
    section = audit.run(credit_subject, checks=["compute"], config=config).section("compute")
    seconds = credit_subject.history.seconds
    assert section.metric("energy_wh").value == pytest.approx(seconds * 200 * 2.0 / 3600)
    assert section.metric("co2e_g").value == pytest.approx(seconds * 400 / 3600 / 1000 * 100)
