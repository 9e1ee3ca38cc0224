"""The queries that count a prediction table into cells, for any SQL engine.

DuckDB and Spark run the same statements (only quoting and type names differ): one
scan validates the columns and profiles the table, one counts the cells, one builds
the score histogram. :func:`count_cells` drives them through an :class:`Engine`.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from audit.engines._cells import (
    BIN,
    COARSE_BINS,
    COUNT,
    DECISION,
    EXACT_SCORES,
    HISTOGRAM_BINS,
    KEY,
    LABEL,
    TOTAL,
    PredictionCells,
)
from audit.errors import bad_input, clip, describe

__all__ = ["Engine", "count_cells"]

#: Distinct label values fetched to judge a label column (and to show in an error).
SHOWN_VALUES = 1_000


@dataclass
class Engine:
    """What :func:`count_cells` needs from an engine: the table's columns and their types
    (lower case), a way to run a query into pandas, how to quote a name, and the name of
    the string type."""

    name: str
    columns: list[str]
    types: list[str]
    run: Callable[[str], pd.DataFrame]
    quote: Callable[[str], str]
    string_type: str
    table: str = "src"


def count_cells(
    engine: Engine,
    *,
    y_true: str,
    y_pred: str | None,
    y_score: str | None,
    threshold: float,
    sensitive: Sequence[str],
    positive_label: Any,
    exact_scores: int = EXACT_SCORES,
    histogram_bins: int = HISTOGRAM_BINS,
    source: str = "",
) -> PredictionCells:
    """Validate the columns and count the table into :class:`PredictionCells`.

    Errors name the column and say what was expected, as the pandas path does.
    """
    q, types = engine.quote, dict(zip(engine.columns, engine.types, strict=True))
    _check_columns(engine, y_true, y_pred, y_score, sensitive)
    used = [c for c in (y_true, y_pred, y_score) if c is not None]
    features = [c for c in engine.columns if c not in used]
    numeric_score = y_score is not None and _is_numeric(types[y_score])
    parts = ["count(*) AS n"]
    for column in engine.columns:
        nan = f" + count_if(isnan({q(column)}))" if _is_float(types[column]) else ""
        parts.append(f"count(*) - count({q(column)}){nan} AS {q('missing:' + column)}")
    if y_score is not None and numeric_score:
        score = f"CAST({q(y_score)} AS DOUBLE)"
        parts += [
            f"min({score}) AS smin",
            f"max({score}) AS smax",
            f"approx_count_distinct({score}) AS sdistinct",
        ]
    profile = engine.run(f"SELECT {', '.join(parts)} FROM {engine.table}").iloc[0]
    n_rows = int(profile["n"])
    if n_rows == 0:
        raise bad_input("df", "a non-empty table", "0 rows")
    missing = {c: int(profile["missing:" + c]) for c in engine.columns}
    for column in [y_true, y_pred, y_score, *sensitive]:
        if column is not None and missing[column]:
            raise bad_input(_column(column), "no missing values", f"{missing[column]} missing")
    if y_score is not None:
        if not numeric_score:
            raise bad_input(
                _column(y_score), "numeric scores in [0, 1]", f"{types[y_score]} values"
            )
        low, high = float(profile["smin"]), float(profile["smax"])
        if low < 0 or high > 1:
            raise bad_input(
                _column(y_score),
                "scores in [0, 1]",
                f"values from {describe(low)} to {describe(high)}",
            )
    label = _binary(engine, y_true, positive_label)
    if y_pred is not None:
        decision = _binary(engine, y_pred, positive_label)
    else:
        if not (_is_number(threshold) and 0.0 < threshold < 1.0):
            raise bad_input("threshold", "a number in (0, 1)", describe(threshold))
        decision = (
            f"CASE WHEN CAST({q(y_score)} AS DOUBLE) >= {float(threshold)!r} THEN 1 ELSE 0 END"
        )
    score = f"CAST({q(y_score)} AS DOUBLE)" if y_score is not None else "0.0"
    coarse = f"greatest(CAST(ceil({score} * {COARSE_BINS}) AS BIGINT) - 1, 0)"
    if y_score is None:
        coarse = "0"
    keys = ", ".join(q(c) for c in sensitive)
    inner = (
        f"SELECT {keys}, {label} AS {LABEL}, {decision} AS {DECISION}, {coarse} AS {BIN}, "
        f"{score} AS s FROM {engine.table}"
    )
    group = ", ".join([*(q(c) for c in sensitive), LABEL, DECISION, BIN])
    cells = engine.run(
        f"SELECT {group}, count(*) AS {COUNT}, sum(s) AS {TOTAL} FROM ({inner}) t GROUP BY {group}"
    )
    order = [*sensitive, LABEL, DECISION, BIN]  # one order whatever the engine returned
    cells = cells.sort_values(order, kind="stable").reset_index(drop=True)
    exact = True
    histogram = pd.DataFrame({LABEL: [], KEY: [], COUNT: [], TOTAL: []})
    if y_score is not None:
        exact = int(profile["sdistinct"]) <= exact_scores
        key = (
            score if exact else f"greatest(CAST(ceil({score} * {histogram_bins}) AS BIGINT) - 1, 0)"
        )
        histogram = engine.run(
            f"SELECT {LABEL}, {KEY}, count(*) AS {COUNT}, sum(s) AS {TOTAL} FROM "
            f"(SELECT {label} AS {LABEL}, {key} AS {KEY}, {score} AS s FROM {engine.table}) t "
            f"GROUP BY {LABEL}, {KEY}"
        )
        histogram = histogram.sort_values([KEY, LABEL], kind="stable").reset_index(drop=True)
    for column in (LABEL, DECISION, BIN, COUNT):
        cells[column] = cells[column].astype("int64")
    return PredictionCells(
        cells=cells,
        histogram=histogram,
        sensitive=list(sensitive),
        features=features,
        missing={c: missing[c] for c in features},
        n_rows=n_rows,
        has_scores=y_score is not None,
        exact_scores=exact,
        engine=engine.name,
        source=source,
    )


def _check_columns(engine, y_true, y_pred, y_score, sensitive) -> None:
    reserved = [c for c in engine.columns if c.startswith("__")]
    if reserved:
        raise bad_input("df", "no column name starting with '__' (reserved)", reserved[:3])
    if y_pred is None and y_score is None:
        raise bad_input(
            "y_pred / y_score", "at least one column of predictions or scores", "neither"
        )
    if not sensitive:
        raise bad_input("sensitive", "at least one sensitive column", "none")
    for argument, column in [("y_true", y_true), ("y_pred", y_pred), ("y_score", y_score)] + [
        ("sensitive", c) for c in sensitive
    ]:
        if column is not None and column not in engine.columns:
            raise bad_input(
                f"{_column(column)} ({argument})",
                "a column of the table",
                f"none; columns are {engine.columns[:12]}",
            )


def _binary(engine: Engine, column: str, positive_label: Any) -> str:
    """The SQL expression of ``column`` as 0/1, after checking its values."""
    q = engine.quote
    found = engine.run(
        f"SELECT DISTINCT CAST({q(column)} AS {engine.string_type}) AS v "
        f"FROM {engine.table} LIMIT {SHOWN_VALUES}"
    )["v"].tolist()
    kind = dict(zip(engine.columns, engine.types, strict=True))[column]
    if positive_label is not None:
        text = str(positive_label)
        if text not in found:
            shown = sorted(map(str, found))[:6]
            raise bad_input(
                _column(column),
                f"the positive label {describe(positive_label)} among its values",
                f"values {shown}",
            )
        literal = "'" + text.replace("'", "''") + "'"
        return f"CASE WHEN CAST({q(column)} AS {engine.string_type}) = {literal} THEN 1 ELSE 0 END"
    if "bool" in kind:
        return f"CASE WHEN {q(column)} THEN 1 ELSE 0 END"
    if _is_numeric(kind):
        values = {float(v) for v in found}
        if values <= {0.0, 1.0}:
            return f"CAST({q(column)} AS INTEGER)"
    shown = sorted(map(str, _plain(found, kind)))[:6]
    raise bad_input(
        _column(column),
        "binary labels 0/1 (or pass --positive-label)",
        f"values {clip(str(shown))}",
    )


def _plain(values: list[str], kind: str) -> list[Any]:
    """Distinct values as pandas would show them (numbers as numbers)."""
    if _is_numeric(kind) and not _is_float(kind):
        return [int(v) for v in values]
    if _is_float(kind):
        return [float(v) for v in values]
    return values


def _is_float(kind: str) -> bool:
    return any(word in kind for word in ("double", "float", "real"))


def _is_numeric(kind: str) -> bool:
    words = ("int", "double", "float", "real", "decimal", "numeric", "long", "short", "byte")
    return any(word in kind for word in words) and "interval" not in kind


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _column(column: Any) -> str:
    return f"column {clip(repr(column))}"
