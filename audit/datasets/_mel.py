"""Log-mel spectrograms in torch: a mel filter bank and ``torch.stft`` (no torchaudio)."""

from __future__ import annotations

import numpy as np

from audit.errors import bad_input

__all__ = ["HOP", "N_FFT", "hz_to_mel", "log_mel", "mel_filterbank", "mel_to_hz"]

#: STFT settings at 8 kHz: a 32 ms Hann window every 20 ms.
N_FFT, HOP = 256, 160
#: Added to the mel power before the logarithm (the quietest level told apart).
FLOOR = 1e-4


def hz_to_mel(hz: np.ndarray | float) -> np.ndarray:
    """The HTK mel scale: ``2595 log10(1 + f / 700)``.

    Examples
    --------
    >>> float(hz_to_mel(1000.0)).__round__(1)
    1000.0
    """
    return 2595.0 * np.log10(1.0 + np.asarray(hz, dtype=float) / 700.0)


def mel_to_hz(mel: np.ndarray | float) -> np.ndarray:
    """The inverse of :func:`hz_to_mel`.

    Examples
    --------
    >>> float(mel_to_hz(hz_to_mel(440.0))).__round__(6)
    440.0
    """
    return 700.0 * (10.0 ** (np.asarray(mel, dtype=float) / 2595.0) - 1.0)


def mel_filterbank(
    n_mels: int,
    *,
    n_fft: int = N_FFT,
    sample_rate: int = 8000,
    f_min: float = 0.0,
    f_max: float | None = None,
) -> np.ndarray:
    """Triangular mel filters ``(n_mels, n_fft // 2 + 1)`` over the STFT's frequency bins.

    ``n_mels + 2`` edges are spaced evenly on the HTK mel scale from ``f_min`` to
    ``f_max`` (default: the Nyquist frequency); filter m rises linearly from edge m to
    1 at edge m + 1 and falls to 0 at edge m + 2, evaluated at the bin frequencies
    ``k · sample_rate / n_fft`` (as librosa's ``mel(htk=True, norm=None)``). Between
    the first and the last filter's centre the filters sum to 1.

    Parameters
    ----------
    n_mels : int
        Number of filters (at least 1).
    n_fft : int
        FFT size of the STFT the filters apply to.
    sample_rate : int
        Samples per second.
    f_min, f_max : float
        Lowest and highest edge, in Hz (``0 <= f_min < f_max <= sample_rate / 2``).

    Returns
    -------
    ndarray of float32

    Examples
    --------
    >>> bank = mel_filterbank(8, n_fft=64, sample_rate=8000)
    >>> bank.shape, float(bank.max()) <= 1.0
    ((8, 33), True)
    """
    f_max = sample_rate / 2 if f_max is None else f_max
    if not isinstance(n_mels, int) or n_mels < 1:
        raise bad_input("n_mels", "an int >= 1", n_mels)
    if not 0 <= f_min < f_max <= sample_rate / 2:
        raise bad_input("f_min, f_max", f"0 <= f_min < f_max <= {sample_rate / 2}", (f_min, f_max))
    edges = mel_to_hz(np.linspace(hz_to_mel(f_min), hz_to_mel(f_max), n_mels + 2))
    freqs = np.arange(n_fft // 2 + 1) * sample_rate / n_fft
    lower, centre, upper = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    rising = (freqs[None] - lower) / (centre - lower)
    falling = (upper - freqs[None]) / (upper - centre)
    return np.maximum(0.0, np.minimum(rising, falling)).astype(np.float32)


def log_mel(
    audio: np.ndarray, *, n_mels: int = 32, sample_rate: int = 8000, batch: int = 1024
) -> np.ndarray:
    """Log-mel spectrograms ``(n, n_mels, frames)`` of waveforms ``(n, samples)``.

    ``torch.stft`` with a periodic Hann window of :data:`N_FFT` samples every
    :data:`HOP` (centred frames, zero padding; ``samples // HOP`` frames kept), the
    power spectrum through :func:`mel_filterbank`, then ``log(power + FLOOR)``.

    Examples
    --------
    >>> log_mel(np.zeros((2, 8000), dtype=np.float32), n_mels=16).shape
    (2, 16, 50)
    """
    import torch

    bank = torch.from_numpy(mel_filterbank(n_mels, n_fft=N_FFT, sample_rate=sample_rate))
    window = torch.hann_window(N_FFT)
    frames = audio.shape[1] // HOP
    out = np.empty((len(audio), n_mels, frames), dtype=np.float32)
    for first in range(0, len(audio), batch):
        chunk = torch.from_numpy(np.ascontiguousarray(audio[first : first + batch]))
        spectrum = torch.stft(
            chunk,
            N_FFT,
            hop_length=HOP,
            window=window,
            center=True,
            pad_mode="constant",
            return_complex=True,
        )
        power = spectrum.abs() ** 2  # (rows, bins, frames)
        mel = torch.matmul(bank, power[..., :frames])
        out[first : first + len(chunk)] = torch.log(mel + FLOOR).numpy()
    return out
