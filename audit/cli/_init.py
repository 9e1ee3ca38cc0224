"""``rai-audit init``: write a commented example config."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Annotated

import typer

from audit.cli._common import bad_input_exits, console

__all__ = ["init_command"]


def init_command(
    path: Annotated[Path, typer.Argument(help="Where to write the config.")] = Path("audit.yaml"),
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Write a commented example audit config to PATH."""
    from audit.errors import bad_input
    from audit.report import atomic_write_text

    with bad_input_exits():
        if path.exists() and not force:
            raise bad_input(
                "PATH",
                "a file that does not exist yet (or --force)",
                f"{str(path)!r}, which exists",
            )
        text = resources.files("audit").joinpath("example_config.yaml").read_text(encoding="utf-8")
        atomic_write_text(path, text)
    console.print(
        f"✓ wrote {path}; run it with: rai-audit run --config {path} --out reports/out/audit"
    )
    typer.echo(str(path))
