"""Start-up and layering: light paths load no heavy library; results never import the report.

Each start-up case runs in a fresh interpreter (``sys.modules`` of the test process
already holds torch), importing ``audit`` from this checkout.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import audit
from audit import results

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "audit"

#: Libraries that ``import audit`` and the light commands must not load.
HEAVY = ("captum", "shap", "opacus", "fairlearn", "matplotlib", "scipy", "sklearn", "torch")

#: Appended to every case: the heavy top-level modules loaded, as the last line of stdout.
REPORT_HEAVY = f"""
import json, sys
print(json.dumps(sorted({{m.partition(".")[0] for m in sys.modules}} & set({HEAVY!r}))))
"""


def cli_script(*args: str) -> str:
    """Run ``rai-audit ARGS`` through ``audit.cli.main``; exit code 0 is required."""
    argv = ["rai-audit", *args]
    return (
        f"import sys\nsys.argv = {argv!r}\nfrom audit.cli import main\n"
        "try:\n    main()\nexcept SystemExit as exit:\n"
        "    assert exit.code in (0, None), f'exit code {exit.code}'\n"
    )


def run_fresh(script: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run ``script`` in a new interpreter that imports ``audit`` from this checkout."""
    paths = [str(ROOT), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    env = os.environ | {"PYTHONPATH": os.pathsep.join(paths)}
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=cwd, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def heavy_loaded(script: str, cwd: Path) -> list[str]:
    """The heavy libraries in ``sys.modules`` after ``script`` ran in a fresh interpreter."""
    return json.loads(run_fresh(script + REPORT_HEAVY, cwd).stdout.strip().splitlines()[-1])


LIGHT_CASES = {
    "import audit": "import audit\n",
    "import audit, dir(audit)": "import audit\nassert 'run' in dir(audit)\n",
    "rai-audit --help": cli_script("--help"),
    "rai-audit domains": cli_script("domains"),
    "rai-audit init": cli_script("init", "{tmp}/audit.yaml"),
}


@pytest.mark.parametrize("case", list(LIGHT_CASES))
def test_light_paths_load_no_heavy_library(case, tmp_path):
    script = LIGHT_CASES[case].replace("{tmp}", tmp_path.as_posix())
    assert heavy_loaded(script, tmp_path) == []


def test_init_still_writes_the_config(tmp_path):
    run_fresh(cli_script("init", "audit.yaml"), tmp_path)
    assert "seed" in (tmp_path / "audit.yaml").read_text()


def test_import_audit_defers_the_report_and_jinja2(tmp_path):
    script = (
        "import sys, audit\n"
        "assert 'audit.report' not in sys.modules and 'jinja2' not in sys.modules\n"
        "audit.Threshold\n"
        "assert 'audit.report' not in sys.modules\n"
        "audit.AuditResult\n"
        "assert 'audit.report' in sys.modules, 'AuditResult must register the renderer'\n"
        "assert 'jinja2' not in sys.modules, 'jinja2 loads on the first render only'\n"
    )
    run_fresh(script, tmp_path)


def test_public_names_are_listed_by_dir_and_version_is_eager():
    assert set(audit.__all__) <= set(dir(audit))
    assert "__version__" in vars(audit)


@pytest.mark.parametrize("name", sorted(set(audit.__all__) - {"__version__"}))
def test_every_public_name_resolves(name):
    assert getattr(audit, name) is not None


def test_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="has no attribute 'no_such_name'"):
        _ = audit.no_such_name


# -- results ↔ report: the renderer hook ---------------------------------------------


def tiny_result() -> results.AuditResult:
    """A hand-made result with every field the report shows (no model, no training)."""
    return results.AuditResult(
        subject={
            "name": "tiny",
            "model_class": "Linear",
            "modality": "tabular",
            "n_parameters": 8,
            "n_train": 4,
            "n_test": 4,
            "input_shape": [3],
            "class_names": ["no", "yes"],
            "sensitive_features": [],
            "metadata": {},
            "feature_names": ["a", "b", "c"],
        },
        sections=[results.Section("data", "Data", summary="Nothing to see.")],
        manifest={
            "versions": {},
            "seed": 0,
            "python": "3",
            "platform": "test",
            "model_sha256": None,
            "data_sha256": "0",
            "torch_threads": 1,
            "runtime": {},
            "config": {},
        },
    )


