"""Audit the predictions of any system (not only a PyTorch model) from a table.

``audit_predictions(df, y_true=..., y_pred=... or y_score=..., sensitive=[...])``
runs the data, performance and fairness sections on labels, predictions and
sensitive features, and returns an :class:`~audit.results.AuditResult`.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from audit._frames import duplicated_columns, unique_columns
from audit.config import AuditConfig, load_config
from audit.engines import ENGINES, PredictionCells, audit_cells, duckdb_cells, resolve_files
from audit.engines._audit import predictions_subject
from audit.engines._performance import performance_from_values
from audit.errors import bad_input, clip, describe
from audit.manifest import build_manifest
from audit.results import AuditResult, Section
from audit.runner import assemble, policy_for, run_seed, run_stages

__all__ = ["audit_predictions", "read_predictions"]

Engine = Literal["pandas", "duckdb", "spark"]


def read_predictions(path: str | Path) -> pd.DataFrame:
    """Read a CSV file of predictions, with a named one-line error when it cannot be read.

    pandas renames a repeated column name (``sex``, ``sex.1``) and the first would be
    used silently; a header that repeats a name is refused instead.

    Parameters
    ----------
    path : str or Path
        A CSV file with a header row.

    Returns
    -------
    DataFrame

    Raises
    ------
    AuditInputError
        When the file does not exist, cannot be parsed, or repeats a column name.

    Examples
    --------
    >>> import tempfile, os
    >>> with tempfile.TemporaryDirectory() as folder:  # doctest: +ELLIPSIS
    ...     path = os.path.join(folder, "p.csv")
    ...     _ = open(path, "w").write("y,sex,sex\\n1,f,m\\n")
    ...     read_predictions(path)
    Traceback (most recent call last):
    ...
    audit.errors.AuditInputError: FILE: expected unique column names in the header, got 'sex' ...
    """
    path = Path(path)
    where = clip(repr(str(path)))
    try:
        frame = pd.read_csv(path)
        header = pd.read_csv(path, header=None, nrows=1, dtype=str, keep_default_na=False)
    except FileNotFoundError:
        raise bad_input("FILE", "a readable CSV file", f"{where}, which does not exist") from None
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        reason = clip(str(error) or type(error).__name__, 160)
        raise bad_input("FILE", "a readable CSV file", f"{where}: {reason}") from None
    duplicated = duplicated_columns(header.iloc[0].tolist()) if len(header) else []
    if duplicated:
        names = clip(", ".join(repr(name) for name in duplicated))
        raise bad_input("FILE", "unique column names in the header", f"{names} more than once")
    return frame


def audit_predictions(
    df: pd.DataFrame,
    *,
    y_true: str,
    y_pred: str | None = None,
    y_score: str | None = None,
    threshold: float = 0.5,
    sensitive: str | Sequence[str],
    positive_label: Any = None,
    config: AuditConfig | Mapping[str, Any] | str | Path | None = None,
    name: str = "predictions",
    engine: Engine | None = None,
) -> AuditResult:
    """Audit a system's predictions: data, performance and fairness sections.

    Parameters
    ----------
    df : DataFrame, pyspark DataFrame, path or glob
        One row per decision: a pandas DataFrame, a Spark DataFrame (counted by Spark),
        or CSV/Parquet files, a glob or a list of them (counted by DuckDB, out of core).
    y_true : str
        Column of true labels: 0/1 (or booleans), or any two values with ``positive_label``.
    y_pred, y_score : str, optional
        Column of predicted labels (coded like ``y_true``), or of scores P(positive) in
        [0, 1] thresholded at ``threshold``. At least one; with both, ``y_pred`` gives the
        decisions and ``y_score`` the ranking (ROC AUC, calibration, mitigation).
    threshold : float
        Threshold on ``y_score`` when ``y_pred`` is not given.
    sensitive : str or sequence of str
        Sensitive feature column(s); a bare string is one column name (numeric
        columns with many values are binned).
    positive_label : optional
        The value of ``y_true`` (and ``y_pred``) that counts as positive.
    config : AuditConfig, mapping or path, optional
    name : str
        Name shown in the report.
    engine : {"pandas", "duckdb", "spark"}, optional
        What reads and counts the table; default: pandas for a pandas DataFrame, Spark
        for a Spark DataFrame, DuckDB for files. DuckDB and Spark count the table into
        cells (see ``docs/engines.md``) and give the pandas path's numbers, except that
        duplicates are not counted and the mitigation what-if runs on the cells.

    Returns
    -------
    AuditResult

    Raises
    ------
    AuditInputError
        Naming the column: missing, with missing values, or not binary; or a table
        whose column names repeat.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> df = pd.DataFrame({"y": rng.integers(0, 2, 400), "score": rng.random(400),
    ...                    "sex": rng.choice(["f", "m"], 400)})
    >>> result = audit_predictions(df, y_true="y", y_score="score", sensitive=["sex"])
    >>> [s.id for s in result.sections]
    ['data', 'performance', 'fairness']
    """
    started = datetime.now(timezone.utc)
    sensitive = _column_names(sensitive)
    if engine not in (None, *ENGINES):
        raise bad_input("engine", f"one of {list(ENGINES)}", describe(engine))
    if engine in ("duckdb", "spark") or not isinstance(df, pd.DataFrame):
        options = dict(y_true=y_true, y_pred=y_pred, y_score=y_score, threshold=threshold)
        options.update(sensitive=sensitive, positive_label=positive_label)
        cells = _count(df, engine, options)
        metadata = {"y_true": y_true, "y_pred": y_pred, "y_score": y_score}
        metadata.update(threshold=threshold, engine=cells.engine, source=cells.source)
        return audit_cells(
            cells,
            metadata=metadata,
            positive_label=positive_label,
            config=config,
            name=name,
            started=started,
        )
    settings = load_config(config)
    labels, decisions, scores, groups = _validate(
        df, y_true, y_pred, y_score, threshold, sensitive, positive_label
    )
    from audit.data._section import SplitData, data_section
    from audit.fairness._section import check_group_counts, fairness_section

    seed = run_seed(settings)
    settings = settings.model_copy(update={"seed": seed})
    used = {c for c in (y_true, y_pred, y_score) if c is not None}
    features = df.drop(columns=sorted(used)).reset_index(drop=True)
    builders = {
        "data": lambda: data_section(
            {"all": SplitData(features, labels, groups)},
            class_names=["negative", "positive"],
            settings=settings.data,
        ),
        "performance": lambda: performance_section(
            labels, decisions, scores, n_bins=settings.performance.calibration_bins
        ),
        "fairness": lambda: fairness_section(
            labels,
            decisions,
            groups,
            scores=scores,
            positive_name=str(positive_label if positive_label is not None else 1),
            settings=settings.settings_of("fairness"),
            seed=seed,
        ),
    }
    checks = chosen_checks(settings, builders)
    if "fairness" in checks:  # an ID column as sensitive: refused before any stage runs
        check_group_counts(groups, settings=settings.settings_of("fairness"))
    policy = policy_for(settings)
    sections, stages = run_stages({check: builders[check] for check in checks}, policy)
    manifest = build_manifest(
        None,
        settings,
        data_hash=_frame_sha256(df[sorted(used | set(groups.columns))]),
        engine="pandas",
    )
    subject = predictions_subject(
        name=name,
        n_rows=len(labels),
        features=list(features.columns),
        sensitive=list(groups.columns),
        positive_label=positive_label,
        metadata={"y_true": y_true, "y_pred": y_pred, "y_score": y_score, "threshold": threshold},
    )
    return assemble(
        subject,
        sections,
        policy,
        settings,
        manifest=manifest,
        started=started,
        stages=stages,
        training_data=None,
    )


def chosen_checks(settings: Any, builders: Mapping[str, Any]) -> list[str]:
    """The config's checks (default: every one predictions mode has), refused by name
    when predictions mode has no such section; the pandas path and the engines share it.

    Examples
    --------
    >>> from audit.config import load_config
    >>> chosen_checks(load_config({"checks": ["fairness"]}), {"data": 0, "fairness": 0})
    ['fairness']
    """
    checks = settings.checks or list(builders)
    unknown = [c for c in checks if c not in builders]
    if unknown:
        raise bad_input("checks", f"names from {list(builders)} for predictions", f"{unknown}")
    return checks


def performance_section(
    y_true: np.ndarray, y_pred: np.ndarray, scores: np.ndarray | None, *, n_bins: int = 10
) -> Section:
    """Accuracy, balanced accuracy, F1 and, with scores, ROC AUC and calibration of predictions."""
    from sklearn.metrics import accuracy_score, balanced_accuracy_score, f1_score, roc_auc_score

    from audit.performance._calibration import calibration

    values = {
        "test_accuracy": float(accuracy_score(y_true, y_pred)),
        "test_balanced_accuracy": float(balanced_accuracy_score(y_true, y_pred)),
        "test_f1": float(f1_score(y_true, y_pred, zero_division=0)),
    }
    cal = None
    if scores is not None and len(np.unique(y_true)) == 2:
        values["test_roc_auc"] = float(roc_auc_score(y_true, scores))
        cal = calibration(y_true, np.column_stack([1.0 - scores, scores]), n_bins=n_bins)
        values["ece"] = cal.ece
    return performance_from_values(values, cal, n_rows=len(y_true))


def _count(df: Any, engine: str | None, options: dict[str, Any]) -> PredictionCells:
    """Count ``df`` (files, a Spark or pandas DataFrame) with ``engine`` into cells."""
    from audit.engines._spark import is_spark_frame, read_spark, spark_cells, spark_session

    if is_spark_frame(df):
        if engine not in (None, "spark"):
            raise bad_input("engine", "'spark' for a Spark DataFrame", repr(engine))
        return spark_cells(df, **options)
    if engine == "spark":
        if isinstance(df, pd.DataFrame):
            return spark_cells(spark_session().createDataFrame(df), **options)
        return spark_cells(read_spark(resolve_files(df)), **options)
    if not isinstance(df, (pd.DataFrame, str, Path, list, tuple)):
        raise bad_input("df", "a pandas or Spark DataFrame, or CSV/Parquet files", df)
    return duckdb_cells(df, **options)


def _column_names(sensitive: Any) -> list[str]:
    """``sensitive`` as a list of distinct column names (a bare string is one name)."""
    if sensitive is None:
        return []
    names = [sensitive] if isinstance(sensitive, str) else sensitive
    if not isinstance(names, (list, tuple, pd.Index)) or not all(map(_is_name, names)):
        raise bad_input("sensitive", "a column name or a list of column names", sensitive)
    duplicated = duplicated_columns(names)
    if duplicated:
        raise bad_input("sensitive", "distinct column names", f"{clip(str(duplicated))} twice")
    return list(names)


def _is_name(column: Any) -> bool:
    """A column name: a str, or an int (a frame built from an array)."""
    return isinstance(column, (str, int)) and not isinstance(column, bool)


def _column(column: Any) -> str:
    """``column 'name'`` for messages, quoted by at most 80 characters."""
    return f"column {clip(repr(column))}"


def _validate(df, y_true, y_pred, y_score, threshold, sensitive, positive_label):
    if not isinstance(df, pd.DataFrame) or len(df) == 0:
        raise bad_input("df", "a non-empty pandas DataFrame", df)
    unique_columns(df, "df")
    if y_pred is None and y_score is None:
        raise bad_input(
            "y_pred / y_score", "at least one column of predictions or scores", "neither"
        )
    if not sensitive:
        raise bad_input("sensitive", "at least one sensitive column", "none")
    for argument, column in (("y_true", y_true), ("y_pred", y_pred), ("y_score", y_score)):
        if column is not None and not _is_name(column):
            raise bad_input(argument, "a column name", column)
    for argument, column in [("y_true", y_true), ("y_pred", y_pred), ("y_score", y_score)] + [
        ("sensitive", c) for c in sensitive
    ]:
        if column is None:
            continue
        if column not in df.columns:
            raise bad_input(
                f"{_column(column)} ({argument})",
                "a column of the table",
                f"none; columns are {list(map(str, df.columns))[:12]}",
            )
        missing = df[column].isna().to_numpy()
        if missing.any():
            raise bad_input(
                _column(column),
                "no missing values",
                f"{int(missing.sum())} missing (first at row {int(np.argmax(missing))})",
            )
    labels = _binary(df[y_true], y_true, positive_label)
    scores = None
    if y_score is not None:
        raw = pd.to_numeric(df[y_score], errors="coerce").to_numpy(dtype=np.float64)
        if np.isnan(raw).any():
            first = int(np.argmax(np.isnan(raw)))
            raise bad_input(
                _column(y_score),
                "numeric scores in [0, 1]",
                f"{int(np.isnan(raw).sum())} non-numeric value(s), first "
                f"{describe(df[y_score].iloc[first])} at row {first}",
            )
        if raw.min() < 0 or raw.max() > 1:
            raise bad_input(
                _column(y_score),
                "scores in [0, 1]",
                f"values from {describe(raw.min())} to {describe(raw.max())}",
            )
        scores = raw
    if y_pred is not None:
        decisions = _binary(df[y_pred], y_pred, positive_label)
    else:
        if not (_is_number(threshold) and 0.0 < threshold < 1.0):  # NaN fails the comparison
            raise bad_input("threshold", "a number in (0, 1)", describe(threshold))
        decisions = (scores >= threshold).astype(np.int64)
    return labels, decisions, scores, df[list(sensitive)].reset_index(drop=True)


def _binary(values: pd.Series, column: str, positive_label: Any) -> np.ndarray:
    if positive_label is not None:
        hits = values.astype(str).to_numpy() == str(positive_label)
        if not hits.any():
            raise bad_input(
                _column(column),
                f"the positive label {describe(positive_label)} among its values",
                f"values {sorted(map(str, values.unique()))[:6]}",
            )
        return hits.astype(np.int64)
    unique = set(pd.unique(values).tolist())
    if unique <= {0, 1} or unique <= {True, False}:
        return values.astype(np.int64).to_numpy()
    shown = sorted(map(str, unique))[:6]
    raise bad_input(
        _column(column),
        "binary labels 0/1 (or pass --positive-label)",
        f"values {clip(str(shown))}",
    )


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _frame_sha256(frame: pd.DataFrame) -> str:
    import hashlib

    return hashlib.sha256(
        pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes()
    ).hexdigest()
