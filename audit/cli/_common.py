"""Shared pieces of the CLI: the console, exit codes and the bad-input guard."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import typer
from rich.console import Console

from audit.errors import AuditInputError

__all__ = ["EXIT_BAD_INPUT", "EXIT_GATE_FAILED", "EXIT_OK", "bad_input_exits", "console"]

EXIT_OK, EXIT_GATE_FAILED, EXIT_BAD_INPUT = 0, 1, 2

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
