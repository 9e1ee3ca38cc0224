"""rai-audit render, compare, init, and own models from a config entry point."""

import json
import textwrap

import pytest
from typer.testing import CliRunner

import audit
from audit.cli import app
from audit.config import load_config

runner = CliRunner()


@pytest.fixture(scope="module")
def saved(credit_result, tmp_path_factory):
    folder = tmp_path_factory.mktemp("saved")
    credit_result.save(folder)
    return folder / "results.json"


def test_render_rewrites_the_report_from_results_json(saved, tmp_path):
    result = runner.invoke(app, ["render", str(saved), "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "report.html").read_text() == audit.report.render_html(
        audit.AuditResult.load(saved)
    )
    assert json.loads((tmp_path / "results.json").read_text()) == json.loads(saved.read_text())


@pytest.mark.parametrize("content", [None, "{not json", '{"sections": 3}'])
def test_render_bad_results_exit_2(tmp_path, content):
    path = tmp_path / "results.json"
    if content is not None:
        path.write_text(content)
    result = runner.invoke(app, ["render", str(path), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert result.output.startswith("error: RESULTS: expected a results.json")


def test_compare_lists_regressions_and_gates(saved, tmp_path):
    worse = json.loads(saved.read_text())
    fairness = next(s for s in worse["sections"] if s["id"] == "performance")
    metric = next(m for m in fairness["metrics"] if m["name"] == "test_accuracy")
    before = metric["verdict"]
    assert before in ("pass", "warn")
    metric["value"], metric["verdict"], metric["ci"] = 0.5, "fail", [0.45, 0.55]
    new = tmp_path / "new.json"
    new.write_text(json.dumps(worse))
    result = runner.invoke(app, ["compare", str(saved), str(new), "--out", str(tmp_path / "diff")])
    assert result.exit_code == 0
    line = next(x for x in result.output.splitlines() if "REGRESSION" in x)
    assert line.startswith("  REGRESSION performance test_accuracy: ")
    assert line.endswith(f"→ 0.5 [0.45, 0.55], verdict {before} → fail (regression)")
    data = json.loads((tmp_path / "diff" / "comparison.json").read_text())
    assert data["regressions"] >= 1 and data["changes"][0]["status"] == "regression"
    html = (tmp_path / "diff" / "report.html").read_text()
    assert html.index("test_accuracy") < html.index("unchanged")
    gated = runner.invoke(
        app,
        ["compare", str(saved), str(new), "--out", str(tmp_path / "d2"), "--fail-on-regression"],
    )
    assert gated.exit_code == 1
    same = runner.invoke(
        app,
        ["compare", str(saved), str(saved), "--out", str(tmp_path / "d3"), "--fail-on-regression"],
    )
    assert same.exit_code == 0 and "0 regression(s)" in same.output


def test_init_writes_a_config_that_validates(tmp_path):
    path = tmp_path / "audit.yaml"
    result = runner.invoke(app, ["init", str(path)])
    assert result.exit_code == 0, result.output
    config = load_config(path)
    assert config.domain == "credit" and config.model_card.owners
    assert "#" in path.read_text()  # commented
    again = runner.invoke(app, ["init", str(path)])
    assert again.exit_code == 2 and "which exists" in again.output
    assert runner.invoke(app, ["init", str(path), "--force"]).exit_code == 0


ENTRY = textwrap.dedent(
    """
    import numpy as np
    import pandas as pd
    import torch

    import audit


    def build(seed=0):
        rng = np.random.default_rng(seed)
        X = rng.normal(size=(200, 3)).astype("float32")
        y = (X[:, 0] > 0).astype("int64")
        torch.manual_seed(seed)
        model = torch.nn.Linear(3, 2)
        with torch.no_grad():
            model.weight.copy_(torch.tensor([[-1.0, 0.0, 0.0], [1.0, 0.0, 0.0]]))
            model.bias.zero_()
        groups = pd.DataFrame({"group": rng.choice(["a", "b"], 200)})
        return audit.Subject(model, (X[:100], y[:100]), (X[100:], y[100:]), sensitive_train=groups[:100],
                             sensitive_test=groups[100:].reset_index(drop=True), name=f"own model {seed}")


    def not_a_subject():
        return 42
    """
)


def test_own_model_from_a_config_entry_point(tmp_path):
    (tmp_path / "my_entry.py").write_text(ENTRY)
    config = tmp_path / "audit.yaml"
    config.write_text(
        "subject: my_entry:build\nseed: 3\nfairness: {mitigation: false, min_group_size: 10}\n"
        "model_card: {owners: [me], intended_use: testing}\n"
    )
    result = runner.invoke(app, ["run", "--config", str(config), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    saved = audit.AuditResult.load(tmp_path / "out" / "results.json")
    assert saved.subject["name"] == "own model 3"  # called with the config's seed
    assert saved.section("performance").metric("test_accuracy").value == 1.0
    assert saved.model_card["owners"] == ["me"]


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("my_entry", "error: subject: expected an entry point 'module:function', got 'my_entry'."),
        ("missing_module:build", "error: subject: expected an importable module 'missing_module'"),
        (
            "my_entry:nothing",
            "error: subject: expected a function 'nothing' in module 'my_entry', got none.",
        ),
        (
            "my_entry:not_a_subject",
            "error: subject: expected my_entry:not_a_subject to return an audit.Subject, got a int.",
        ),
    ],
)
def test_bad_entry_points_exit_2(tmp_path, entry, message):
    (tmp_path / "my_entry.py").write_text(ENTRY)
    config = tmp_path / "audit.yaml"
    config.write_text(f"subject: {entry}\n")
    result = runner.invoke(app, ["run", "--config", str(config), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert result.output.strip().startswith(message)


def test_run_without_domain_or_subject_exits_2(tmp_path):
    result = runner.invoke(app, ["run", "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert result.output.startswith(
        "error: DOMAIN: expected a reference domain, or 'domain' or 'subject' in --config"
    )
