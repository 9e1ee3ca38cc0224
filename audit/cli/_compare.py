"""``rai-audit compare OLD.json NEW.json``: a diff report, regressions first."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from audit.cli._common import EXIT_GATE_FAILED, bad_input_exits, console
from audit.cli._guard import set_stage
from audit.cli._outputs import prepared_out, read_results, write_comparison

__all__ = ["compare_command"]


def compare_command(
    old: Annotated[Path, typer.Argument(help="The earlier results.json.")],
    new: Annotated[Path, typer.Argument(help="The later results.json.")],
    out: Annotated[Path, typer.Option("--out", help="Folder for report.html and comparison.json.")],
    fail_on_regression: Annotated[
        bool,
        typer.Option(
            "--fail-on-regression",
            help="Exit 1 when any metric got worse beyond noise (see audit.compare).",
        ),
    ] = False,
) -> None:
    """Compare two audits: verdict changes first, then regressions (worse beyond noise).

    OLD and NEW are checked first (outputs.json beside them, the shipped schema); --out
    must be another folder than theirs, since the comparison replaces its outputs.
    """
    from audit.compare import compare_results
    from audit.errors import bad_input
    from audit.report import render_comparison

    with bad_input_exits():
        before, after = read_results(old, "OLD"), read_results(new, "NEW")
        for argument, path in (("OLD", old), ("NEW", new)):
            if out.resolve() == path.resolve().parent:
                raise bad_input(
                    "--out",
                    "a folder other than those of OLD and NEW",
                    f"{str(out)!r}, which holds {argument} (the comparison would replace it)",
                )
        with prepared_out(out):
            set_stage("compare")
            comparison = compare_results(before, after)
            html = render_comparison(comparison)
            report = write_comparison(comparison.to_json() + "\n", html, out)
    for change in comparison.regressions:
        console.print(f"  REGRESSION {change.describe()}", markup=False, soft_wrap=True)
    console.print(
        f"{len(comparison.regressions)} regression(s) in {len(comparison.changes)} compared entries"
    )
    typer.echo(str(report))
    if fail_on_regression and comparison.regressions:
        raise typer.Exit(EXIT_GATE_FAILED)
