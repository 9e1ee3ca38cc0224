"""Load a user's own Subject from an entry point ``module:function``."""

from __future__ import annotations

import importlib
import inspect
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from audit.errors import bad_input

if TYPE_CHECKING:
    from audit.subject import Subject

__all__ = ["load_subject"]


def load_subject(spec: str, *, seed: int = 0, search: Iterable[str | Path] = ()) -> Subject:
    """Import ``module:function``, call it and return the Subject it builds.

    The function is called with ``seed=`` when it takes a ``seed`` argument, else
    with no argument. ``search`` folders (e.g. the config file's folder and the
    working directory) are tried first when importing the module.

    Examples
    --------
    >>> try:
    ...     load_subject("no-colon")
    ... except ValueError as error:
    ...     print(error)
    subject: expected an entry point 'module:function', got 'no-colon'.
    """
    from audit.subject import Subject  # torch: imported only when a subject is built

    module_name, _, attribute = spec.partition(":")
    if not module_name or not attribute:
        raise bad_input("subject", "an entry point 'module:function'", repr(spec))
    added = [str(Path(p).resolve()) for p in search if str(Path(p).resolve()) not in sys.path]
    sys.path[:0] = added
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise bad_input(
            "subject", f"an importable module {module_name!r}", f"{type(error).__name__}: {error}"
        ) from None
    finally:
        for path in added:
            sys.path.remove(path)
    function = getattr(module, attribute, None)
    if not callable(function):
        raise bad_input("subject", f"a function {attribute!r} in module {module_name!r}", "none")
    takes_seed = "seed" in inspect.signature(function).parameters
    subject = function(seed=seed) if takes_seed else function()
    if not isinstance(subject, Subject):
        raise bad_input(
            "subject", f"{spec} to return an audit.Subject", f"a {type(subject).__name__}"
        )
    return subject
