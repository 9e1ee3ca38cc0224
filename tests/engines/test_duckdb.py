"""The DuckDB engine: files and globs counted into cells; pandas' numbers; clear errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

import audit
from audit.engines import duckdb_cells
from audit.engines._cells import COUNT, weighted_quantiles
from audit.engines._performance import histogram_auc
from audit.errors import AuditInputError

ARGS = {"y_true": "y", "y_score": "score", "sensitive": ["sex", "age"]}


def _write(path, text: str) -> str:
    path.write_text(text)
    return str(path)


def test_cells_count_every_row_once(table):
    cells = duckdb_cells(table, **ARGS)
    assert cells.n_rows == len(table) == int(cells.cells[COUNT].sum())
    assert cells.exact_scores
    assert cells.missing == {
        "decision": 0,
        "sex": 0,
        "age": 0,
        "income": int(table["income"].isna().sum()),
    }
    by_sex = cells.cells.groupby("sex")[COUNT].sum().to_dict()
    assert by_sex == table["sex"].value_counts().to_dict()


def test_weighted_quantiles_equal_numpy_on_the_rows():
    rng = np.random.default_rng(1)
    values, counts = rng.integers(0, 50, 30).astype(float), rng.integers(1, 9, 30)
    q = np.linspace(0, 1, 7)
    expected = np.quantile(np.repeat(values, counts), q)
    np.testing.assert_array_equal(weighted_quantiles(values, counts, q), expected)


def test_histogram_auc_within_1e4_of_sklearn():
    """Continuous scores forced into the histogram: AUC within 1e-4 of the exact value."""
    rng = np.random.default_rng(2)
    n = 40_000
    y = (rng.random(n) < 0.3).astype(np.int64)
    score = 1 / (1 + np.exp(-(rng.normal(0, 1, n) + 1.2 * y)))
    frame = pd.DataFrame({"y": y, "score": score, "g": rng.choice(["a", "b"], n)})
    cells = duckdb_cells(frame, y_true="y", y_score="score", sensitive=["g"], exact_scores=0)
    assert not cells.exact_scores
    error = abs(histogram_auc(cells) - roc_auc_score(y, score))
    assert error < 1e-4
    exact = duckdb_cells(frame, y_true="y", y_score="score", sensitive=["g"])
    assert exact.exact_scores
    assert histogram_auc(exact) == pytest.approx(roc_auc_score(y, score), abs=1e-12)


def test_parquet_glob_and_csv_give_the_same_cells(table, tmp_path):
    table.iloc[:700].to_parquet(tmp_path / "part-0.parquet")
    table.iloc[700:].to_parquet(tmp_path / "part-1.parquet")
    table.to_csv(tmp_path / "all.csv", index=False)
    from_glob = duckdb_cells(str(tmp_path / "part-*.parquet"), **ARGS)
    from_csv = duckdb_cells(tmp_path / "all.csv", **ARGS)
    from_frame = duckdb_cells(table, **ARGS)
    assert from_glob.sha256() == from_csv.sha256() == from_frame.sha256()
    assert from_glob.source == "2 files"


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: str(p / "nothing-*.parquet"), "FILE: expected CSV or Parquet files, got"),
        (lambda p: _write(p / "empty.csv", ""), "FILE: expected a non-empty CSV or Parquet"),
        (lambda p: _write(p / "a.json", "{}"), "FILE: expected files ending in .csv or .parquet"),
    ],
)
def test_bad_files_are_named(tmp_path, make, message):
    with pytest.raises(AuditInputError) as info:
        duckdb_cells(make(tmp_path), **ARGS)
    assert message in str(info.value)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"y_true": "target"}, "column 'target' (y_true): expected a column of the table"),
        ({"sensitive": ["gender"]}, "column 'gender' (sensitive): expected a column of the table"),
        ({"y_score": "income"}, "column 'income': expected no missing values, got 61 missing"),
        ({"y_score": "age"}, "column 'age': expected scores in [0, 1], got values from 18.0 to"),
        ({"y_true": "sex"}, "column 'sex': expected binary labels 0/1 (or pass --positive-label)"),
        ({"positive_label": "7"}, "column 'y': expected the positive label '7' among its values"),
    ],
)
def test_bad_columns_are_named(table, kwargs, message):
    with pytest.raises(AuditInputError) as info:
        duckdb_cells(table, **{**ARGS, **kwargs})
    assert message in str(info.value)


def test_cli_counts_parquet_with_duckdb(table, tmp_path):
    from typer.testing import CliRunner

    from audit.cli import app

    table.to_parquet(tmp_path / "preds.parquet")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app,
        [
            "predictions",
            str(tmp_path / "*.parquet"),
            "--y-true",
            "y",
            "--y-score",
            "score",
            "--sensitive",
            "sex",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    saved = audit.AuditResult.load(out / "results.json")
    saved.validate()
    assert saved.manifest["engine"] == "duckdb"
    expected = roc_auc_score(table["y"], table["score"])
    assert saved.section("performance").metric("test_roc_auc").value == pytest.approx(
        expected, abs=1e-12
    )
