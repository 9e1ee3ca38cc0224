"""Hardening (issue 20), errors and trust: exit 3 with one line and a crash.log for an
internal error, crafted results.json refused against the schema, and --no-code."""

from __future__ import annotations

import copy
import json
import tempfile
import textwrap
from pathlib import Path

import pytest
from pydantic import BaseModel, ConfigDict
from typer.testing import CliRunner

import audit
from audit.checks import unregister_check
from audit.cli import app
from audit.cli._guard import _save_crash_log
from audit.cli._schema import ANNOTATIONS, KEYWORDS, first_problem
from audit.results import results_schema
from tests.cli.conftest import ROOT, one_line

runner = CliRunner()
SCHEMA_EXPECTED = "a results.json written by rai-audit (see audit/results.schema.json)"


CRAFTED = [
    (
        ("sections", 0, "figures", 0, "kind"),
        "html",
        "at sections/0/figures/0/kind: 'html' is not one of ['svg', 'png', 'bars']",
    ),
    (
        ("sections", 0, "verdict"),
        "bogus",
        "at sections/0/verdict: 'bogus' is not one of ['pass', 'warn', 'fail', 'info']",
    ),
    (
        ("sections", 0, "metrics", 0, "verdict"),
        "bogus",
        "at sections/0/metrics/0/verdict: 'bogus' is not one of ['pass', 'warn', 'fail', 'info']",
    ),
    (("verdict",), None, "at verdict: None is not one of ['pass', 'warn', 'fail', 'info']"),
    (("extra",), 1, "at (top level): unexpected property 'extra'"),
]


def _crafted(source: Path, folder: Path, path, value) -> Path:
    data = json.loads(source.read_text())
    target = data
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    crafted = folder / "crafted.json"
    crafted.write_text(json.dumps(data))
    return crafted


