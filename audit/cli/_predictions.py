"""``rai-audit predictions FILE.csv``: audit any system's predictions from a CSV file."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from audit.cli._common import FailOn, bad_input_exits, console, finish
from audit.cli._guard import set_stage
from audit.cli._outputs import prepared_out, save_outputs

__all__ = ["predictions_command"]


def predictions_command(
    file: Annotated[Path, typer.Argument(help="CSV file, one row per decision.")],
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
) -> None:
    """Audit the predictions in FILE: data, performance and fairness sections."""
    from audit.predictions import audit_predictions, read_predictions

    with bad_input_exits(), prepared_out(out, pdf=pdf):
        set_stage("read")
        t0 = time.perf_counter()
        frame = read_predictions(file)
        console.print(
            f"✓ read {len(frame):,} rows from {file.name} in {time.perf_counter() - t0:.1f} s"
        )
        set_stage("audit")
        result = audit_predictions(
            frame,
            y_true=y_true,
            y_pred=y_pred,
            y_score=y_score,
            threshold=threshold,
            sensitive=sensitive,
            positive_label=positive_label,
            config=config,
            name=file.stem,
        )
        for check, stage in result.manifest["runtime"]["stages"].items():
            console.print(f"✓ check {check} in {stage['seconds']:.2f} s")
        report = save_outputs(result, out, pdf=pdf, keep=True)
    finish(result, report, fail_on)
