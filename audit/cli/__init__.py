"""The ``rai-audit`` command line: one Typer app, one module per subcommand.

Exit codes: 0 fine, 1 the policy gate failed, 2 bad input (arguments, config, data, an
output folder that cannot be written: one line, no traceback), 3 an internal error (one
line naming the stage; the traceback goes to crash.log, and to stderr with ``--debug``
or ``RAI_AUDIT_DEBUG=1``), 130 / 143 stopped by Ctrl-C / SIGTERM (temporary files
removed, the previous outputs left as they were).
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from audit.cli import _checks, _compare, _domains, _init, _predictions, _render, _run
from audit.cli._guard import guarded, set_debug

__all__ = ["app", "main"]

app = typer.Typer(
    name="rai-audit",
    help="Audit a PyTorch model: performance, fairness and more, in one offline HTML report.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _options(
    debug: Annotated[
        bool,
        typer.Option(
            "--debug",
            envvar="RAI_AUDIT_DEBUG",
            help="Show the traceback of an internal error (exit 3) on stderr.",
        ),
    ] = False,
) -> None:
    """Audit a PyTorch model: performance, fairness and more, in one offline HTML report."""
    set_debug(debug)


app.command("run")(guarded(_run.run_command))
app.command("domains")(guarded(_domains.domains_command))
app.command("checks")(guarded(_checks.checks_command))
app.command("predictions")(guarded(_predictions.predictions_command))
app.command("render")(guarded(_render.render_command))
app.command("compare")(guarded(_compare.compare_command))
app.command("init")(guarded(_init.init_command))


def main() -> None:
    """Entry point of the ``rai-audit`` console script.

    A usage error (a missing option, a value of the wrong type) is one line on stderr
    and exit code 2, like any other bad input, instead of a framed usage box.
    """
    try:  # typer >= 0.17 carries its own copy of click
        from typer._click.exceptions import NoArgsIsHelpError, UsageError
    except ImportError:  # pragma: no cover - older typer on click
        from click.exceptions import NoArgsIsHelp as NoArgsIsHelpError
        from click.exceptions import UsageError

    try:
        code = app(standalone_mode=False)
    except NoArgsIsHelpError as error:  # bare `rai-audit` or `rai-audit run`: the help
        error.show()
        sys.exit(error.exit_code)
    except UsageError as error:
        path = error.ctx.command_path if error.ctx is not None else "rai-audit"
        message = " ".join(error.format_message().split())
        print(f"error: {message} (see '{path} --help')", file=sys.stderr)
        sys.exit(2)
    sys.exit(code if isinstance(code, int) else 0)
