"""``rai-audit render results.json``: render a saved result again (HTML, optionally PDF)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from audit.cli._common import bad_input_exits, save_outputs

__all__ = ["render_command"]


def render_command(
    results: Annotated[Path, typer.Argument(help="A results.json written by rai-audit.")],
    out: Annotated[Path, typer.Option("--out", help="Folder for report.html (and results.json).")],
    pdf: Annotated[bool, typer.Option("--pdf", help="Also write report.pdf.")] = False,
) -> None:
    """Render RESULTS again with the installed templates."""
    from audit.compare import load_result

    with bad_input_exits():
        result = load_result(results, "RESULTS")
        report = save_outputs(result, out, pdf=pdf)
    typer.echo(str(report))
