import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import audit
import audit.checks
from audit.cli import app

runner = CliRunner()
BIN = Path(sys.executable).parent


def _config(tmp_path: Path, text: str = "", *, epochs: int = 4) -> Path:
    path = tmp_path / "audit.yaml"
    path.write_text(f"training:\n  epochs: {epochs}\n" + text)
    return path


def test_domains_lists_credit_on_one_line():
    result = runner.invoke(app, ["domains"])
    assert result.exit_code == 0
    lines = result.output.strip().splitlines()
    names = [line.split()[0] for line in lines]
    assert names == [spec.name for spec in audit.list_domains()]
    credit = lines[names.index("credit")]
    assert credit.split()[1] == "tabular" and "German credit" in credit and "overfit" in credit


def test_checks_lists_the_registry_one_line_each():
    result = runner.invoke(app, ["checks"])
    assert result.exit_code == 0
    lines = result.output.strip().splitlines()
    checks = audit.checks.list_checks()
    assert [line.split()[0] for line in lines] == [check.name for check in checks]
    fairness = lines[[c.name for c in checks].index("fairness")]
    assert "Fairness:" in fairness and "min_group_size" in fairness


def test_run_writes_report_and_prints_its_path(tmp_path, monkeypatch):
    from audit.cli import _run

    # progress shows after 2 s of a check, at most once a second; here, every step
    monkeypatch.setattr(_run, "PROGRESS_AFTER_S", 0.0)
    monkeypatch.setattr(_run, "PROGRESS_EVERY_S", 0.0)
    out = tmp_path / "out"
    result = runner.invoke(
        app, ["run", "credit", "--out", str(out), "--config", str(_config(tmp_path))]
    )
    assert result.exit_code == 0, result.output
    assert (out / "report.html").is_file() and (out / "results.json").is_file()
    assert str(out / "report.html") in result.stdout
    assert "check performance" in result.output and "check fairness" in result.output
    assert "trained credit: 4 epochs" in result.output
    # a progress line per step of the long loops, counted
    shadows = re.findall(r"… privacy: shadow (\d+)/(\d+)", result.output)
    total = int(shadows[0][1])
    assert shadows == [(str(i), str(total)) for i in range(1, total + 1)] and total >= 2
    assert re.search(r"… explainability: attributions: \S.* 1/\d+", result.output)
    data = json.loads((out / "results.json").read_text())
    assert data["manifest"]["config"]["training"]["epochs"] == 4
    assert {"train", "build", "data", "performance", "fairness"} <= set(
        data["manifest"]["runtime"]["stages"]
    )


def test_gate_exit_codes(tmp_path):
    strict = _config(tmp_path, "policy:\n  thresholds:\n    test_accuracy: {fail: 0.999}\n")
    args = ["run", "credit", "--out", str(tmp_path / "o"), "--config", str(strict)]
    assert runner.invoke(app, [*args, "--fail-on", "fail"]).exit_code == 1
    assert runner.invoke(app, [*args, "--fail-on", "never"]).exit_code == 0
    assert runner.invoke(app, args).exit_code == 0  # no gate by default


def test_lenient_policy_passes_a_warn_gate(tmp_path):
    from audit.policy import DEFAULT_THRESHOLDS

    def lenient(t):
        if t.band is not None:
            return "{band: [0.0, 1000000.0]}"
        limit = -1.0 if t.higher_is_better else 1000000.0
        return f"{{warn: {limit}, fail: {limit}}}"

    lines = "".join(f"    {name}: {lenient(t)}\n" for name, t in DEFAULT_THRESHOLDS.items())
    # enough epochs for a model that predicts both classes: no metric is undefined
    config = _config(tmp_path, "policy:\n  thresholds:\n" + lines, epochs=25)
    result = runner.invoke(
        app,
        [
            "run",
            "credit",
            "--out",
            str(tmp_path / "o"),
            "--config",
            str(config),
            "--fail-on",
            "warn",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Overall verdict: PASS" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["run", "mortgage", "--out", "x"],
            f"error: domain: expected one of {sorted(s.name for s in audit.list_domains())}, got 'mortgage'.",
        ),
        (
            ["run", "credit", "--out", "x", "--config", "/no/such.yaml"],
            "error: config: cannot read",
        ),
        (
            ["run", "credit", "--out", "x", "--dp", "--epsilon", "-1"],
            "error: config: privacy.epsilon: Input should be greater than 0 (got -1.0)",
        ),
        (
            ["run", "credit", "--out", "x", "--dp", "--delta", "2"],
            "error: config: privacy.delta: Input should be less than 1 (got 2.0)",
        ),
    ],
)
def test_bad_input_exits_2_with_one_line(args, message):
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert result.output.strip().startswith(message)
    assert len(result.output.strip().splitlines()) == 1
    assert "Traceback" not in result.output


