"""The DuckDB engine: CSV and Parquet files (or globs of them) counted out of core.

DuckDB streams the files and aggregates them with its own threads and spilling, so a
table larger than memory is counted without being loaded; an in-memory pandas
DataFrame can be counted the same way.
"""

from __future__ import annotations

import csv
import glob
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from audit.engines._cells import EXACT_SCORES, HISTOGRAM_BINS, PredictionCells
from audit.engines._plan import Engine, count_cells
from audit.errors import bad_input, clip

__all__ = ["duckdb_cells", "resolve_files"]

PARQUET = (".parquet", ".pq")
CSV = (".csv", ".csv.gz", ".tsv", ".txt")


def resolve_files(source: str | Path | Sequence[str | Path]) -> list[str]:
    """The files named by ``source``: paths or globs, each matching at least one file.

    Raises
    ------
    AuditInputError
        Naming the path or glob that matches nothing, or a file that is not CSV or
        Parquet, or a mix of the two.

    Examples
    --------
    >>> resolve_files("/nonexistent/*.parquet")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    audit.errors.AuditInputError: FILE: expected CSV or Parquet files, got '/nonexistent/...
    """
    items = [source] if isinstance(source, (str, Path)) else list(source)
    files: list[str] = []
    for item in items:
        text = str(item)
        found = sorted(glob.glob(text)) if glob.has_magic(text) else [text]
        found = [f for f in found if Path(f).is_file()]
        if not found:
            raise bad_input(
                "FILE", "CSV or Parquet files", f"{clip(repr(text))}, which matches no file"
            )
        files += found
    kinds = {_kind(f) for f in files}
    if None in kinds:
        bad = next(f for f in files if _kind(f) is None)
        raise bad_input("FILE", "files ending in .csv or .parquet", clip(repr(bad)))
    if len(kinds) > 1:
        raise bad_input("FILE", "files of one kind (all CSV or all Parquet)", "both")
    return files


def _kind(path: str) -> str | None:
    lower = path.lower()
    if lower.endswith(PARQUET):
        return "parquet"
    if lower.endswith(CSV):
        return "csv"
    return None


def duckdb_cells(
    source: pd.DataFrame | str | Path | Sequence[str | Path],
    *,
    y_true: str,
    y_pred: str | None = None,
    y_score: str | None = None,
    threshold: float = 0.5,
    sensitive: Sequence[str],
    positive_label: Any = None,
    threads: int | None = None,
    memory_limit: str | None = None,
    exact_scores: int = EXACT_SCORES,
    histogram_bins: int = HISTOGRAM_BINS,
) -> PredictionCells:
    """Count a prediction table into cells with DuckDB.

    Parameters
    ----------
    source : DataFrame, path, glob or list of them
        CSV or Parquet files (``"preds/*.parquet"``), or a pandas DataFrame.
    y_true, y_pred, y_score, threshold, sensitive, positive_label
        As in :func:`audit.audit_predictions`.
    threads, memory_limit : optional
        DuckDB's ``threads`` and ``memory_limit`` settings (default: DuckDB's).
    exact_scores, histogram_bins : int
        Keep scores exactly up to this many distinct values, else bin them into
        ``histogram_bins`` equal bins (see :data:`~audit.engines._cells.HISTOGRAM_BINS`).

    Returns
    -------
    PredictionCells

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"y": [0, 1, 1, 0], "s": [0.2, 0.9, 0.4, 0.1], "g": list("abab")})
    >>> cells = duckdb_cells(df, y_true="y", y_score="s", sensitive=["g"])
    >>> cells.n_rows, int(cells.counts().sum()), cells.exact_scores
    (4, 4, True)
    """
    import duckdb

    con = duckdb.connect()
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    if memory_limit:
        con.execute(f"SET memory_limit = '{memory_limit}'")
    con.execute("SET preserve_insertion_order = false")
    con.execute("SET enable_progress_bar = false")  # stdout carries only the report's path
    if isinstance(source, pd.DataFrame):
        if len(source) == 0:
            raise bad_input("df", "a non-empty pandas DataFrame", source)
        frame = source.copy(deep=False)
        frame.columns = [str(c) for c in frame.columns]
        con.register("src", frame)
        where = "DataFrame"
    else:
        files = resolve_files(source)
        _empty_files(files)
        listed = "[" + ", ".join("'" + f.replace("'", "''") + "'" for f in files) + "]"
        if _kind(files[0]) == "parquet":
            relation = f"read_parquet({listed})"
        else:
            _unique_headers(files)
            relation = f"read_csv({listed}, header = true)"
        try:
            con.execute(f"CREATE VIEW src AS SELECT * FROM {relation}")
        except duckdb.Error as error:
            reason = clip(str(error).splitlines()[0], 160)
            raise bad_input("FILE", "readable CSV or Parquet files", reason) from None
        where = files[0] if len(files) == 1 else f"{len(files)} files"
    described = con.execute("DESCRIBE src").fetchall()
    engine = Engine(
        name="duckdb",
        columns=[row[0] for row in described],
        types=[str(row[1]).lower() for row in described],
        run=lambda sql: _run(con, sql),
        quote=lambda name: '"' + str(name).replace('"', '""') + '"',
        string_type="VARCHAR",
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
            source=str(where),
            exact_scores=exact_scores,
            histogram_bins=histogram_bins,
        )
    finally:
        con.close()


def _run(con: Any, sql: str) -> pd.DataFrame:
    import duckdb

    try:
        return con.execute(sql).df()
    except duckdb.ConversionException as error:  # e.g. a CSV value that does not parse
        reason = clip(str(error).splitlines()[0], 160)
        raise bad_input("FILE", "values that parse as their column's type", reason) from None


def _empty_files(files: list[str]) -> None:
    for path in files:
        if Path(path).stat().st_size == 0:
            raise bad_input("FILE", "a non-empty CSV or Parquet file", f"{clip(repr(path))}, empty")


def _unique_headers(files: list[str]) -> None:
    """Refuse a CSV header that repeats a name (DuckDB would rename the second)."""
    for path in files:
        with open(path, newline="", encoding="utf-8", errors="replace") as handle:
            header = next(csv.reader(handle), [])
        seen, twice = set(), []
        for name in header:
            if name in seen:
                twice.append(name)
            seen.add(name)
        if twice:
            names = clip(", ".join(repr(name) for name in twice))
            raise bad_input("FILE", "unique column names in the header", f"{names} more than once")
