"""The Spark engine: a Spark DataFrame (or files Spark reads) counted where it lies.

The same statements as DuckDB's (:mod:`audit.engines._plan`) run as Spark SQL on a
temporary view; only the cells come back to the driver.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from audit.engines._cells import EXACT_SCORES, HISTOGRAM_BINS, PredictionCells
from audit.engines._plan import Engine, count_cells
from audit.errors import AuditInputError, bad_input

__all__ = ["MISSING_SPARK", "is_spark_frame", "read_spark", "spark_cells", "spark_session"]

MISSING_SPARK = (
    "the Spark engine needs pyspark and Java 17+: pip install 'rai-audit[spark]' "
    "(and a Java runtime, e.g. apt-get install default-jre-headless)"
)


def is_spark_frame(value: Any) -> bool:
    """Whether ``value`` is a pyspark DataFrame (classic or Connect), without importing pyspark.

    Examples
    --------
    >>> is_spark_frame([1, 2])
    False
    """
    module = type(value).__module__ or ""
    return module.startswith("pyspark.") and type(value).__name__ == "DataFrame"


def spark_session() -> Any:
    """The active SparkSession, or a local one (``local[*]``, UI off).

    Raises
    ------
    AuditInputError
        Naming ``rai-audit[spark]`` when pyspark is missing.
    """
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise AuditInputError(f"engine 'spark': expected {MISSING_SPARK}.") from None
    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    return (
        SparkSession.builder.master("local[*]")
        .appName("rai-audit")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "8")
        .getOrCreate()
    )


def read_spark(files: Sequence[str | Path]) -> Any:
    """A Spark DataFrame of CSV or Parquet ``files`` (all of one kind).

    Examples
    --------
    >>> read_spark([])  # doctest: +SKIP
    """
    session = spark_session()
    paths = [str(f) for f in files]
    if paths[0].lower().endswith((".parquet", ".pq")):
        return session.read.parquet(*paths)
    return session.read.csv(paths, header=True, inferSchema=True)


def spark_cells(
    df: Any,
    *,
    y_true: str,
    y_pred: str | None = None,
    y_score: str | None = None,
    threshold: float = 0.5,
    sensitive: Sequence[str],
    positive_label: Any = None,
    exact_scores: int = EXACT_SCORES,
    histogram_bins: int = HISTOGRAM_BINS,
) -> PredictionCells:
    """Count a Spark DataFrame of predictions into cells.

    Parameters
    ----------
    df : pyspark.sql.DataFrame
        One row per decision.
    y_true, y_pred, y_score, threshold, sensitive, positive_label
        As in :func:`audit.audit_predictions`.
    exact_scores, histogram_bins : int
        As in :func:`audit.engines.duckdb_cells`.

    Returns
    -------
    PredictionCells

    Examples
    --------
    >>> spark = spark_session()  # doctest: +SKIP
    >>> rows = [(0, 0.2, "a"), (1, 0.9, "b")]
    >>> df = spark.createDataFrame(rows, ["y", "s", "g"])  # doctest: +SKIP
    >>> spark_cells(df, y_true="y", y_score="s", sensitive=["g"]).n_rows  # doctest: +SKIP
    2
    """
    if not is_spark_frame(df):
        raise bad_input("df", "a pyspark DataFrame", df)
    session = df.sparkSession
    view = f"rai_audit_{uuid.uuid4().hex}"
    df.createOrReplaceTempView(view)

    def run(sql: str) -> pd.DataFrame:
        from pyspark.errors import PySparkException

        try:
            return session.sql(sql).toPandas()
        except PySparkException as error:
            first = str(error).strip().splitlines()[0][:160]
            raise bad_input("df", "a table Spark can aggregate", first) from None

    dtypes = df.dtypes
    engine = Engine(
        name="spark",
        columns=[name for name, _ in dtypes],
        types=[kind.lower() for _, kind in dtypes],
        run=run,
        quote=lambda name: "`" + str(name).replace("`", "``") + "`",
        string_type="STRING",
        table=view,
    )
    try:
        return count_cells(
            engine,
            y_true=y_true,
            y_pred=y_pred,
            y_score=y_score,
            threshold=threshold,
            sensitive=sensitive,
            positive_label=positive_label,
            source="Spark DataFrame",
            exact_scores=exact_scores,
            histogram_bins=histogram_bins,
        )
    finally:
        session.catalog.dropTempView(view)
