"""Attribution batches and bootstrap chunks as Ray tasks give the serial path's bytes.

On credit (tabular, one-logit) and vision (8×8 digits, ten classes), with a local Ray
of 2 CPUs (``ray_local`` in conftest); without ray the tests skip, except in CI.
"""

from __future__ import annotations

import dataclasses
import json
import warnings

import jsonschema
import numpy as np
import pytest

import audit
from audit._threads import one_thread
from audit.config import TrainingConfig
from audit.explain._batches import GLOBAL_RNG, attribute_batches, batch_spans
from audit.explain._methods import METHODS, methods_for
from audit.explain._section import context, explainability_section
from audit.performance._intervals import CHUNK, bootstrap_scores, chunk_seeds
from audit.performance._section import performance_section
from audit.results import results_schema
from audit.settings import EngineSettings, ExplainSettings, PerformanceSettings

RAY2 = EngineSettings(name="ray", workers=2)
SMALL = ExplainSettings(n_samples=20, batch_size=8, trust_samples=4, background=8)


@pytest.fixture(scope="module")
def credit() -> audit.Subject:
    return audit.reference("credit", training=TrainingConfig(epochs=2))


@pytest.fixture(scope="module")
def vision() -> audit.Subject:
    return audit.reference("vision", training=TrainingConfig(epochs=2))


def _batches(subject, methods, engine, progress=None):
    ctx = context(subject, SMALL, seed=1)
    X, target = subject.X_test[: SMALL.n_samples], subject.y_test[: SMALL.n_samples]
    with one_thread(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return attribute_batches(
            ctx, X, target, methods, batch_size=SMALL.batch_size, engine=engine, progress=progress
        )


def _assert_same(serial: dict, on_ray: dict) -> None:
    assert list(on_ray) == list(serial)
    for name, parts in serial.items():
        assert len(on_ray[name]) == len(parts) == 3  # 20 rows in batches of 8: 8, 8, 4
        for a, b in zip(parts, on_ray[name], strict=True):
            assert a.attributions.dtype == b.attributions.dtype
            assert np.array_equal(a.attributions, b.attributions), name
            assert a.notes == b.notes and a.steps == b.steps
            assert (a.delta is None) == (b.delta is None)
            assert a.delta is None or np.array_equal(a.delta, b.delta)
        assert np.abs(np.concatenate([p.attributions for p in parts])).sum() > 0, name


@pytest.mark.parametrize("name", ["credit", "vision"])
def test_attribution_batches_on_ray_equal_the_serial_ones(ray_local, name, request):
    subject = request.getfixturevalue(name)
    methods = methods_for(subject.modality)
    steps: dict[str, list] = {"serial": [], "ray": []}
    serial = _batches(subject, methods, None, lambda *s: steps["serial"].append(s))
    on_ray = _batches(subject, methods, RAY2, lambda *s: steps["ray"].append(s))
    _assert_same(serial, on_ray)
    assert {"integrated_gradients", "saliency", "gradient_shap"} <= set(on_ray)
    assert steps["ray"] == steps["serial"]
    assert steps["ray"][0] == ("attributions: Integrated Gradients", 1, len(methods))


def test_global_rng_methods_run_here_in_the_serial_order(ray_local, credit):
    """Kernel SHAP draws from numpy's global state: with Ray it runs here, after the tasks."""
    methods = [METHODS["saliency"], METHODS["kernel_shap"], METHODS["deeplift"]]
    assert "kernel_shap" in GLOBAL_RNG
    np.random.seed(5)
    serial = _batches(credit, methods, None)
    np.random.seed(5)
    on_ray = _batches(credit, methods, RAY2)
    _assert_same(serial, on_ray)


def test_explainability_section_on_ray_equals_the_serial_one(ray_local, credit):
    serial = explainability_section(credit, SMALL, seed=2)
    on_ray = explainability_section(credit, SMALL, seed=2, engine=RAY2)
    assert dataclasses.asdict(on_ray) == dataclasses.asdict(serial)
    importance = on_ray.table("global_importance")
    assert importance.columns[1] == "trusted mean" and len(importance.rows) > 5
    assert any(m.name == "completeness_gap" for m in on_ray.metrics)


def test_batch_spans_cover_the_rows_in_order():
    assert batch_spans(20, 8) == [(0, 8), (8, 16), (16, 20)]
    assert batch_spans(8, 8) == [(0, 8)]
    assert batch_spans(0, 8) == []


def test_bootstrap_chunks_depend_on_the_seed_and_index_only():
    chunks = chunk_seeds(3, 2 * CHUNK + 1)
    assert [size for _, size in chunks] == [CHUNK, CHUNK, 1]
    assert [s.spawn_key for s, _ in chunks] == [(0,), (1,), (2,)]
    # a longer bootstrap starts with the same replicates
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 200)
    proba = np.c_[1 - (p := np.clip(0.3 * y + 0.7 * rng.random(200), 0, 1)), p]
    short = bootstrap_scores(y, proba, n_boot=CHUNK, seed=3, n_bins=10)
    longer = bootstrap_scores(y, proba, n_boot=2 * CHUNK + 1, seed=3, n_bins=10)
    for name, values in short.items():
        assert values.shape == (CHUNK,) and longer[name].shape == (2 * CHUNK + 1,)
        assert np.array_equal(values, longer[name][:CHUNK])
        assert not np.array_equal(longer[name][:CHUNK], longer[name][CHUNK : 2 * CHUNK])


