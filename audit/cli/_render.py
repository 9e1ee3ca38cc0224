"""``rai-audit render results.json``: render a saved result again (HTML, optionally PDF)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from audit.cli._common import bad_input_exits
from audit.cli._outputs import prepared_out, read_results, save_outputs

__all__ = ["render_command"]


def render_command(
    results: Annotated[Path, typer.Argument(help="A results.json written by rai-audit.")],
    out: Annotated[Path, typer.Option("--out", help="Folder for report.html (and results.json).")],
    pdf: Annotated[bool, typer.Option("--pdf", help="Also write report.pdf.")] = False,
) -> None:
    """Render RESULTS again with the installed templates.

    RESULTS is checked first: against the outputs.json beside it (when there is one)
    and against the shipped schema (audit/results.schema.json).
    """
    with bad_input_exits():
        result = read_results(results, "RESULTS")
        with prepared_out(out, pdf=pdf):
            report = save_outputs(result, out, pdf=pdf)
    typer.echo(str(report))
