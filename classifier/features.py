"""Mel spectrograms in torch, batched, on the chosen device; the same numbers as librosa.

Reference (musicnn's own preprocessing): 16 kHz mono, librosa.feature.melspectrogram with
n_fft 512, hop 256, 96 mels (Slaney scale and norm), periodic Hann window, centred frames
zero-padded ("constant"), power 2, then log10(10000 x + 1) in float32.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
import torch


class Preprocessing(Protocol):
    """The part of a bundle's preprocessing config the features need."""

    @property
    def sample_rate(self) -> int: ...
    @property
    def n_fft(self) -> int: ...
    @property
    def hop_length(self) -> int: ...
    @property
    def n_mels(self) -> int: ...
    @property
    def patch_frames(self) -> int: ...


# The Slaney mel scale (Auditory Toolbox, librosa's default): linear below 1 kHz, log above.
_HZ_PER_MEL = 200.0 / 3
_LOG_FROM_HZ = 1000.0
_LOG_FROM_MEL = _LOG_FROM_HZ / _HZ_PER_MEL
_LOG_STEP = np.log(6.4) / 27.0


def hz_to_mel(hz: np.ndarray | float) -> np.ndarray:
    """Slaney mels of frequencies in Hz."""
    hz = np.asarray(hz, dtype=np.float64)
    above = _LOG_FROM_MEL + np.log(np.maximum(hz, _LOG_FROM_HZ) / _LOG_FROM_HZ) / _LOG_STEP
    return np.where(hz >= _LOG_FROM_HZ, above, hz / _HZ_PER_MEL)


def mel_to_hz(mel: np.ndarray | float) -> np.ndarray:
    """Frequencies in Hz of Slaney mels."""
    mel = np.asarray(mel, dtype=np.float64)
    above = _LOG_FROM_HZ * np.exp(_LOG_STEP * (mel - _LOG_FROM_MEL))
    return np.where(mel >= _LOG_FROM_MEL, above, mel * _HZ_PER_MEL)


def mel_filterbank(sample_rate: int, n_fft: int, n_mels: int) -> np.ndarray:
    """The Slaney-normalised triangular mel filterbank, (n_mels, n_fft // 2 + 1) float32.

    Equal to librosa.filters.mel's default (a test checks it) without importing librosa, whose
    scipy.signal and numba imports took 2 s of the app's start.
    """
    edges = mel_to_hz(np.linspace(0.0, float(hz_to_mel(sample_rate / 2)), n_mels + 2))
    freqs = np.fft.rfftfreq(n_fft, 1.0 / sample_rate)
    lower, centre, upper = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    rising = (freqs - lower) / (centre - lower)
    falling = (upper - freqs) / (upper - centre)
    triangles = np.maximum(0.0, np.minimum(rising, falling))
    return (triangles * (2.0 / (upper - lower))).astype(np.float32)  # equal area per filter


def patch_samples(config: Preprocessing) -> int:
    """Samples of audio giving exactly `patch_frames` centred STFT frames."""
    return (config.patch_frames - 1) * config.hop_length + 1


class MelSpectrogram:
    """Power mel spectrogram of (batch, samples) mono audio -> (batch, n_mels, frames).

    librosa.feature.melspectrogram's defaults: Slaney mels and norm, periodic Hann window,
    centred frames zero-padded, power 2. The one mel implementation: the pretrained bundles'
    LogMel and the from-scratch nets' inputs (classifier/inputs.py) differ only by parameters
    and by the log they take.
    """

    def __init__(self, sample_rate: int, n_fft: int, hop_length: int, n_mels: int,
                 device: str | torch.device = "cpu") -> None:
        self.n_fft, self.hop_length = n_fft, hop_length
        self.device = torch.device(device)
        fb = mel_filterbank(sample_rate, n_fft, n_mels)
        self.filterbank = torch.from_numpy(fb).to(self.device)
        self.window = torch.hann_window(n_fft, periodic=True, device=self.device)

    def __call__(self, audio: np.ndarray | torch.Tensor, frames: int | None = None) -> torch.Tensor:
        """Mel power of each row of `audio`, cut to the first `frames` frames if given."""
        x = torch.as_tensor(audio, dtype=torch.float32).to(self.device)
        spec = torch.stft(
            x,
            n_fft=self.n_fft,
            hop_length=self.hop_length,
            window=self.window,
            center=True,
            pad_mode="constant",
            return_complex=True,
        )
        if frames is not None:
            spec = spec[:, :, :frames]  # before squaring: patches are much shorter than clips
        squares = torch.view_as_real(spec).square()
        power = squares[..., 0] + squares[..., 1]  # (batch, bins, frames); .sum(-1) is 7x slower
        return torch.matmul(self.filterbank, power)  # (batch, n_mels, frames)


class LogMel:
    """Turns (batch, samples) mono audio into (batch, frames, n_mels) log-mel patches."""

    def __init__(self, config: Preprocessing, device: str | torch.device = "cpu") -> None:
        self.config = config
        self.device = torch.device(device)
        self.mel = MelSpectrogram(config.sample_rate, config.n_fft, config.hop_length,
                                  config.n_mels, self.device)

    def __call__(self, audio: np.ndarray | torch.Tensor) -> torch.Tensor:
        """Log-mel of each row of `audio`, cut to the first `patch_frames` frames."""
        mel = self.mel(audio, self.config.patch_frames)
        logmel = mel.mul_(10000.0).add_(1.0).log10_()  # in place: these maps are large
        return logmel.transpose(1, 2).contiguous()
