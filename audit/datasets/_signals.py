"""Generated multichannel signals whose class is set by a short event at a known place."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from audit.errors import bad_input

__all__ = ["EVENT_SHAPES", "SignalData", "event_signals"]

#: The event of each class, in class order: its name; class k's event is drawn on
#: channel ``k % channels``.
EVENT_SHAPES: tuple[str, ...] = ("pulse", "ramp", "oscillation", "dip")


@dataclass
class SignalData:
    """Generated sequences with the ground truth of where their class is decided.

    ``X`` is float32 ``(n, length, channels)``; ``y`` int64 labels; ``mask`` a 0/1
    float32 array shaped like ``X`` marking the steps and channel of each row's
    event; ``positions`` the first step of each row's event; ``event_channel[k]``
    the channel carrying class k's event.
    """

    X: np.ndarray
    y: np.ndarray
    mask: np.ndarray
    positions: np.ndarray
    class_names: list[str]
    channel_names: list[str]
    event_channel: list[int]
    event_length: int
    amplitude: float
    noise: float

    @property
    def event_share(self) -> float:
        """Share of the entries of ``X`` inside an event (the mean of ``mask``)."""
        length, channels = self.X.shape[1:]
        return self.event_length / (length * channels)


def event_shape(name: str, length: int) -> np.ndarray:
    """The event ``name`` over ``length`` steps, peak magnitude 1.

    Examples
    --------
    >>> event_shape("oscillation", 4).tolist()
    [1.0, -1.0, 1.0, -1.0]
    """
    steps = np.arange(length)
    if name in ("pulse", "dip"):
        bump = np.sin(np.pi * (steps + 0.5) / length)
        return bump / bump.max() * (1.0 if name == "pulse" else -1.0)
    if name == "ramp":
        return np.linspace(-1.0, 1.0, length) if length > 1 else np.ones(1)
    if name == "oscillation":
        return np.where(steps % 2 == 0, 1.0, -1.0)
    raise bad_input("name", f"one of {list(EVENT_SHAPES)}", repr(name))


def event_signals(
    seed: int = 0,
    *,
    n: int = 1200,
    length: int = 40,
    channels: int = 3,
    n_classes: int = 3,
    event_length: int = 5,
    amplitude: float = 2.0,
    noise: float = 1.0,
) -> SignalData:
    """Generate noisy multichannel sequences, each with one class-defining event.

    Every entry is Gaussian noise (standard deviation ``noise``). Each row gets one
    event of ``event_length`` steps starting at a uniformly random step: class k
    adds ``amplitude`` times the shape ``EVENT_SHAPES[k]`` (a pulse, a ramp from
    -1 to 1, an alternating oscillation, a dip) to channel ``k % channels``.
    Classes are balanced (``n`` rows cycled over the classes, then shuffled). The
    returned ``mask`` marks the event's steps on its channel: the ground truth of
    which inputs carry the signal.

    Parameters
    ----------
    seed : int
        Seed of everything drawn; the same seed gives identical arrays.
    n, length, channels : int
        Rows, steps per row and channels per step.
    n_classes : int
        Number of classes, 2 to 4.
    event_length : int
        Steps of an event, at most ``length``.
    amplitude, noise : float
        Peak height of an event and the standard deviation of the noise.

    Returns
    -------
    SignalData

    Raises
    ------
    AuditInputError
        When an argument is out of range; the message names it.

    Examples
    --------
    >>> data = event_signals(seed=0, n=6, length=20)
    >>> data.X.shape, data.mask.shape, data.y.tolist()[:3]
    ((6, 20, 3), (6, 20, 3), [0, 2, 2])
    >>> round(float(data.mask.mean()), 4), round(data.event_share, 4)
    (0.0833, 0.0833)
    """
    if not 2 <= n_classes <= len(EVENT_SHAPES):
        raise bad_input("n_classes", f"an int from 2 to {len(EVENT_SHAPES)}", n_classes)
    for name, value, low in (("n", n, n_classes), ("channels", channels, 1)):
        if not isinstance(value, int) or value < low:
            raise bad_input(name, f"an int >= {low}", value)
    if not isinstance(event_length, int) or not 1 <= event_length <= length:
        raise bad_input("event_length", f"an int from 1 to length ({length})", event_length)
    if not amplitude > 0 or not noise >= 0:
        raise bad_input("amplitude, noise", "amplitude > 0 and noise >= 0", (amplitude, noise))

    rng = np.random.default_rng(seed)
    y = rng.permutation(np.arange(n) % n_classes).astype(np.int64)
    positions = rng.integers(0, length - event_length + 1, size=n)
    X = rng.normal(0.0, noise, size=(n, length, channels))
    mask = np.zeros((n, length, channels), dtype=np.float32)
    event_channel = [k % channels for k in range(n_classes)]
    shapes = [amplitude * event_shape(EVENT_SHAPES[k], event_length) for k in range(n_classes)]
    for row, (label, start) in enumerate(zip(y, positions, strict=True)):
        steps = slice(start, start + event_length)
        X[row, steps, event_channel[label]] += shapes[label]
        mask[row, steps, event_channel[label]] = 1.0
    return SignalData(
        X=X.astype(np.float32),
        y=y,
        mask=mask,
        positions=positions.astype(np.int64),
        class_names=list(EVENT_SHAPES[:n_classes]),
        channel_names=[f"ch{c}" for c in range(channels)],
        event_channel=event_channel,
        event_length=event_length,
        amplitude=float(amplitude),
        noise=float(noise),
    )
