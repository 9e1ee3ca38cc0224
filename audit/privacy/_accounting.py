"""Privacy accounting: thin wrappers over opacus's accountants (no accounting math here)."""

from __future__ import annotations

import functools
import math
import warnings

import numpy as np
from opacus.accountants import create_accountant
from opacus.accountants.analysis.gdp import compute_mu_poisson

from audit.errors import bad_input

__all__ = ["ACCOUNTANTS", "epsilon_for", "epsilon_of_history", "noise_for_epsilon"]

#: The opacus accountants by mechanism name: Rényi DP, privacy random variables, Gaussian DP.
ACCOUNTANTS: tuple[str, ...] = ("rdp", "prv", "gdp")


def _check(accountant: str, sample_rate: float, delta: float) -> None:
    if accountant not in ACCOUNTANTS:
        raise bad_input("accountant", f"one of {list(ACCOUNTANTS)}", repr(accountant))
    if not 0 < sample_rate <= 1:  # NaN fails every comparison
        raise bad_input("sample_rate", "a float in (0, 1]", sample_rate)
    if not 0 < delta < 1:
        raise bad_input("delta", "a float in (0, 1)", delta)


def _check_noise(noise_multiplier: float) -> None:
    if not (math.isfinite(noise_multiplier) and noise_multiplier >= 0):
        raise bad_input("noise_multiplier", "a finite float >= 0", noise_multiplier)


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
    _check_noise(noise_multiplier)
    if steps < 0:
        raise bad_input("steps", "an int >= 0", steps)
    if steps == 0:
        return 0.0
    return _epsilon(accountant, ((float(noise_multiplier), float(sample_rate), int(steps)),), delta)


def epsilon_of_history(
    history: list[tuple[float, float, int]], *, delta: float, accountant: str = "prv"
) -> float:
    """ε of an opacus accountant ``history`` (its ``(σ, q, steps)`` entries) at ``delta``.

    The value is what ``create_accountant(accountant)`` with that history returns from
    ``get_epsilon(delta)``; it is remembered per (accountant, history, δ) in this
    process, because the PRV accountant spends about 0.1–0.6 s on each call and an audit
    asks for the same ε more than once (the model, its shadow models, the report).

    Examples
    --------
    >>> round(epsilon_of_history([(1.1, 0.004, 15000)], delta=1e-5, accountant="rdp"), 2)
    2.5
    """
    if not history:
        return 0.0
    entries = tuple((float(s), float(q), int(n)) for s, q, n in history)
    _check(accountant, entries[0][1], delta)
    for sigma, _, _ in entries:
        _check_noise(sigma)
    return _epsilon(accountant, entries, float(delta))


@functools.lru_cache(maxsize=512)
def _epsilon(accountant: str, history: tuple[tuple[float, float, int], ...], delta: float) -> float:
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="GDP accounting is experimental")
        if accountant != "rdp":  # PRV bounds its domain with RDP; the warning is not its own
            warnings.filterwarnings("ignore", message="Optimal order is the (largest|smallest)")
        acct = create_accountant(mechanism=accountant)
        acct.history = [tuple(entry) for entry in history]
        with np.errstate(divide="ignore"):  # PRV takes log(0) in its tails (q = 1): harmless
            return float(acct.get_epsilon(delta=delta))