def test_bad_config_key_exits_2_naming_the_key(tmp_path):
    config = _config(tmp_path, "fairness:\n  min_group_sise: 3\n")
    result = runner.invoke(app, ["run", "credit", "--out", str(tmp_path), "--config", str(config)])
    assert result.exit_code == 2
    assert "error: config: fairness.min_group_sise: Extra inputs are not permitted" in result.output


def test_usage_errors_exit_2():
    assert runner.invoke(app, ["run", "credit"]).exit_code == 2  # --out missing
    assert (
        runner.invoke(app, ["run", "credit", "--out", "x", "--fail-on", "sometimes"]).exit_code == 2
    )
    assert runner.invoke(app, ["run", "credit", "--out", "x", "--seed", "-1"]).exit_code == 2


def test_console_script_is_installed_and_runs():
    done = subprocess.run(
        [str(BIN / "rai-audit"), "domains"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0 and "\ncredit " in done.stdout
    bad = subprocess.run(
        [str(BIN / "rai-audit"), "run", "nowhere", "--out", "x"],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert bad.returncode == 2
    assert (
        bad.stderr.strip()
        == f"error: domain: expected one of {sorted(s.name for s in audit.list_domains())}, got 'nowhere'."
    )


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (
            ["predictions", "in.csv", "--y-true", "y", "--out", "o"],
            "error: Missing option '--sensitive'. (see 'rai-audit predictions --help')",
        ),
        (
            ["run", "credit", "--out", "o", "--fail-on", "sometimes"],
            "error: Invalid value for '--fail-on': Value error, 'sometimes' is not one of "
            "'never', 'warn', 'fail'. (see 'rai-audit run --help')",
        ),
        (
            ["run", "credit", "--out", "o", "--seed", "-1"],
            "error: config: seed: Input should be greater than or equal to 0 (got -1)",
        ),
    ],
)
def test_usage_errors_are_one_line_with_exit_2(args, line, tmp_path):
    done = subprocess.run(
        [str(BIN / "rai-audit"), *args], capture_output=True, text=True, check=False, cwd=tmp_path
    )
    assert done.returncode == 2
    assert done.stderr.strip() == line
    assert done.stdout == ""


def test_progress_lines_wait_for_a_slow_check(monkeypatch):
    from audit.cli import _run

    clock = iter([0.0, 0.5, 2.5, 2.6, 4.0, 5.0, 6.0])  # a check starts, four steps; two more
    monkeypatch.setattr(_run.time, "perf_counter", lambda: next(clock))
    lines = []
    monkeypatch.setattr(_run.console, "print", lambda text, **_: lines.append(text))
    stage_lines = _run.StageLines.__new__(_run.StageLines)
    stage_lines.printed = -float("inf")
    stage_lines.on_stage("privacy", "start", None)
    for step in range(1, 5):
        stage_lines.on_progress("privacy", "shadow", step, 4)
    # progress is announced before each step: at step 2, one step took 2.5 s, three remain
    assert lines == [
        "… check privacy",
        "  … privacy: shadow 2/4, about 8 s left",
        "  … privacy: shadow 4/4, about 1 s left",
    ]
    lines.clear()
    stage_lines.on_stage("explainability", "start", 42.4)
    stage_lines.on_stage("data", "start", 2.0)  # short estimates are not shown
    assert lines == ["… check explainability (estimated 42 s)", "… check data"]
