"""Shared pieces of the CLI: the console, exit codes, the gate and the bad-input guard."""

from __future__ import annotations

import contextlib
import enum
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console

from audit.errors import AuditInputError

if TYPE_CHECKING:
    from audit.results import AuditResult

__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_GATE_FAILED",
    "EXIT_INTERNAL",
    "EXIT_OK",
    "FailOn",
    "bad_input_exits",
    "console",
    "finish",
    "gate_failed",
]

#: 0 fine, 1 the policy gate failed, 2 bad input (arguments, config, data, an output
#: folder that cannot be written), 3 an internal error (a bug: see crash.log).
EXIT_OK, EXIT_GATE_FAILED, EXIT_BAD_INPUT, EXIT_INTERNAL = 0, 1, 2, 3


class FailOn(str, enum.Enum):
    never = "never"
    warn = "warn"
    fail = "fail"


def gate_failed(verdict: str, fail_on: FailOn) -> bool:
    """Whether an overall ``verdict`` breaks the gate ``fail_on``."""
    from audit.results import VERDICTS

    if fail_on is FailOn.never:
        return False
    return VERDICTS.index(verdict) >= VERDICTS.index(fail_on.value)


#: Progress and errors go to stderr; stdout carries only results (the report path).
console = Console(stderr=True, highlight=False)


@contextlib.contextmanager
def bad_input_exits() -> Iterator[None]:
    """Turn bad input into a one-line error on stderr and exit code 2."""
    try:
        yield
    except AuditInputError as error:
        console.print(f"error: {error}", markup=False, soft_wrap=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None


def finish(result: AuditResult, report: Path, fail_on: FailOn) -> None:
    """Print one line per section and the overall verdict (stderr), the report's path
    (stdout), and exit with :data:`EXIT_GATE_FAILED` when the verdict breaks the gate."""
    for section in result.sections:
        line = f"  {section.verdict.upper():<5} {section.title}: {section.summary}"
        console.print(line, markup=False, soft_wrap=True)
    console.print(f"Overall verdict: {result.verdict.upper()}")
    typer.echo(str(report))
    if gate_failed(result.verdict, fail_on):
        console.print(
            f"Policy gate failed: overall verdict {result.verdict!r} with --fail-on {fail_on.value}"
        )
        raise typer.Exit(EXIT_GATE_FAILED)
