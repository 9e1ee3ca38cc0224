"""``rai-audit compare OLD.json NEW.json``: a diff report, regressions first."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from audit.cli._common import EXIT_GATE_FAILED, bad_input_exits, console

__all__ = ["compare_command"]


def compare_command(
    old: Annotated[Path, typer.Argument(help="The earlier results.json.")],
    new: Annotated[Path, typer.Argument(help="The later results.json.")],
    out: Annotated[Path, typer.Option("--out", help="Folder for report.html and comparison.json.")],
    fail_on_regression: Annotated[
        bool, typer.Option("--fail-on-regression", help="Exit 1 when any verdict got worse.")
    ] = False,
) -> None:
    """Compare two audits metric by metric; regressions (worse verdicts) come first."""
    from audit.compare import compare_results, load_result
    from audit.report import atomic_write_text, render_comparison

    with bad_input_exits():
        comparison = compare_results(load_result(old, "OLD"), load_result(new, "NEW"))
        html = render_comparison(comparison)
        atomic_write_text(out / "comparison.json", comparison.to_json() + "\n")
        report = atomic_write_text(out / "report.html", html)
    for change in comparison.regressions:
        console.print(
            f"  REGRESSION {change.section} {change.key}: "
            f"{change.old_verdict} → {change.new_verdict}",
            markup=False,
        )
    console.print(
        f"{len(comparison.regressions)} regression(s) in {len(comparison.changes)} compared entries"
    )
    typer.echo(str(report))
    if fail_on_regression and comparison.regressions:
        raise typer.Exit(EXIT_GATE_FAILED)
