"""pandas, DuckDB and Spark give the same results.json on the same data (to 1e-12).

Left out of the comparison, by design: the duplicates the pandas path counts on rows
(the engines keep no rows), the mitigation what-if (rows split at random on the pandas
path, counts split binomially on the engines), timings, hashes and the engine's name.
"""

from __future__ import annotations

import math

import pytest

import audit

ARGS = {"y_true": "y", "y_score": "score", "sensitive": ["sex", "age"]}
CONFIG = {"fairness": {"intervals": True}, "seed": 3}
ENGINE_ONLY = {"tables": {"duplicates", "mitigation"}, "metrics": {"identifiable_duplicate_share"}}


def comparable(result: audit.AuditResult) -> dict:
    """The parts of a result every path must agree on."""
    out = {"verdict": result.verdict, "subject": dict(result.subject, metadata=None)}
    for section in result.sections:
        out[section.id] = {
            "verdict": section.verdict,
            "metrics": {
                m.key: (m.value, m.ci, m.verdict)
                for m in section.metrics
                if m.name not in ENGINE_ONLY["metrics"]
            },
            "tables": {
                t.id: (t.columns, t.rows)
                for t in section.tables
                if t.id not in ENGINE_ONLY["tables"]
            },
            "figures": [f.id for f in section.figures],
        }
    return out


def assert_same(a, b, path="result"):
    if isinstance(a, dict):
        assert a.keys() == b.keys(), path
        for key in a:
            assert_same(a[key], b[key], f"{path}.{key}")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_same(x, y, f"{path}[{i}]")
    elif isinstance(a, float) and isinstance(b, float):
        assert (math.isnan(a) and math.isnan(b)) or abs(a - b) <= 1e-12, f"{path}: {a} != {b}"
    else:
        assert a == b, f"{path}: {a!r} != {b!r}"


@pytest.fixture(scope="module")
def pandas_result(table):
    return audit.audit_predictions(table, **ARGS, config=CONFIG)


def test_duckdb_equals_pandas(table, pandas_result, tmp_path):
    table.to_parquet(tmp_path / "t.parquet")
    result = audit.audit_predictions(str(tmp_path / "t.parquet"), **ARGS, config=CONFIG)
    assert result.manifest["engine"] == "duckdb"
    assert_same(comparable(pandas_result), comparable(result))
    assert "mitigation" in {t.id for t in result.section("fairness").tables}
    result.validate()


def test_spark_equals_pandas_and_duckdb(spark, table, pandas_result):
    frame = spark.createDataFrame(table)
    result = audit.audit_predictions(frame, **ARGS, config=CONFIG)
    assert result.manifest["engine"] == "spark"
    assert_same(comparable(pandas_result), comparable(result))
    duck = audit.audit_predictions(table, **ARGS, config=CONFIG, engine="duckdb")
    mitigation = {s.id: s for s in duck.sections}["fairness"].table("mitigation").rows
    assert_same(mitigation, result.section("fairness").table("mitigation").rows)


def test_spark_names_missing_columns(spark, table):
    frame = spark.createDataFrame(table)
    with pytest.raises(audit.errors.AuditInputError) as info:
        audit.audit_predictions(frame, y_true="target", y_score="score", sensitive=["sex"])
    assert "column 'target' (y_true): expected a column of the table" in str(info.value)
