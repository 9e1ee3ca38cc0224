"""Errors raised on bad input.

Every message names the argument, what was expected and what came, so that a
user can fix the call without reading a traceback.
"""

from __future__ import annotations

__all__ = ["AuditInputError", "ConfigError", "bad_input"]


class AuditInputError(ValueError):
    """Bad input to an audit function: an argument, a data set or a config value."""


class ConfigError(AuditInputError):
    """An audit configuration file or mapping that does not validate."""


def describe(value: object) -> str:
    """Return a short description of ``value`` for an error message."""
    shape = getattr(value, "shape", None)
    if shape is not None:
        dtype = getattr(value, "dtype", None)
        dtype_text = f", dtype {dtype}" if dtype is not None else ""
        return f"{type(value).__name__} of shape {tuple(shape)}{dtype_text}"
    if isinstance(value, (list, tuple)):
        return f"{type(value).__name__} of length {len(value)}"
    text = repr(value)
    return text if len(text) <= 60 else f"{type(value).__name__}"


def bad_input(argument: str, expected: str, got: object | str) -> AuditInputError:
    """Build an :class:`AuditInputError` that says what was expected and what came.

    Parameters
    ----------
    argument : str
        The argument's name as the caller wrote it, for example ``"train[0] (X)"``.
    expected : str
        What the argument should have been.
    got : object or str
        What came instead; strings are used as they are, other objects are described.

    Examples
    --------
    >>> str(bad_input("seed", "a non-negative int", -1))
    'seed: expected a non-negative int, got -1.'
    """
    got_text = got if isinstance(got, str) else describe(got)
    return AuditInputError(f"{argument}: expected {expected}, got {got_text}.")
