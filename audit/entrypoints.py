"""Load a user's own Subject from an entry point ``module:function``.

Trust: this imports and runs Python code, found first in the config file's folder
and the working directory. A config with ``subject:`` is a program, to be trusted
like a script; ``rai-audit run --no-code`` (or ``RAI_AUDIT_NO_CODE=1``) refuses it,
for jobs that audit configs written by others.
"""

from __future__ import annotations

import importlib
import inspect
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from audit._seeds import as_seed
from audit.errors import AuditInputError, bad_input

if TYPE_CHECKING:
    from audit.subject import Subject

__all__ = ["code_refused", "load_subject"]

#: What a config was expected to hold when running its code is forbidden.
NO_CODE_EXPECTED = "no entry point, since --no-code forbids running a config's code"


def code_refused(spec: str) -> AuditInputError:
    """The one-line error for a ``subject:`` entry point when code may not run.

    Examples
    --------
    >>> str(code_refused("evil:build")).endswith("got 'evil:build', which would run its code.")
    True
    """
    return bad_input("subject", NO_CODE_EXPECTED, f"{spec!r}, which would run its code")


def load_subject(
    spec: str,
    *,
    seed: int = 0,
    search: Iterable[str | Path] = (),
    allow_code: bool = True,
) -> Subject:
    """Import ``module:function``, call it and return the Subject it builds.

    The function is called with ``seed=`` when it takes a ``seed`` argument, else
    with no argument. ``search`` folders (e.g. the config file's folder and the
    working directory) are tried first when importing the module. This runs the
    module's code: load only entry points you trust like a script.

    Parameters
    ----------
    spec : str
        ``"module:function"``.
    seed : int, default 0
        Passed to the function when it takes ``seed``.
    search : iterable of str or Path, default ()
        Folders searched first for the module.
    allow_code : bool, default True
        ``False`` refuses any entry point (:func:`code_refused`) without importing it.

    Returns
    -------
    Subject

    Examples
    --------
    >>> try:
    ...     load_subject("no-colon")
    ... except ValueError as error:
    ...     print(error)
    subject: expected an entry point 'module:function', got 'no-colon'.
    """
    if not allow_code:
        raise code_refused(spec)
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
    subject = function(seed=as_seed(seed)) if takes_seed else function()
    if not isinstance(subject, Subject):
        raise bad_input(
            "subject", f"{spec} to return an audit.Subject", f"a {type(subject).__name__}"
        )
    return subject
