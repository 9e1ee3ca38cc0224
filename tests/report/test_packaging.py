"""The wheel ships the report templates, and they are found outside the source tree."""

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    (path,) = out.glob("rai_audit-*.whl")
    return path


def test_wheel_contains_templates_data_and_entry_point(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for template in (ROOT / "reports" / "templates").rglob("*.j2"):
        relative = template.relative_to(ROOT / "reports" / "templates").as_posix()
        assert f"audit/_templates/{relative}" in names
    assert "audit/datasets/data/german_credit.csv" in names
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "rai-audit = audit.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()


def test_installed_wheel_renders_a_report_outside_the_source_tree(wheel, tmp_path):
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    script = (
        "import audit, audit.report as r\n"
        "from audit.results import AuditResult, Section\n"
        "res = AuditResult(subject={'name': 'w', 'model_class': 'M', 'modality': 'tabular',\n"
        "  'n_parameters': 1, 'n_train': 1, 'n_test': 1, 'input_shape': [1], 'class_names': ['a'],\n"
        "  'sensitive_features': [], 'feature_names': ['x'], 'metadata': {}},\n"
        "  sections=[Section('performance_x', 'P', summary='ok')],\n"
        "  manifest={'seed': 0, 'versions': {}, 'python': '3', 'platform': 'p', 'model_sha256': 'm',\n"
        "  'data_sha256': 'd', 'torch_threads': 1, 'runtime': {}})\n"
        "print(audit.__file__); print(r.template_dir()); print(len(r.render_html(res)))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(site)}
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    module_file, templates, size = done.stdout.split()
    assert Path(module_file).is_relative_to(site)
    assert Path(templates) == site / "audit" / "_templates"
    assert int(size) > 1000