@pytest.mark.parametrize("name", ["credit", "vision"])
def test_bootstrap_replicates_on_ray_equal_the_serial_ones(ray_local, name, request):
    subject = request.getfixturevalue(name)
    y, proba = subject.y_test.numpy(), subject.predict_proba("test")
    serial = bootstrap_scores(y, proba, n_boot=600, seed=4, n_bins=10)
    on_ray = bootstrap_scores(y, proba, n_boot=600, seed=4, n_bins=10, engine=RAY2)
    one_worker = bootstrap_scores(
        y, proba, n_boot=600, seed=4, n_bins=10, engine=EngineSettings(name="ray", workers=1)
    )
    assert sorted(on_ray) == ["balanced_accuracy", "ece", "f1", "roc_auc"]
    for metric, values in serial.items():
        assert values.shape == (600,) and np.isfinite(values).all()
        assert np.array_equal(on_ray[metric], values), metric
        assert np.array_equal(one_worker[metric], values), metric
    assert 0.5 < float(np.median(on_ray["roc_auc"])) <= 1.0


@pytest.mark.parametrize("name", ["credit", "vision"])
def test_performance_intervals_on_ray_equal_the_serial_ones(ray_local, name, request):
    subject = request.getfixturevalue(name)
    settings = PerformanceSettings(n_bootstrap=500)
    serial = performance_section(subject, settings, seed=1)
    on_ray = performance_section(subject, settings, seed=1, engine=RAY2)
    assert dataclasses.asdict(on_ray) == dataclasses.asdict(serial)
    auc = on_ray.metric("test_roc_auc")
    assert auc.ci is not None and auc.ci[0] <= auc.value <= auc.ci[1] and auc.ci[0] < auc.ci[1]


def test_a_ray_run_records_engine_workers_and_stage_times_in_a_valid_result(ray_local, credit):
    config = {
        "engine": {"name": "ray", "workers": 2},
        "performance": {"n_bootstrap": 300},
        "explainability": {"n_samples": 16, "batch_size": 8, "trust_samples": 4},
    }
    result = audit.run(credit, checks=["performance", "explainability"], config=config)
    data = json.loads(result.to_json())
    jsonschema.validate(data, results_schema())
    manifest = data["manifest"]
    assert (manifest["engine"], manifest["workers"], manifest["engine_address"]) == ("ray", 2, None)
    assert manifest["versions"]["ray"] == ray_local.__version__
    stages = manifest["runtime"]["stages"]
    assert {"performance", "explainability"} <= set(stages)
    assert all(stage["seconds"] >= 0 for stage in stages.values())
    serial = audit.run(
        credit,
        checks=["performance", "explainability"],
        config={**config, "engine": "serial"},
    )
    for ours, theirs in zip(result.sections, serial.sections, strict=True):
        assert dataclasses.asdict(ours) == dataclasses.asdict(theirs)
    schema = results_schema()["properties"]["manifest"]["properties"]
    assert {"engine", "workers", "engine_address"} <= set(schema)
    bad = {**data, "manifest": {**manifest, "workers": 0}}
    with pytest.raises(jsonschema.ValidationError) as info:
        jsonschema.validate(bad, results_schema())
    assert list(info.value.absolute_path) == ["manifest", "workers"]
