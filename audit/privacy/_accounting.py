"""Privacy accounting: thin wrappers over opacus's accountants (no accounting math here)."""

from __future__ import annotations

import warnings

from opacus.accountants import create_accountant
from opacus.accountants.utils import get_noise_multiplier

from audit.errors import bad_input

__all__ = ["ACCOUNTANTS", "epsilon_for", "noise_for_epsilon"]

#: The opacus accountants by mechanism name: Rényi DP, privacy random variables, Gaussian DP.
ACCOUNTANTS: tuple[str, ...] = ("rdp", "prv", "gdp")


def _check(accountant: str, sample_rate: float, delta: float) -> None:
    if accountant not in ACCOUNTANTS:
        raise bad_input("accountant", f"one of {list(ACCOUNTANTS)}", repr(accountant))
    if not 0 < sample_rate <= 1:
        raise bad_input("sample_rate", "a float in (0, 1]", sample_rate)
    if not 0 < delta < 1:
        raise bad_input("delta", "a float in (0, 1)", delta)


def epsilon_for(
    *,
    noise_multiplier: float,
    sample_rate: float,
    steps: int,
    delta: float,
    accountant: str = "prv",
) -> float:
    """The ε that opacus's accountant gives for ``steps`` DP-SGD steps at ``delta``.

    Builds the accountant with :func:`opacus.accountants.create_accountant`, sets its
    history to one entry ``(noise_multiplier, sample_rate, steps)`` (what its
    ``step`` method would record after ``steps`` identical steps) and returns
    ``get_epsilon(delta)``.

    Parameters
    ----------
    noise_multiplier : float
        σ, the noise standard deviation divided by the clipping norm.
    sample_rate : float
        Poisson sampling probability q of each row per step (batch size / N).
    steps : int
        Number of optimizer steps.
    delta : float
        Target δ.
    accountant : {"rdp", "prv", "gdp"}
        The opacus accountant; they give different ε for the same run (pin it).

    Returns
    -------
    float
        ε (0.0 for zero steps).

    Examples
    --------
    >>> eps = epsilon_for(noise_multiplier=1.1, sample_rate=0.004, steps=15000, delta=1e-5,
    ...                   accountant="rdp")
    >>> round(eps, 2)
    2.5
    """
    _check(accountant, sample_rate, delta)
    if steps < 0:
        raise bad_input("steps", "an int >= 0", steps)
    if steps == 0:
        return 0.0
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="GDP accounting is experimental")
        acct = create_accountant(mechanism=accountant)
        acct.history = [(float(noise_multiplier), float(sample_rate), int(steps))]
        return float(acct.get_epsilon(delta=delta))


def noise_for_epsilon(
    *,
    target_epsilon: float,
    sample_rate: float,
    delta: float,
    epochs: int | None = None,
    steps: int | None = None,
    accountant: str = "prv",
) -> float:
    """The noise multiplier σ that reaches ``target_epsilon`` (opacus's ``get_noise_multiplier``).

    Parameters
    ----------
    target_epsilon : float
        The ε budget.
    sample_rate : float
        Poisson sampling probability q.
    delta : float
        Target δ.
    epochs, steps : int
        Exactly one of them; ``epochs`` means ``int(epochs / sample_rate)`` steps.
    accountant : {"rdp", "prv", "gdp"}

    Returns
    -------
    float
        The smallest σ opacus's binary search finds with ε ≤ ``target_epsilon``
        (to its default tolerance of 0.01).

    Examples
    --------
    >>> sigma = noise_for_epsilon(target_epsilon=3.0, sample_rate=0.004, epochs=60,
    ...                           delta=1e-5, accountant="rdp")
    >>> 0.9 < sigma < 1.1
    True
    """
    _check(accountant, sample_rate, delta)
    if (epochs is None) == (steps is None):
        raise bad_input("epochs / steps", "exactly one of them", f"epochs={epochs}, steps={steps}")
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="GDP accounting is experimental")
        # the binary search visits extreme σ, where RDP's range of orders is too short
        warnings.filterwarnings("ignore", message="Optimal order is the largest alpha")
        return float(
            get_noise_multiplier(
                target_epsilon=target_epsilon,
                target_delta=delta,
                sample_rate=sample_rate,
                epochs=epochs,
                steps=steps,
                accountant=accountant,
            )
        )
