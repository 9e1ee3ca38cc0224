"""``rai-audit checks``: list the registered checks, one line each, from the registry."""

from __future__ import annotations

import typer

__all__ = ["checks_command"]


def checks_command() -> None:
    """List the checks an audit runs (the config's `checks:` names and blocks)."""
    from audit.checks import list_checks

    checks = list_checks()
    width = max(len(check.name) for check in checks)
    for check in checks:
        settings = ", ".join(check.settings.model_fields) or "no settings"
        typer.echo(f"{check.name.ljust(width)}  {check.title}: {check.summary} [{settings}]")
