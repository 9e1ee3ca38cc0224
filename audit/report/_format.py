"""The report's one number formatter: counts as integers, three significant figures.

Every number a reader sees in the report goes through :func:`fmt`, so that a count never
prints as ``91.000`` beside ``209``, a tiny value never as ``0.000611`` beside three-decimal
figures, and the same quantity reads the same everywhere.
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["fmt"]

#: Below this magnitude a value prints as "< 0.001" (or "> -0.001").
TINY = 1e-3


def fmt(value: Any, digits: int | None = None) -> str:
    """Format a value for the report.

    Parameters
    ----------
    value : Any
        A number, ``None``, a bool or anything else (printed with ``str``).
    digits : int, optional
        Fixed decimals, for figures whose precision is part of their meaning (the
        four-fifths band 0.80–1.25); otherwise three significant figures.

    Returns
    -------
    str
        ``—`` for ``None`` and non-finite numbers; ``yes``/``no`` for booleans;
        integers (and floats that hold a count) with thousands separators; magnitudes
        below 0.001 as ``< 0.001``; others to three significant figures (at least the
        units digit: ``1,235`` not ``1,230``).

    Examples
    --------
    >>> [fmt(v) for v in (91.0, 4498, 0.7268, 0.05, 0.000611, 472.3, 12.345, 1234.5, None)]
    ['91', '4,498', '0.727', '0.05', '< 0.001', '472', '12.3', '1,234', '—']
    >>> fmt(0.8, 2), fmt(-0.0004), fmt(True), fmt("text")
    ('0.80', '> -0.001', 'yes', 'text')
    """
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if not isinstance(value, float):
        return str(value)
    if not math.isfinite(value):
        return "—"
    if digits is not None:
        return f"{value:,.{digits}f}"
    if value == 0:
        return "0"
    size = abs(value)
    if value.is_integer() and size >= 1:
        return f"{int(value):,}"
    if size < TINY:
        return "< 0.001" if value > 0 else "> -0.001"
    if size >= 100:
        return f"{value:,.0f}"
    if size >= 10:
        return f"{value:.1f}"
    if size >= 1:
        return f"{value:.2f}"
    return f"{value:.3g}"
