"""The predictions mode: any system's predictions from a table or a CSV file."""

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import audit
from audit.cli import app
from audit.errors import AuditInputError

runner = CliRunner()


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    n = 1200
    sex = rng.choice(["f", "m"], n)
    y = (rng.random(n) < 0.5).astype(int)
    score = np.clip(0.25 + 0.4 * y + 0.15 * (sex == "m") + rng.normal(0, 0.15, n), 0, 1)
    return pd.DataFrame(
        {
            "label": np.where(y == 1, "good", "bad"),
            "y": y,
            "score": score.round(4),
            "decision": (score >= 0.5).astype(int),
            "sex": sex,
            "age": rng.integers(18, 80, n),
            "income": np.where(rng.random(n) < 0.05, np.nan, rng.normal(50, 10, n)),
        }
    )


def test_library_audits_scores_with_all_three_sections(table):
    result = audit.audit_predictions(
        table,
        y_true="y",
        y_score="score",
        sensitive=["sex", "age"],
        config={"fairness": {"intervals": True}},
    )
    assert [s.id for s in result.sections] == ["data", "performance", "fairness"]
    y, pred = table["y"].to_numpy(), (table["score"] >= 0.5).astype(int).to_numpy()
    perf = result.section("performance")
    assert perf.metric("test_accuracy").value == pytest.approx(np.mean(y == pred))
    from sklearn.metrics import roc_auc_score

    assert perf.metric("test_roc_auc").value == pytest.approx(roc_auc_score(y, table["score"]))
    (reliability,) = [f for f in perf.figures if f.id == "reliability"]  # ECE has its diagram
    assert f"ECE {perf.metric('ece').value:.3f}" in reliability.alt
    fairness = result.section("fairness")
    f_rate = pred[table["sex"] == "f"].mean()
    rows = {(r[0], r[1]): r for r in fairness.table("by_group").rows}
    assert rows[("sex", "f")][4] == pytest.approx(f_rate)  # selection_rate column
    assert {r[0] for r in fairness.table("by_group").rows} == {"sex", "age", "sex & age"}
    data = result.section("data")
    assert data.metric("max_missing_share").value == pytest.approx(table["income"].isna().mean())
    assert "mitigation" in {t.id for t in fairness.tables}


def test_positive_label_and_predicted_labels(table):
    frame = table.assign(pred_label=np.where(table["decision"] == 1, "good", "bad"))
    result = audit.audit_predictions(
        frame,
        y_true="label",
        y_pred="pred_label",
        sensitive=["sex"],
        positive_label="good",
        config={"fairness": {"intervals": False}},
    )
    expected = np.mean(frame["label"] == frame["pred_label"])
    assert result.section("performance").metric("test_accuracy").value == pytest.approx(expected)
    assert "No scores" in " ".join(result.section("performance").notes)


def test_threshold_on_scores(table):
    result = audit.audit_predictions(
        table,
        y_true="y",
        y_score="score",
        threshold=0.7,
        sensitive=["sex"],
        config={"checks": ["performance"]},
    )
    expected = np.mean(table["y"] == (table["score"] >= 0.7))
    assert result.section("performance").metric("test_accuracy").value == pytest.approx(expected)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"y_true": "target", "y_score": "score", "sensitive": ["sex"]},
            "column 'target' (y_true): expected a column of the table",
        ),
        (
            {"y_true": "y", "y_score": "score", "sensitive": ["gender"]},
            "column 'gender' (sensitive): expected a column of the table",
        ),
        (
            {"y_true": "label", "y_score": "score", "sensitive": ["sex"]},
            "column 'label': expected binary labels 0/1 (or pass --positive-label), got values ['bad', 'good'].",
        ),
        (
            {"y_true": "y", "y_score": "income", "sensitive": ["sex"]},
            "column 'income': expected no missing values, got",
        ),
        (
            {"y_true": "y", "y_score": "age", "sensitive": ["sex"]},
            "column 'age': expected scores in [0, 1]",
        ),
        ({"y_true": "y", "sensitive": ["sex"]}, "y_pred / y_score: expected at least one column"),
        (
            {"y_true": "y", "y_score": "score", "sensitive": []},
            "sensitive: expected at least one sensitive column",
        ),
        (
            {
                "y_true": "label",
                "y_score": "score",
                "sensitive": ["sex"],
                "positive_label": "great",
            },
            "column 'label': expected the positive label 'great' among its values",
        ),
    ],
)
def test_bad_input_names_the_column(table, kwargs, message):
    with pytest.raises(AuditInputError) as info:
        audit.audit_predictions(table, **kwargs)
    assert message in str(info.value)


@pytest.fixture(scope="module")
def csv_file(table, tmp_path_factory):
    path = tmp_path_factory.mktemp("csv") / "decisions.csv"
    table.to_csv(path, index=False)
    return path


def test_cli_writes_report_and_results(csv_file, tmp_path):
    result = runner.invoke(
        app,
        [
            "predictions",
            str(csv_file),
            "--y-true",
            "label",
            "--y-score",
            "score",
            "--positive-label",
            "good",
            "--sensitive",
            "sex",
            "--sensitive",
            "age",
            "--out",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "report.html").is_file()
    saved = audit.AuditResult.load(tmp_path / "results.json")
    assert saved.section("fairness").table("by_group").columns[:3] == [
        "sensitive_feature",
        "group",
        "count",
    ]
    assert saved.subject["modality"] == "predictions"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--y-true", "nope", "--y-score", "score", "--sensitive", "sex"],
            "error: column 'nope' (y_true): expected a column of the table",
        ),
        (
            ["--y-true", "label", "--y-score", "score", "--sensitive", "sex"],
            "error: column 'label': expected binary labels 0/1 (or pass --positive-label)",
        ),
        (
            ["--y-true", "y", "--y-score", "income", "--sensitive", "sex"],
            "error: column 'income': expected no missing values",
        ),
    ],
)
def test_cli_bad_input_exits_2_with_one_line(csv_file, tmp_path, args, message):
    result = runner.invoke(app, ["predictions", str(csv_file), *args, "--out", str(tmp_path)])
    assert result.exit_code == 2
    lines = [line for line in result.output.strip().splitlines() if not line.startswith("✓")]
    assert len(lines) == 1 and lines[0].startswith(message)
    assert not (tmp_path / "report.html").exists()


def test_cli_unreadable_file_exits_2(tmp_path):
    binary = tmp_path / "bad.csv"
    binary.write_bytes(b"\xff\xfe\x00garbage\x00\x00")
    for path in (tmp_path / "missing.csv", binary):
        result = runner.invoke(
            app,
            [
                "predictions",
                str(path),
                "--y-true",
                "y",
                "--y-score",
                "s",
                "--sensitive",
                "g",
                "--out",
                str(tmp_path),
            ],
        )
        assert result.exit_code == 2
        assert result.output.strip().startswith("error: FILE: expected ")
        assert len(result.output.strip().splitlines()) == 1


def test_checks_that_need_a_model_are_refused_by_name(table):
    with pytest.raises(AuditInputError) as info:
        audit.audit_predictions(
            table,
            y_true="y",
            y_score="score",
            sensitive=["sex"],
            config={"checks": ["performance", "explainability"]},
        )
    assert str(info.value) == (
        "checks: expected names from ['data', 'performance', 'fairness'] for predictions, "
        "got ['explainability']."
    )
