"""Seeds: every seed a user gives is checked and mapped to a generator seed here, once.

NumPy's legacy ``RandomState`` and scikit-learn's ``random_state`` take seeds in
``0 .. 2**32 - 1``; ``torch.manual_seed`` and ``SeedSequence`` take more. A seed of
any size is accepted and used modulo ``2**32`` (:data:`SEED_MODULUS`): seeds below it
are used as they are, a larger one gives the run of ``seed % 2**32`` (the same seed
always gives the same run, and the result records the seed it used). Negative seeds,
booleans and non-integers are refused with one line.
"""

from __future__ import annotations

import numbers
from typing import Any

from audit.errors import bad_input, describe

__all__ = ["SEED_MODULUS", "as_seed"]

#: Seeds are used modulo this: the range every generator in the stack accepts.
SEED_MODULUS = 2**32


def as_seed(value: Any, argument: str = "seed") -> int:
    """Return ``value`` as a generator seed in ``0 .. 2**32 - 1`` (``value % 2**32``).

    Parameters
    ----------
    value : int
        A non-negative integer of any size (Python or NumPy integer).
    argument : str
        The argument's name, for the error message.

    Returns
    -------
    int
        ``value`` itself when below ``2**32``, else ``value % 2**32``.

    Raises
    ------
    AuditInputError
        When ``value`` is not an integer (booleans included) or is negative.

    Examples
    --------
    >>> as_seed(7), as_seed(2**32 + 7), as_seed(10**30) == 10**30 % 2**32
    (7, 7, True)
    >>> as_seed(-1)
    Traceback (most recent call last):
    ...
    audit.errors.AuditInputError: seed: expected a non-negative int, got -1.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise bad_input(argument, "a non-negative int", describe(value))
    seed = int(value)
    if seed < 0:
        raise bad_input(argument, "a non-negative int", seed)
    return seed % SEED_MODULUS