@pytest.mark.parametrize(("path", "value", "problem"), CRAFTED)
@pytest.mark.parametrize("command", ["render", "compare"])
def test_a_crafted_results_json_is_refused_inone_line(
    sources, tmp_path, command, path, value, problem
):
    crafted = _crafted(sources["alpha-run"], tmp_path, path, value)
    args = (
        ["render", str(crafted)]
        if command == "render"
        else ["compare", str(sources["alpha-run"]), str(crafted)]
    )
    result = runner.invoke(app, [*args, "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    argument = "RESULTS" if command == "render" else "NEW"
    assert (
        one_line(result)
        == f"error: {argument}: expected {SCHEMA_EXPECTED}, got '{crafted}', {problem}."
    )
    assert not (tmp_path / "out").exists()


ENTRY = textwrap.dedent(
    """
    from pathlib import Path

    import torch

    import audit

    Path(__file__).with_name("imported").write_text("the config's code ran")


    def build(seed=0):
        X = torch.randn(48, 3, generator=torch.Generator().manual_seed(seed))
        y = (X[:, 0] > 0).long()
        return audit.Subject(torch.nn.Linear(3, 2), (X, y), (X, y), name="tiny")
    """
)


class BoomSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _boom(subject, settings, context):
    raise RuntimeError("boom went off")


@pytest.fixture
def boom():
    audit.register_check(audit.Check(name="boom", title="Boom", run=_boom, settings=BoomSettings))
    yield
    unregister_check("boom")


def _entry_config(folder: Path, module: str, checks: str = "[boom]") -> Path:
    (folder / f"{module}.py").write_text(ENTRY)
    config = folder / "audit.yaml"
    config.write_text(f"subject: {module}:build\nchecks: {checks}\n")
    return config


@pytest.mark.parametrize(
    ("flag", "env"),
    [([], {}), (["--debug"], {}), ([], {"RAI_AUDIT_DEBUG": "1"})],
    ids=["default", "--debug", "env"],
)
def test_an_internal_error_exits_3_with_one_line_and_a_crash_log(boom, tmp_path, flag, env):
    out = tmp_path / "out"
    config = _entry_config(tmp_path, "hardening_entry_crash")
    result = runner.invoke(app, [*flag, "run", "--config", str(config), "--out", str(out)], env=env)
    assert result.exit_code == 3
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert errors == [
        f"error: internal error in stage 'boom': RuntimeError: boom went off "
        f"(traceback saved to {out / 'crash.log'})"
    ]
    assert result.stderr.strip().endswith(errors[0])
    log = (out / "crash.log").read_text()
    assert (
        "Traceback (most recent call last)" in log and 'raise RuntimeError("boom went off")' in log
    )
    assert ("Traceback (most recent call last)" in result.stderr) == bool(flag or env)
    assert sorted(p.name for p in out.iterdir()) == ["crash.log"]  # no half set, no temporary


def test_a_crash_log_goes_to_the_temp_folder_when_out_cannot_take_it(tmp_path):
    (tmp_path / "file").write_text("")
    path = _save_crash_log(tmp_path / "file" / "out", "the traceback")
    assert path.parent == Path(tempfile.gettempdir()) and path.read_text() == "the traceback"
    path.unlink()


@pytest.mark.parametrize(("flag", "env"), [(["--no-code"], {}), ([], {"RAI_AUDIT_NO_CODE": "1"})])
def test_no_code_refuses_a_config_that_would_run_code(tmp_path, flag, env):
    config = _entry_config(tmp_path, "hardening_entry_untrusted", checks="[performance]")
    result = runner.invoke(
        app, ["run", "--config", str(config), "--out", str(tmp_path / "out"), *flag], env=env
    )
    assert result.exit_code == 2
    assert one_line(result) == (
        "error: subject: expected no entry point, since --no-code forbids running a config's "
        "code, got 'hardening_entry_untrusted:build', which would run its code."
    )
    assert not (tmp_path / "imported").exists() and not (tmp_path / "out").exists()


def test_the_docs_say_a_config_with_subject_runs_code():
    example = (ROOT / "audit" / "example_config.yaml").read_text()
    assert "runs code: trust a config like a script" in example and "--no-code" in example
    help_text = runner.invoke(app, ["init", "--help"], env={"COLUMNS": "200"}).stdout
    assert "imports and runs that code" in help_text and "--no-code" in help_text
    assert "--no-code" in (ROOT / "README.md").read_text()


def _keywords(schema, found):
    """Every keyword of a schema (not the names of the properties it defines)."""
    for key, value in schema.items():
        found.add(key)
        if key in ("properties", "$defs", "patternProperties", "dependentSchemas"):
            children = list(value.values())
        elif key in ("allOf", "oneOf", "anyOf", "prefixItems"):
            children = list(value)
        else:
            children = [value] if isinstance(value, dict) and key not in ("const", "enum") else []
        for child in children:
            _keywords(child, found)
    return found


def test_the_validator_knows_every_keyword_of_the_shipped_schema():
    assert _keywords(results_schema(), set()) <= KEYWORDS | ANNOTATIONS
    assert _keywords({"anyOf": [{"type": "string"}]}, set()) - KEYWORDS - ANNOTATIONS == {"anyOf"}


@pytest.mark.parametrize(
    ("path", "value", "problem"),
    [*CRAFTED, (("sections", 0, "metrics", 0, "ci"), [1], ""), (("schema_version",), 2, "")],
)
def test_the_validator_agrees_with_jsonschema(sources, path, value, problem):
    jsonschema = pytest.importorskip("jsonschema")
    good = json.loads(sources["alpha-run"].read_text())
    bad = copy.deepcopy(good)
    target = bad
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    for data in (good, bad):
        expected = jsonschema.Draft202012Validator(results_schema()).is_valid(data)
        assert (first_problem(data, results_schema()) is None) == expected
    assert first_problem(bad, results_schema()).startswith(problem)