def noise_for_epsilon(
    *,
    target_epsilon: float,
    sample_rate: float,
    delta: float,
    epochs: int | None = None,
    steps: int | None = None,
    accountant: str = "prv",
    tolerance: float = 0.01,
) -> float:
    """The noise multiplier σ that reaches ``target_epsilon`` under opacus's accountant.

    The answer meets the rule of opacus's ``get_noise_multiplier``: ε(σ), as the
    accountant computes it, lies in ``(target_epsilon - tolerance, target_epsilon]``.
    opacus finds it by bisection from σ = 20 (about ten evaluations; 0.3–4 s with PRV);
    this search takes secant steps on log ε against log σ (nearly a straight line) from
    σ = 8 until the root is bracketed, then the Illinois rule (modified regula falsi)
    inside the bracket: three to seven evaluations, two to four times faster with PRV
    (``benchmarks/bench_privacy.py``). Answers are remembered in this process (shadow
    models and the utility curve repeat them).

    Parameters
    ----------
    target_epsilon : float
        The ε budget, a finite float > 0 (a DP-SGD run's settings cap it at
        :data:`audit.settings.MAX_EPSILON`).
    sample_rate : float
        Poisson sampling probability q.
    delta : float
        Target δ.
    epochs, steps : int
        Exactly one of them; ``epochs`` means ``int(epochs / sample_rate)`` steps.
    accountant : {"rdp", "prv", "gdp"}
    tolerance : float
        How far below the target ε may land (opacus's default, 0.01; at most half the
        target).

    Returns
    -------
    float
        σ with ``target_epsilon - tolerance < ε(σ) <= target_epsilon``.

    Raises
    ------
    AuditInputError
        When even σ = 10⁶ does not reach the target (a budget too small for the steps),
        or only σ below 0.05 would spend it (a budget so large that a fixed noise
        multiplier is the better setting).

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
    if not target_epsilon > 0:
        raise bad_input("target_epsilon", "a float > 0", target_epsilon)
    if not math.isfinite(target_epsilon):
        raise bad_input("target_epsilon", "a finite float", target_epsilon)
    if not tolerance > 0:
        raise bad_input("tolerance", "a float > 0", tolerance)
    if not math.isfinite(tolerance):
        raise bad_input("tolerance", "a finite float", tolerance)
    tolerance = min(tolerance, target_epsilon / 2)
    if steps is None:
        steps = int(epochs / sample_rate)
    if steps < 1:
        raise bad_input("epochs / steps", "at least one step", f"epochs={epochs}, steps={steps}")
    return _search(
        float(target_epsilon), float(sample_rate), float(delta), int(steps), accountant, tolerance
    )


_MAX_SIGMA, _MIN_SIGMA = 1e6, 0.05


@functools.lru_cache(maxsize=256)
def _search(
    target: float, sample_rate: float, delta: float, steps: int, accountant: str, tolerance: float
) -> float:
    def log_eps(log_sigma: float) -> float:
        sigma = math.exp(log_sigma)
        try:
            with warnings.catch_warnings():  # the search visits extreme σ
                warnings.filterwarnings("ignore", message="Optimal order is the")
                eps = _epsilon(accountant, ((sigma, sample_rate, steps),), delta)
        except ValueError:
            if accountant != "gdp":
                raise
            # GDP's root finder fails where ε is ~0 (tiny μ) or beyond 500 (large μ)
            mu = compute_mu_poisson(steps=steps, noise_multiplier=sigma, sample_rate=sample_rate)
            return 50.0 if mu > 1 else -50.0
        return math.log(max(eps, 1e-20))

    goal = math.log(target - tolerance / 2)  # aim at the middle of the accepted window
    low, high = math.log(target - tolerance), math.log(target)
    limit = math.log(_MAX_SIGMA)
    # Points (log σ, log ε); ε falls as σ grows. Start at σ = 8, where the PRV accountant
    # is cheap, and step along the secant (slope -1 until two points give one).
    points: list[tuple[float, float]] = []
    x = math.log(8.0)
    a = b = None  # bracket ends: log ε(a) > high, log ε(b) <= high
    for _ in range(100):
        fx = log_eps(x)
        if low < fx <= high:
            return math.exp(x)
        points.append((x, fx))
        if fx > high and (a is None or x > a[0]):
            a = (x, fx)
        if fx <= high and (b is None or x < b[0]):
            b = (x, fx)
        if a is not None and b is not None:
            break
        if x >= limit:
            raise bad_input(
                "target_epsilon",
                f"a budget reachable with σ <= {_MAX_SIGMA:g} in {steps} steps",
                target,
            )
        if x <= math.log(_MIN_SIGMA):
            raise bad_input(
                "target_epsilon",
                f"a budget spent with σ >= {_MIN_SIGMA:g} in {steps} steps (set a noise "
                "multiplier instead)",
                target,
            )
        slope = -1.0
        if len(points) > 1:
            (x0, f0), (x1, f1) = points[-2], points[-1]
            if x1 != x0:
                slope = min(max((f1 - f0) / (x1 - x0), -4.0), -0.25)
        step = min(max((goal - fx) / slope, -math.log(8.0)), math.log(8.0))
        x = min(max(x + step, math.log(_MIN_SIGMA)), limit)
    if a is None or b is None:  # not reachable in 100 steps of up to 8×
        raise bad_input("target_epsilon", "a budget the accountant can reach", target)
    # Illinois (modified regula falsi) inside the bracket; wa, wb are working values
    (xa, wa), (xb, wb) = (a[0], a[1] - goal), (b[0], b[1] - goal)
    side = 0
    for _ in range(100):
        c = xb - wb * (xb - xa) / (wb - wa) if wb != wa else (xa + xb) / 2
        if not min(xa, xb) < c < max(xa, xb):
            c = (xa + xb) / 2
        fc = log_eps(c)
        if low < fc <= high:
            return math.exp(c)
        if fc > high:  # ε too large: σ too small
            xa, wa = c, fc - goal
            if side == -1:
                wb /= 2
            side = -1
        else:
            xb, wb = c, fc - goal
            if side == 1:
                wa /= 2
            side = 1
    if log_eps(xb) > high:  # only a GDP sentinel could get here
        raise bad_input("target_epsilon", "a budget the accountant can compute", target)
    return math.exp(xb)  # ε(xb) <= target