@pytest.fixture
def saved_json(tmp_path) -> Path:
    """A results.json for fresh interpreters to load."""
    path = tmp_path / "saved" / "results.json"
    path.parent.mkdir()
    path.write_text(tiny_result().to_json(), encoding="utf-8")
    return path


def test_save_and_repr_html_work_after_import_audit(saved_json, tmp_path):
    script = f"""
import audit
loaded = audit.AuditResult.load({str(saved_json)!r})
report = loaded.save({str(tmp_path / "out")!r})
assert report.name == "report.html" and "<html" in report.read_text()
assert audit.AuditResult.load(report.parent / "results.json") == loaded
assert loaded._repr_html_().startswith('<div class="rai-report rai-fragment">')
"""
    run_fresh(script, tmp_path)


def test_save_without_a_renderer_names_import_audit_report(saved_json, tmp_path):
    script = f"""
from audit.results import NO_RENDERER_MESSAGE, AuditResult
result = AuditResult.load({str(saved_json)!r})
for call in (lambda: result.save("out"), result._repr_html_):
    try:
        call()
    except RuntimeError as error:
        assert str(error) == NO_RENDERER_MESSAGE, str(error)
    else:
        raise AssertionError("no error without a renderer")
import audit.report
assert result.save("out").name == "report.html"
"""
    run_fresh(script, tmp_path)


def test_no_renderer_message_word_for_word():
    assert results.NO_RENDERER_MESSAGE == (
        "No report renderer is registered: run `import audit.report` (which registers the "
        "HTML renderer) before AuditResult.save() or displaying a result in a notebook."
    )


def test_register_renderer_rejects_anything_else():
    with pytest.raises(TypeError, match="expected a Renderer, got function"):
        results.register_renderer(lambda result, out: out)


# -- layering, from the source: every import, at module level or inside functions ------


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imported_modules(path: Path) -> set[str]:
    """Every ``audit.*`` module ``path`` imports: ``import``, ``from ... import`` (also
    relative, and ``from audit import name``), ``importlib.import_module("audit...")``."""
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                source = ".".join([*base, node.module] if node.module else base)
            else:
                source = node.module or ""
            found.add(source)
            found.update(f"{source}.{alias.name}" for alias in node.names)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute | ast.Name)
            and getattr(node.func, "attr", getattr(node.func, "id", ""))
            in {
                "import_module",
                "__import__",
            }
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.add(node.args[0].value)
    return {name for name in found if name == "audit" or name.startswith("audit.")}


def _unit(module: str, units: set[str]) -> str | None:
    """The top-level subpackage or module of ``audit`` that ``module`` belongs to."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in units else None


def import_graph() -> dict[str, set[str]]:
    """Top-level unit (``results``, ``report``, ``cli``, ...) → the units it imports."""
    files = sorted(PACKAGE.rglob("*.py"))
    units = {_module_name(path).split(".")[1] for path in files if path.parent != PACKAGE}
    units |= {path.stem for path in files if path.parent == PACKAGE and path.stem != "__init__"}
    graph: dict[str, set[str]] = {unit: set() for unit in units}
    for path in files:
        source = _unit(_module_name(path), units)
        if source is None:  # audit/__init__.py: the lazy front door, above every layer
            continue
        for target in (_unit(name, units) for name in _imported_modules(path)):
            if target is not None and target != source:
                graph[source].add(target)
    return graph


def reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    """Every unit that ``start`` imports, directly or through others."""
    seen: set[str] = set()
    todo = [start]
    while todo:
        for target in graph.get(todo.pop(), ()):
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def test_the_import_graph_sees_imports_inside_functions():
    graph = import_graph()
    assert "results" in graph["report"]  # module level
    assert "report" in graph["cli"]  # only inside the commands' functions
    assert "subject" in graph["entrypoints"]  # inside load_subject


def test_results_never_imports_the_report_or_the_cli():
    imported = _imported_modules(PACKAGE / "results.py")
    assert not {n for n in imported if n.startswith(("audit.report", "audit.cli"))}
    graph = import_graph()
    assert not graph["results"] & {"report", "cli"}


def test_no_cycle_between_results_and_report():
    graph = import_graph()
    assert "results" in reachable(graph, "report")
    assert "report" not in reachable(graph, "results"), (
        f"results reaches the report through {sorted(reachable(graph, 'results'))}"
    )
