"""Ray tasks give the privacy section of the serial path, byte for byte, on credit and vision.

One local Ray (2 CPUs) serves the module (``ray_local`` in conftest); without ray the
tests skip, except in CI (``CI=true``), where they fail.
"""

from __future__ import annotations

import dataclasses
import sys

import pytest

import audit
from audit.config import PrivacySettings, TrainingConfig
from audit.engines._tasks import MISSING_RAY, engine_record, map_tasks
from audit.errors import AuditInputError
from audit.privacy._section import run as privacy_section
from audit.settings import EngineSettings

RAY2 = EngineSettings(name="ray", workers=2)


def _without_times(section) -> dict:
    """The section as data, less its table of seconds (the only part allowed to differ)."""
    data = dataclasses.asdict(section)
    data["tables"] = [t for t in data["tables"] if t["id"] != "stages"]
    return data


def _stage_names(section) -> list:
    return [row[0] for row in section.table("stages").rows]


@pytest.fixture(scope="module")
def dp_credit() -> audit.Subject:
    """Credit trained with DP-SGD (2 epochs): shadows, the twin and the curve all train."""
    return audit.reference(
        "credit", training=TrainingConfig(epochs=2), privacy=PrivacySettings(dp=True)
    )


def test_credit_privacy_section_on_ray_equals_the_serial_one(ray_local, dp_credit):
    settings = PrivacySettings(shadow_models=4, utility_epsilons=[1.0, 8.0, None])
    steps: dict[str, list] = {"serial": [], "ray": []}
    serial = privacy_section(
        dp_credit, settings, seed=3, progress=lambda *s: steps["serial"].append(s)
    )
    on_ray = privacy_section(
        dp_credit, settings, seed=3, progress=lambda *s: steps["ray"].append(s), engine=RAY2
    )
    assert _without_times(on_ray) == _without_times(serial)
    assert {"mia_auc[lira_offline]", "epsilon"} <= {m.key for m in on_ray.metrics}
    assert len(on_ray.table("utility_curve").rows) == 3
    assert _stage_names(on_ray) == _stage_names(serial)
    assert steps["ray"] == steps["serial"]  # shadows 1..4, the twin, the curve's 2 points


def test_vision_privacy_section_on_ray_equals_the_serial_one(ray_local):
    subject = audit.reference("vision", training=TrainingConfig(epochs=2))
    settings = PrivacySettings(shadow_models=2)
    serial = privacy_section(subject, settings, seed=0)
    on_ray = privacy_section(subject, settings, seed=0, engine="ray")
    assert _without_times(on_ray) == _without_times(serial)
    assert "mia_auc[lira_offline]" in {m.key for m in on_ray.metrics}


def _scaled(item: int, factor: int) -> int:
    if item < 0:
        raise AuditInputError(f"item: expected a non-negative int, got {item}.")
    return item * factor


def test_map_tasks_keeps_the_order_and_raises_the_tasks_own_error(ray_local):
    items = [5, 1, 4, 2, 3]
    assert map_tasks(_scaled, items, engine=RAY2, shared=[10]) == [50, 10, 40, 20, 30]
    assert map_tasks(_scaled, items, engine="ray", workers=1, shared=[10]) == [
        50,
        10,
        40,
        20,
        30,
    ]
    with pytest.raises(AuditInputError, match="got -1"):
        map_tasks(_scaled, [1, -1], engine=RAY2, shared=[2])


def test_manifest_records_the_engine_and_its_workers(ray_local):
    assert engine_record(RAY2) == {"engine": "ray", "workers": 2, "address": None}
    assert engine_record(EngineSettings(name="ray"))["workers"] == 2  # the local Ray's CPUs
    assert engine_record(None) == {"engine": "serial", "workers": 1, "address": None}


def test_missing_ray_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)
    with pytest.raises(AuditInputError) as info:
        map_tasks(_scaled, [1], engine="ray", shared=[2])
    assert str(info.value) == f"engine 'ray': expected {MISSING_RAY}."
    assert "pip install 'rai-audit[ray]'" in str(info.value)


def test_engine_is_a_top_level_config_key_passed_to_every_check():
    from audit.checks import RunContext
    from audit.config import load_config

    config = load_config({"engine": {"name": "ray", "address": None, "workers": 2}})
    assert config.engine == RAY2
    assert load_config({"engine": "ray"}).engine == EngineSettings(name="ray")
    assert load_config(None).engine.name == "serial"
    contexts = RunContext.for_checks(0, ["privacy"], engine=config.engine)
    assert contexts["privacy"].engine == RAY2


def test_run_records_engine_and_workers_in_the_manifest():
    subject = audit.reference("credit", training=TrainingConfig(epochs=1))
    result = audit.run(subject, checks=["data"], config={"engine": {"name": "ray", "workers": 2}})
    assert (result.manifest["engine"], result.manifest["workers"]) == ("ray", 2)
    serial = audit.run(subject, checks=["data"])
    assert (serial.manifest["engine"], serial.manifest["workers"]) == ("serial", 1)
