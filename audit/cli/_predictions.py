"""``rai-audit predictions FILE``: audit any system's predictions from CSV or Parquet files.

DuckDB (the default engine) counts the files out of core; ``--engine spark`` hands
them to Spark; ``--engine pandas`` reads one CSV file into memory.
"""

from __future__ import annotations

import time
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from audit.cli._common import FailOn, bad_input_exits, console, finish
from audit.cli._guard import set_stage
from audit.cli._mlflow import MLFLOW_HELP, log_if_asked
from audit.cli._outputs import prepared_out, save_outputs

__all__ = ["EngineName", "predictions_command"]


class EngineName(str, Enum):
    """What reads and counts the table."""

    duckdb = "duckdb"
    spark = "spark"
    pandas = "pandas"


def predictions_command(
    file: Annotated[
        Path,
        typer.Argument(help="CSV or Parquet file, or a quoted glob ('preds/*.parquet')."),
    ],
    out: Annotated[Path, typer.Option("--out", help="Folder for report.html and results.json.")],
    y_true: Annotated[str, typer.Option("--y-true", help="Column of true labels.")],
    sensitive: Annotated[
        list[str], typer.Option("--sensitive", help="Sensitive column (repeat for more).")
    ],
    y_pred: Annotated[
        str | None, typer.Option("--y-pred", help="Column of predicted labels.")
    ] = None,
    y_score: Annotated[
        str | None, typer.Option("--y-score", help="Column of scores P(positive).")
    ] = None,
    threshold: Annotated[
        float, typer.Option(help="Threshold on --y-score when --y-pred is absent.")
    ] = 0.5,
    positive_label: Annotated[
        str | None,
        typer.Option("--positive-label", help="Value of the labels that counts as positive."),
    ] = None,
    config: Annotated[Path | None, typer.Option(help="YAML audit config.")] = None,
    fail_on: Annotated[
        FailOn,
        typer.Option("--fail-on", help="Exit 1 when the overall verdict is this bad or worse."),
    ] = FailOn.never,
    pdf: Annotated[bool, typer.Option("--pdf", help="Also write report.pdf.")] = False,
    engine: Annotated[
        EngineName,
        typer.Option(help="duckdb: count the files out of core; spark; pandas: read into memory."),
    ] = EngineName.duckdb,
    mlflow: Annotated[
        bool,
        typer.Option("--mlflow", help=MLFLOW_HELP),
    ] = False,
) -> None:
    """Audit the predictions in FILE: data, performance and fairness sections."""
    from audit.config import load_config
    from audit.predictions import audit_predictions, read_predictions

    with bad_input_exits(), prepared_out(out, pdf=pdf):
        set_stage("read")
        t0 = time.perf_counter()
        if engine is EngineName.pandas:
            table = read_predictions(file)
            console.print(
                f"✓ read {len(table):,} rows from {file.name} in {time.perf_counter() - t0:.1f} s"
            )
        else:
            table = str(file)
        set_stage("audit")
        result = audit_predictions(
            table,
            y_true=y_true,
            y_pred=y_pred,
            y_score=y_score,
            threshold=threshold,
            sensitive=sensitive,
            positive_label=positive_label,
            config=config,
            name=file.stem.replace("*", "all"),
            engine=engine.value,
        )
        if engine is not EngineName.pandas:
            console.print(
                f"✓ counted {result.subject['n_test']:,} rows with {engine.value} in "
                f"{time.perf_counter() - t0:.1f} s"
            )
        for check, stage in result.manifest["runtime"]["stages"].items():
            console.print(f"✓ check {check} in {stage['seconds']:.2f} s")
        report = save_outputs(result, out, pdf=pdf, keep=True)
        setting = load_config(config).mlflow if config is not None else None
        log_if_asked(result, out, flag=mlflow, setting=setting, fail_on=fail_on)
    finish(result, report, fail_on)
