"""Every command's last line of defence: one line per error, the right exit code.

:func:`guarded` wraps each subcommand. Bad input exits 2; an unexpected exception is an
internal error: one line naming the stage it broke in (``rai-audit`` tracks it with
:func:`set_stage`), exit 3, and the traceback saved to ``crash.log`` in the output
folder (the temp folder when that cannot be written), shown on stderr only with
``rai-audit --debug`` or ``RAI_AUDIT_DEBUG=1``. SIGTERM raises :class:`Terminated`,
so that ``finally`` blocks run and no temporary file is left behind.
"""

from __future__ import annotations

import functools
import signal
import sys
import tempfile
import threading
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import typer
from typer.exceptions import TyperException

from audit.cli._common import EXIT_BAD_INPUT, EXIT_INTERNAL, console
from audit.errors import AuditInputError

__all__ = ["Terminated", "guarded", "set_debug", "set_stage"]

#: Exit status of a command stopped by SIGTERM or Ctrl-C (128 + the signal's number).
EXIT_SIGTERM, EXIT_SIGINT = 128 + signal.SIGTERM, 128 + signal.SIGINT
CRASH_LOG = "crash.log"
_MESSAGE_CHARS = 300

_state: dict[str, Any] = {"debug": False, "stage": "start"}
F = TypeVar("F", bound=Callable[..., Any])


class Terminated(SystemExit):
    """Raised by the CLI's SIGTERM handler, so that cleanup runs before the exit."""


def set_debug(debug: bool) -> None:
    """Show tracebacks of internal errors on stderr (``rai-audit --debug``)."""
    _state["debug"] = bool(debug)


def set_stage(name: str) -> None:
    """Name the stage the command is in, for the message of an internal error.

    Examples
    --------
    >>> set_stage("fairness")
    """
    _state["stage"] = name


def _on_sigterm(number: int, _frame: object) -> None:
    raise Terminated(128 + number)


def _one_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    text = lines[0] if lines else ""
    text = f"{text} …" if len(lines) > 1 else text
    return text if len(text) <= _MESSAGE_CHARS else f"{text[: _MESSAGE_CHARS - 1]}…"


def _save_crash_log(out: Path | None, text: str) -> Path:
    """Write ``text`` to ``out/crash.log``, else to a new file in the temp folder."""
    from audit.report import atomic_write_text

    if out is not None:
        try:
            Path(out).mkdir(parents=True, exist_ok=True)
            return atomic_write_text(Path(out) / CRASH_LOG, text)
        except OSError:
            pass
    with tempfile.NamedTemporaryFile(
        "w", prefix="rai-audit-crash-", suffix=".log", delete=False, encoding="utf-8"
    ) as handle:
        handle.write(text)
    return Path(handle.name)


def _internal_error(error: Exception, out: Path | None) -> typer.Exit:
    """Report an unexpected exception in one line (and the traceback with --debug)."""
    stage = _state["stage"]
    trace = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    header = f"rai-audit {' '.join(sys.argv[1:])}\ninternal error in stage {stage!r}\n\n"
    try:
        where = f"traceback saved to {_save_crash_log(out, header + trace)}"
    except OSError as log_error:
        where = f"no crash.log: {log_error.strerror or log_error}"
    if _state["debug"]:
        typer.echo(trace.rstrip(), err=True)
    line = (
        f"error: internal error in stage {stage!r}: {type(error).__name__}: "
        f"{_one_line(error)} ({where})"
    )
    console.print(line, markup=False, soft_wrap=True)
    return typer.Exit(EXIT_INTERNAL)


def guarded(command: F) -> F:
    """Wrap a subcommand: exit codes 2 / 3 / 130 / 143 with one line, SIGTERM handled.

    The command's ``out`` argument, when it has one, is where ``crash.log`` goes.

    Examples
    --------
    >>> def hello(out=None):
    ...     return "hi"
    >>> guarded(hello)()
    'hi'
    """

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        out = kwargs.get("out")
        main = threading.current_thread() is threading.main_thread()
        previous = signal.signal(signal.SIGTERM, _on_sigterm) if main else None
        _state["stage"] = "start"
        try:
            return command(*args, **kwargs)
        except (typer.Exit, typer.Abort, TyperException):
            raise
        except AuditInputError as error:
            console.print(f"error: {error}", markup=False, soft_wrap=True)
            raise typer.Exit(EXIT_BAD_INPUT) from None
        except Terminated:
            line = f"error: terminated (SIGTERM) in stage {_state['stage']!r}"
            console.print(line, markup=False)
            raise typer.Exit(EXIT_SIGTERM) from None
        except KeyboardInterrupt:
            line = f"error: interrupted (Ctrl-C) in stage {_state['stage']!r}"
            console.print(line, markup=False)
            raise typer.Exit(EXIT_SIGINT) from None
        except Exception as error:
            raise _internal_error(error, Path(out) if out is not None else None) from None
        finally:
            if main:
                signal.signal(signal.SIGTERM, signal.SIG_DFL if previous is None else previous)

    return wrapper  # type: ignore[return-value]
