"""Engines that count prediction tables where they lie: DuckDB (default) and Spark.

An engine reads the table (CSV or Parquet files, a Spark DataFrame) and returns
:class:`PredictionCells`, one row per (sensitive values, label, decision, score bin)
with its count; the sections are then computed from the cells, at a cost that does not
grow with the number of rows. See ``docs/engines.md``.
"""

from audit.engines._audit import audit_cells
from audit.engines._cells import EXACT_SCORES, HISTOGRAM_BINS, PredictionCells
from audit.engines._duckdb import duckdb_cells, resolve_files
from audit.engines._spark import spark_cells

__all__ = [
    "ENGINES",
    "EXACT_SCORES",
    "HISTOGRAM_BINS",
    "PredictionCells",
    "audit_cells",
    "duckdb_cells",
    "resolve_files",
    "spark_cells",
]

#: The engines of ``rai-audit predictions --engine``.
ENGINES = ("pandas", "duckdb", "spark")
