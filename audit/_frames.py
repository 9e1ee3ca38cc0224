"""Checks of table column names (pandas only, no torch): one line naming the duplicates."""

from __future__ import annotations

from typing import Any

import pandas as pd

from audit.errors import bad_input, clip

__all__ = ["duplicated_columns", "unique_columns"]


def duplicated_columns(columns: Any) -> list[str]:
    """The column names that occur more than once (compared as ``str``), in order.

    Examples
    --------
    >>> duplicated_columns(["sex", "age", "sex", 1, "1"])
    ['sex', '1']
    """
    names = pd.Index([str(c) for c in columns])
    return [str(c) for c in names[names.duplicated()].unique()]


def unique_columns(frame: pd.DataFrame, argument: str) -> None:
    """Refuse a DataFrame whose column names repeat (pandas then returns frames, not columns).

    Examples
    --------
    >>> frame = pd.DataFrame([[1, 2]], columns=["sex", "sex"])
    >>> unique_columns(frame, "sensitive")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    audit.errors.AuditInputError: sensitive: expected unique column names, got duplicated ...
    """
    duplicated = duplicated_columns(frame.columns)
    if duplicated:
        raise bad_input(
            argument, "unique column names", f"duplicated column(s) {clip(str(duplicated))}"
        )
