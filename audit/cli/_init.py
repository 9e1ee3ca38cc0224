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
    """Write a commented example audit config to PATH.

    Trust: a config with `subject: module:function` imports and runs that code, so
    treat a config like a script; `rai-audit run --no-code` refuses such a config.
    """
    from audit.errors import bad_input
    from audit.report import atomic_write_text

    with bad_input_exits():
        if path.exists() and not force:
            raise bad_input(
                "PATH",
                "a file that does not exist yet (or --force)",
                f"{str(path)!r}, which exists",
            )
        if path.is_dir():
            raise bad_input("PATH", "a file", f"{str(path)!r}, which is a folder")
        text = resources.files("audit").joinpath("example_config.yaml").read_text(encoding="utf-8")
        try:
            atomic_write_text(path, text)
        except OSError as error:
            reason = error.strerror or type(error).__name__
            raise bad_input(
                "PATH", "a file path that can be written", f"{str(path)!r}: {reason}"
            ) from None
    console.print(
        f"✓ wrote {path}; run it with: rai-audit run --config {path} --out reports/out/audit"
    )
    typer.echo(str(path))
