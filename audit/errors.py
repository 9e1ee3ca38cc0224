"""Errors raised on bad input.

Every message is one line that names the argument, what was expected and what came,
so that a user can fix the call without reading a traceback. Input values are quoted
by at most :data:`QUOTE_LIMIT` characters (:func:`clip`), never expanded in full.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

__all__ = [
    "QUOTE_LIMIT",
    "AuditInputError",
    "ConfigError",
    "bad_input",
    "clip",
    "describe",
    "validation_message",
]

#: The most characters of an input value that an error message quotes.
QUOTE_LIMIT = 80

#: A mapping with more keys is described by its size, never formatted.
_SMALL = 20


class AuditInputError(ValueError):
    """Bad input to an audit function: an argument, a data set or a config value."""


class ConfigError(AuditInputError):
    """An audit configuration file or mapping that does not validate."""


def clip(text: str, limit: int = QUOTE_LIMIT) -> str:
    """Return ``text`` on one line, cut to ``limit`` characters (``…`` marks a cut).

    Examples
    --------
    >>> clip("a\\nb")
    'a b'
    >>> clip("x" * 100, 10)
    'xxxxxxxxx…'
    """
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def describe(value: object) -> str:
    """Return a short, one-line description of ``value`` for an error message.

    Arrays and tensors give their type, shape and dtype; lists and tuples their
    length, big mappings their number of keys; NumPy scalars read as plain numbers;
    anything else its ``repr``, cut to :data:`QUOTE_LIMIT` characters.

    Examples
    --------
    >>> import numpy as np
    >>> describe(np.float64(0.001)), describe(np.zeros((2, 3)))
    ('0.001', 'ndarray of shape (2, 3), dtype float64')
    >>> describe("x" * 200)[-3:]
    'xx…'
    """
    shape = getattr(value, "shape", None)
    if shape is not None and len(shape) == 0 and hasattr(value, "item"):
        value = value.item()  # a NumPy scalar or 0-d array: its plain number
    elif shape is not None:
        dtype = getattr(value, "dtype", None)
        dtype_text = f", dtype {dtype}" if dtype is not None else ""
        return f"{type(value).__name__} of shape {tuple(shape)}{dtype_text}"
    if isinstance(value, (list, tuple)):
        return f"{type(value).__name__} of length {len(value)}"
    if isinstance(value, Mapping) and len(value) > _SMALL:
        return f"{type(value).__name__} of {len(value)} keys"
    if isinstance(value, str) and len(value) > QUOTE_LIMIT:
        value = value[:QUOTE_LIMIT]  # never repr a huge string in full
    try:
        text = repr(value)
    except Exception:  # a user object whose repr fails
        text = f"a {type(value).__name__}"
    return clip(text)


def bad_input(argument: str, expected: str, got: object | str) -> AuditInputError:
    """Build an :class:`AuditInputError` that says what was expected and what came.

    The message is one line (line breaks in the parts become spaces).

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
    message = f"{argument}: expected {expected}, got {got_text}."
    return AuditInputError(" ".join(message.split()))


def validation_message(
    errors: Iterable[Mapping[str, Any]], *, prefix: str = "", most: int = 5
) -> str:
    """One line from pydantic's ``ValidationError.errors()``: ``path: problem (got …)``.

    Each path starts with ``prefix``; each quoted input is cut to :data:`QUOTE_LIMIT`
    characters, each path too, and at most ``most`` problems are listed (then how many
    more there are).

    Examples
    --------
    >>> validation_message([{"loc": ("seed",), "msg": "Value error, bad", "input": -1}])
    'seed: bad (got -1)'
    """
    items = list(errors)
    parts = []
    for item in items[:most]:
        path = clip(prefix + ".".join(str(p) for p in item.get("loc", ())) or "(top level)")
        message = clip(str(item.get("msg", "")).removeprefix("Value error, "), 2 * QUOTE_LIMIT)
        parts.append(f"{path}: {message} (got {describe(item.get('input'))})")
    if len(items) > most:
        parts.append(f"and {len(items) - most} more problem(s)")
    return "; ".join(parts)
