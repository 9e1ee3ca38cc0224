"""The ``rai-audit`` command line: one Typer app, one module per subcommand.

Exit codes: 0 fine, 1 the policy gate failed, 2 bad input (one line, no traceback).
"""

from __future__ import annotations

import typer

from audit.cli import _checks, _compare, _domains, _init, _predictions, _render, _run

__all__ = ["app", "main"]

app = typer.Typer(
    name="rai-audit",
    help="Audit a PyTorch model: performance, fairness and more, in one offline HTML report.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command("run")(_run.run_command)
app.command("domains")(_domains.domains_command)
app.command("checks")(_checks.checks_command)
app.command("predictions")(_predictions.predictions_command)
app.command("render")(_render.render_command)
app.command("compare")(_compare.compare_command)
app.command("init")(_init.init_command)


def main() -> None:
    """Entry point of the ``rai-audit`` console script."""
    app()
