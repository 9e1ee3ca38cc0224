"""Generated keyword utterances from speaker groups, as log-mel spectrograms (no network).

Each utterance is one of ten short keywords, a sequence of phoneme-like segments
synthesised from formants (vowels, nasals, liquids: harmonics of a pitch contour
shaped by three formant resonances) and noise bands (fricatives, stop bursts),
placed at a random time in background noise. Speakers come from groups that differ
in pitch range and in a formant shift (vocal-tract length, and an "accent" that
raises the second formant). Everything is drawn from one seed, batch-vectorised;
the ground truth of each utterance (the keyword's time span, the speaker's group,
pitch and formant scale, the noise level) is returned with it. The log-mel
spectrogram and its filter bank live in :mod:`audit.datasets._mel`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from audit.datasets._mel import HOP, N_FFT, log_mel
from audit.errors import bad_input

__all__ = [
    "GROUPS",
    "KEYWORDS",
    "NOISE_LEVELS",
    "SAMPLE_RATE",
    "SpeechData",
    "keyword_utterances",
]

SAMPLE_RATE = 8000
#: Each keyword's phonemes (a rough phonetic spelling in :data:`PHONEMES`).
KEYWORDS: dict[str, tuple[str, ...]] = {
    "yes": ("j", "e", "s"),
    "no": ("n", "o"),
    "up": ("a", "p"),
    "down": ("d", "a", "u", "n"),
    "left": ("l", "e", "f", "t"),
    "right": ("r", "a", "i", "t"),
    "on": ("o", "n"),
    "off": ("o", "f"),
    "stop": ("s", "t", "o", "p"),
    "go": ("g", "o"),
}
#: Phoneme → (kind, F1, F2, F3 in Hz for voiced sounds, or a noise band's low and high
#: edge in Hz, duration range in ms). Kinds: "voiced" (harmonics shaped by formants),
#: "noise" (a fricative: band-limited noise), "stop" (a short burst, then silence).
PHONEMES: dict[str, tuple[str, tuple[float, ...], tuple[float, float]]] = {
    "a": ("voiced", (730.0, 1090.0, 2440.0), (80.0, 110.0)),
    "e": ("voiced", (530.0, 1840.0, 2480.0), (70.0, 100.0)),
    "i": ("voiced", (300.0, 2200.0, 2960.0), (60.0, 90.0)),
    "o": ("voiced", (470.0, 880.0, 2500.0), (80.0, 110.0)),
    "u": ("voiced", (320.0, 870.0, 2240.0), (60.0, 80.0)),
    "j": ("voiced", (280.0, 2300.0, 3000.0), (40.0, 60.0)),
    "n": ("voiced", (250.0, 1300.0, 2500.0), (50.0, 70.0)),
    "l": ("voiced", (360.0, 1300.0, 2900.0), (40.0, 60.0)),
    "r": ("voiced", (420.0, 1300.0, 1600.0), (40.0, 60.0)),
    "s": ("noise", (3000.0, 3900.0), (70.0, 100.0)),
    "f": ("noise", (1200.0, 3900.0), (60.0, 90.0)),
    "t": ("stop", (2500.0, 3900.0), (30.0, 40.0)),
    "p": ("stop", (300.0, 1500.0), (30.0, 40.0)),
    "d": ("stop", (1500.0, 3000.0), (30.0, 40.0)),
    "g": ("stop", (900.0, 2000.0), (30.0, 40.0)),
}
#: Speaker group → (pitch range in Hz, formant scale, second-formant shift in Hz).
GROUPS: dict[str, tuple[tuple[float, float], float, float]] = {
    "A": ((85.0, 150.0), 1.00, 0.0),
    "B": ((220.0, 350.0), 1.30, 0.0),
    "C": ((120.0, 190.0), 1.05, 300.0),
}
#: Noise level → signal-to-noise ratio in dB (white background noise over the utterance).
NOISE_LEVELS: dict[str, float] = {"low": 10.0, "medium": 5.0, "high": 0.0}
BANDWIDTHS = np.array([90.0, 110.0, 170.0])  # formant bandwidths (Hz)
FORMANT_GAINS = np.array([1.0, 0.6, 0.3])
NYQUIST_GUARD = 3900.0  # nothing voiced above this (Hz)
FADE_MS = 10.0  # cross-fade between segments
BURST_MS = 15.0  # a stop's burst; the rest of the segment is its closure (silence)
EDGE_S = 0.05  # least time between the keyword and the utterance's ends


@dataclass
class SpeechData:
    """Generated utterances, their features and their ground truth.

    ``X`` float32 ``(n, 1, n_mels, frames)`` log-mel spectrograms; ``y`` int64 keyword
    ids (``keywords[y]``); ``mask`` a 0/1 float32 array shaped like ``X`` marking the
    frames of each keyword (all mel bands); ``start``/``end`` the keyword's span in
    samples; ``group`` the speaker group, ``f0`` the speaker's base pitch (Hz),
    ``formant_scale`` and ``noise`` (level name) and ``snr_db`` per utterance;
    ``audio`` the waveforms ``(n, samples)`` when asked for, else ``None``.
    """

    X: np.ndarray
    y: np.ndarray
    mask: np.ndarray
    start: np.ndarray
    end: np.ndarray
    group: np.ndarray
    f0: np.ndarray
    formant_scale: np.ndarray
    noise: np.ndarray
    snr_db: np.ndarray
    keywords: list[str]
    sample_rate: int
    audio: np.ndarray | None = None

    @property
    def frames(self) -> int:
        """Spectrogram frames per utterance."""
        return int(self.X.shape[-1])


def keyword_utterances(
    seed: int = 0,
    *,
    n: int = 3000,
    duration: float = 0.8,
    n_mels: int = 32,
    groups: dict[str, float] | None = None,
    noise_levels: tuple[str, ...] = tuple(NOISE_LEVELS),
    wake_word: str | None = None,
    keep_audio: bool = False,
) -> SpeechData:
    """Synthesise ``n`` keyword utterances and their log-mel spectrograms.

    Keywords are balanced (``n`` rows cycled over :data:`KEYWORDS`, then shuffled).
    Each speaker's group is drawn with the shares ``groups`` (default: equal), the
    speaker's pitch uniformly from the group's range and the formant scale around
    the group's (±3%); the pitch contour falls by 15% over the keyword with a small
    random rise at its start. Phoneme durations are drawn from their ranges; the
    keyword starts at a uniform time at least 50 ms from either end. Background
    noise is white, at a signal-to-noise ratio of the utterance's noise level
    (drawn evenly from ``noise_levels``); the level of the whole utterance is
    scaled by a random gain of ±6 dB.

    Parameters
    ----------
    seed : int
        Seed of everything drawn; the same seed gives identical arrays.
    n : int
        Utterances, at least 10.
    duration : float
        Seconds per utterance (0.5 to 2); frames = samples // 160.
    n_mels : int
        Mel bands of the spectrogram (8 to 64).
    groups : dict of str to float, optional
        Share of each speaker group (names from :data:`GROUPS`); normalised to sum to 1.
    noise_levels : tuple of str
        Noise levels drawn (names from :data:`NOISE_LEVELS`).
    keep_audio : bool
        Also return the waveforms (``n × samples`` float32).

    Returns
    -------
    SpeechData

    Raises
    ------
    AuditInputError
        When an argument is out of range; the message names it.

    Examples
    --------
    >>> data = keyword_utterances(0, n=20)
    >>> data.X.shape, data.mask.shape, data.keywords[:3]
    ((20, 1, 32, 40), (20, 1, 32, 40), ['yes', 'no', 'up'])
    >>> sorted(set(data.group.tolist())) == sorted(GROUPS)
    True
    """
    _check(n, duration, n_mels, groups, noise_levels, wake_word)
    rng = np.random.default_rng(seed)
    shares = groups or dict.fromkeys(GROUPS, 1.0)
    names = list(shares)
    p = np.array([shares[g] for g in names], dtype=float)
    length = round(duration * SAMPLE_RATE)
    keywords = list(KEYWORDS)
    if wake_word is None:
        y = rng.permutation(np.arange(n) % len(keywords)).astype(np.int64)
    else:  # half the wake word, the other half cycled over the others
        others = [k for k in range(len(keywords)) if keywords[k] != wake_word]
        cycled = np.array(others)[np.arange(n - n // 2) % len(others)]
        y = rng.permutation(np.r_[np.full(n // 2, keywords.index(wake_word)), cycled])
    group = np.array(names)[rng.choice(len(names), size=n, p=p / p.sum())]
    pitch = np.array([GROUPS[g][0] for g in group])
    f0 = rng.uniform(pitch[:, 0], pitch[:, 1])
    scale = np.array([GROUPS[g][1] for g in group]) * rng.uniform(0.97, 1.03, n)
    f2_shift = np.array([GROUPS[g][2] for g in group])
    noise = np.array(noise_levels)[rng.integers(0, len(noise_levels), n)]
    snr_db = np.array([NOISE_LEVELS[level] for level in noise])
    plan = _segments(y, keywords, rng)
    spoken = plan["bounds"][:, -1]
    latest = length - spoken - int(EDGE_S * SAMPLE_RATE)
    start = (rng.random(n) * (latest - int(EDGE_S * SAMPLE_RATE))).astype(np.int64)
    start += int(EDGE_S * SAMPLE_RATE)
    word = _synthesise(plan, f0, scale, f2_shift, rng)
    audio = np.zeros((n, length), dtype=np.float32)
    rows = np.arange(n)[:, None]
    steps = np.arange(word.shape[1])[None, :]
    audio[rows, np.minimum(start[:, None] + steps, length - 1)] += np.where(
        steps < spoken[:, None], word, 0.0
    )
    power = (word**2).sum(1) / spoken
    background = rng.standard_normal((n, length), dtype=np.float32)
    audio += background * np.sqrt(power / 10 ** (snr_db / 10))[:, None].astype(np.float32)
    audio *= (10 ** (rng.uniform(-6, 6, n) / 20))[:, None].astype(np.float32)
    X = log_mel(audio, n_mels=n_mels, sample_rate=SAMPLE_RATE)[:, None]
    end = start + spoken
    centres = np.arange(X.shape[-1]) * HOP
    widen = N_FFT // 4
    inside = (centres[None] >= start[:, None] - widen) & (centres[None] < end[:, None] + widen)
    mask = np.broadcast_to(inside[:, None, None, :], X.shape).astype(np.float32)
    return SpeechData(
        X=X,
        y=y,
        mask=mask,
        start=start,
        end=end,
        group=group,
        f0=f0,
        formant_scale=scale,
        noise=noise,
        snr_db=snr_db,
        keywords=keywords,
        sample_rate=SAMPLE_RATE,
        audio=audio if keep_audio else None,
    )


def _check(n, duration, n_mels, groups, noise_levels, wake_word) -> None:
    if not isinstance(n, int) or n < 10:
        raise bad_input("n", "an int >= 10", n)
    if not 0.5 <= duration <= 2.0:
        raise bad_input("duration", "seconds from 0.5 to 2", duration)
    if not isinstance(n_mels, int) or not 8 <= n_mels <= 64:
        raise bad_input("n_mels", "an int from 8 to 64", n_mels)
    if groups is not None and (
        not groups
        or set(groups) - set(GROUPS)
        or min(groups.values()) < 0
        or sum(groups.values()) <= 0
    ):
        raise bad_input("groups", f"non-negative shares of groups in {list(GROUPS)}", groups)
    if wake_word is not None and wake_word not in KEYWORDS:
        raise bad_input("wake_word", f"one of {list(KEYWORDS)} or None", repr(wake_word))
    if not noise_levels or set(noise_levels) - set(NOISE_LEVELS):
        raise bad_input("noise_levels", f"names from {list(NOISE_LEVELS)}", noise_levels)


def _segments(y: np.ndarray, keywords: list[str], rng: np.random.Generator) -> dict:
    """Per utterance and segment: kind, parameters and end (samples from the keyword's start)."""
    most = max(len(KEYWORDS[k]) for k in keywords)
    n = len(y)
    kind = np.full((n, most), -1, dtype=np.int64)  # 0 voiced, 1 noise, 2 stop, -1 none
    params = np.zeros((n, most, 3))
    span = np.zeros((n, most, 2))
    for word_id, word in enumerate(keywords):
        rows = np.flatnonzero(y == word_id)
        for j, phoneme in enumerate(KEYWORDS[word]):
            what, values, ms = PHONEMES[phoneme]
            kind[rows, j] = ("voiced", "noise", "stop").index(what)
            params[rows, j, : len(values)] = values
            span[rows, j] = ms
    ms = rng.uniform(span[..., 0], span[..., 1])
    durations = np.where(kind >= 0, np.round(ms * SAMPLE_RATE / 1000), 0).astype(np.int64)
    return {"kind": kind, "params": params, "bounds": np.cumsum(durations, axis=1)}


def _synthesise(
    plan: dict, f0: np.ndarray, scale: np.ndarray, f2_shift: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """The keywords' waveforms ``(n, longest)`` from each one's start, voiced peak 1.

    Source and filter, segment by segment: a voiced segment filters a pulse train at
    the pitch contour through its three formant resonances (with a spectral tilt),
    a fricative or a stop's burst filters white noise to its band; each filtered
    signal is weighted by its segment's window (10 ms cross-fades; a stop keeps
    only its first :data:`BURST_MS`). Filtering is a product of spectra (FFT).
    """
    import torch

    bounds, kind, params = plan["bounds"], plan["kind"], plan["params"]
    n, longest = len(f0), int(bounds[:, -1].max())
    t = np.arange(longest)
    rise = rng.uniform(0.0, 0.08, n)[:, None]
    progress = t[None, :] / np.maximum(bounds[:, -1:], 1)
    pitch = f0[:, None] * (1.0 + rise * np.exp(-progress / 0.15) - 0.15 * progress)
    cycles = np.cumsum(pitch, axis=1) / SAMPLE_RATE
    pulses = np.diff(np.floor(cycles), axis=1, prepend=0.0)  # one impulse per period
    source = torch.fft.rfft(torch.from_numpy(pulses).float(), dim=1)
    noise = torch.fft.rfft(
        torch.from_numpy(rng.standard_normal((n, longest), dtype=np.float32)), dim=1
    )
    freqs = torch.fft.rfftfreq(longest, 1 / SAMPLE_RATE)
    tilt = torch.where(freqs < NYQUIST_GUARD, 1.0 / torch.sqrt(1.0 + freqs / 100.0), 0.0)
    half_bandwidths = torch.from_numpy(BANDWIDTHS / 2).float()
    gains = torch.from_numpy(FORMANT_GAINS).float()
    starts = np.concatenate([np.zeros((n, 1), np.int64), bounds[:, :-1]], axis=1)
    fade = FADE_MS * SAMPLE_RATE / 1000
    voiced, noisy = torch.zeros(n, longest), torch.zeros(n, longest)
    steps = torch.arange(longest, dtype=torch.float32)[None]
    for j in range(kind.shape[1]):
        first = starts[:, j : j + 1]
        last = np.where(
            kind[:, j : j + 1] == 2, first + BURST_MS * SAMPLE_RATE / 1000, bounds[:, j : j + 1]
        )
        window = torch.clamp(
            torch.minimum(
                steps - torch.from_numpy(first - fade / 2).float(),
                torch.from_numpy(last + fade / 2).float() - steps,
            )
            / fade,
            0.0,
            1.0,
        )
        rows = np.flatnonzero(kind[:, j] == 0)
        formants = params[rows, j] * scale[rows, None]
        formants[:, 1] += f2_shift[rows]
        distance = (freqs[None, :, None] - torch.from_numpy(formants).float()[:, None]) / (
            half_bandwidths
        )
        response = (gains / (1.0 + distance**2)).sum(-1) * tilt
        shaped = torch.fft.irfft(source[rows] * response, longest, dim=1)
        voiced[rows] += shaped * window[rows]
        rows = np.flatnonzero(kind[:, j] > 0)
        low, high = (torch.from_numpy(params[rows, j, i : i + 1]).float() for i in (0, 1))
        hiss = torch.fft.irfft(noise[rows] * ((freqs >= low) & (freqs < high)), longest, dim=1)
        hiss /= hiss.std(dim=1, keepdim=True) + 1e-9
        level = torch.from_numpy(np.where(kind[rows, j] == 1, 0.12, 0.2)[:, None]).float()
        noisy[rows] += hiss * window[rows] * level
    word = voiced / (voiced.abs().amax(dim=1, keepdim=True) + 1e-9) + noisy
    return word.numpy()
