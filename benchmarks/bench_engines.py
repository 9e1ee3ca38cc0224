"""Benchmark of the engines: DuckDB on N rows of Parquet, Spark local on fewer, side by side.

1. Generates N rows of Parquet (label, score, sex, age) with DuckDB itself, streamed to
   disk (never in pandas), once per N (kept in ``--data``).
2. ``audit_predictions(path)`` with the DuckDB engine, fairness intervals and mitigation
   on, ``performance.n_bootstrap = 1000``: wall time and peak RSS of a fresh process.
3. The same with Spark (``local[*]``) on ``--spark-rows`` rows.
4. The histogram AUC against the exact one (``--check-auc``: exact AUC by DuckDB's sort).

Targets of issue 19: 100,000,000 rows in <= 60 s and <= 2 GB peak on 2 cores.

Usage: ``.venv/bin/python benchmarks/bench_engines.py [--rows 10000000] [--spark-rows 1000000]``
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHILD = r"""
import json, resource, sys, time
path, engine = sys.argv[1], sys.argv[2]
t0 = time.perf_counter()
import audit
config = {"fairness": {"intervals": True, "mitigation": True},
          "performance": {"n_bootstrap": 1000}, "seed": 0}
result = audit.audit_predictions(path, y_true="y", y_score="score", sensitive=["sex", "age"],
                                 config=config, engine=engine)
seconds = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
auc = result.section("performance").metric("test_roc_auc").value
stages = {k: round(v["seconds"], 2) for k, v in result.manifest["runtime"]["stages"].items()}
print(json.dumps({"seconds": seconds, "peak_rss_mb": peak,
                  "auc": auc, "rows": result.subject["n_test"], "stages": stages}))
"""

GENERATE = """
COPY (
  SELECT y, least(greatest(0.3 + 0.35 * y + 0.1 * male + 0.2 * z, 0.0), 1.0) AS score,
         CASE WHEN male = 1 THEN 'male' ELSE 'female' END AS sex, age
  FROM (
    SELECT CAST(random() < 0.6 AS INTEGER) AS y, CAST(random() < 0.6 AS INTEGER) AS male,
           sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()) AS z,
           18 + CAST(floor(random() * 72) AS INTEGER) AS age
    FROM range({rows})
  )
) TO '{path}' (FORMAT parquet, ROW_GROUP_SIZE 1000000)
"""


def generate(rows: int, folder: Path) -> Path:
    """N rows of Parquet written by DuckDB (seeded), streamed; reused when present."""
    import duckdb

    path = folder / f"predictions_{rows}.parquet"
    if not path.exists():
        con = duckdb.connect()
        con.execute("SELECT setseed(0.42)")
        con.execute("SET preserve_insertion_order = false")
        t0 = time.perf_counter()
        con.execute(GENERATE.format(rows=rows, path=path))
        print(f"generated {rows:,} rows in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return path


def child(path: Path, engine: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), engine],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        return {"error": done.stderr.strip().splitlines()[-1:]}
    return json.loads(done.stdout[done.stdout.rindex('{"seconds"') :].strip())


def exact_auc(path: Path) -> float:
    """The exact ROC AUC (Mann–Whitney with average ranks) computed by DuckDB."""
    import duckdb

    sql = f"""
      WITH r AS (SELECT y, rank() OVER (ORDER BY score) AS lo,
                        count(*) OVER (PARTITION BY score) AS ties FROM '{path}')
      SELECT (sum(CASE WHEN y = 1 THEN lo + (ties - 1) / 2.0 ELSE 0 END)
              - count_if(y = 1) * (count_if(y = 1) + 1) / 2.0)
             / (count_if(y = 1) * count_if(y = 0)) FROM r
    """
    return float(duckdb.connect().execute(sql).fetchone()[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--spark-rows", type=int, default=1_000_000)
    parser.add_argument("--data", type=Path, default=None, help="folder for the Parquet files")
    parser.add_argument("--check-auc", action="store_true", help="exact AUC by DuckDB's sort")
    parser.add_argument("--no-spark", action="store_true")
    args = parser.parse_args()
    folder = args.data or Path(tempfile.gettempdir()) / "rai-audit-bench"
    folder.mkdir(parents=True, exist_ok=True)
    path = generate(args.rows, folder)
    report = {"rows": args.rows, "cpus": os.cpu_count(), "file_mb": path.stat().st_size >> 20}
    report["duckdb"] = child(path, "duckdb")
    if args.check_auc and "auc" in report["duckdb"]:
        exact = exact_auc(path)
        report["duckdb"]["auc_exact"] = exact
        report["duckdb"]["auc_error"] = abs(report["duckdb"]["auc"] - exact)
    if not args.no_spark:
        small = generate(args.spark_rows, folder)
        report["spark"] = {"rows": args.spark_rows, **child(small, "spark")}
    report["targets"] = {"rows": 100_000_000, "seconds": 60, "peak_rss_mb": 2048}
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
