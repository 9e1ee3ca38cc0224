"""``rai-audit domains``: list the reference domains, one line each."""

from __future__ import annotations

import typer

from audit.domains import list_domains

__all__ = ["domains_command"]


def domains_command() -> None:
    """List the reference domains that `rai-audit run DOMAIN` can audit."""
    specs = list_domains()
    width = max(len(spec.name) for spec in specs)
    for spec in specs:
        names = spec.variant_names
        variants = "" if names == ("default",) else f" [variants: {', '.join(names)}]"
        typer.echo(f"{spec.name.ljust(width)}  {spec.modality:<8}  {spec.summary}{variants}")
