"""Log-mel patches in torch, batched, on the chosen device; the same numbers as librosa.

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

    sample_rate: int
    n_fft: int
    hop_length: int
    n_mels: int
    patch_frames: int


def mel_filterbank(sample_rate: int, n_fft: int, n_mels: int) -> np.ndarray:
    """librosa's Slaney mel filterbank, (n_mels, n_fft // 2 + 1) float32."""
    import librosa  # slow to import; only needed once per LogMel

    return librosa.filters.mel(sr=sample_rate, n_fft=n_fft, n_mels=n_mels).astype(np.float32)


def patch_samples(config: Preprocessing) -> int:
    """Samples of audio giving exactly `patch_frames` centred STFT frames."""
    return (config.patch_frames - 1) * config.hop_length + 1


class LogMel:
    """Turns (batch, samples) mono audio into (batch, frames, n_mels) log-mel patches."""

    def __init__(self, config: Preprocessing, device: str | torch.device = "cpu") -> None:
        self.config = config
        self.device = torch.device(device)
        fb = mel_filterbank(config.sample_rate, config.n_fft, config.n_mels)
        self.filterbank = torch.from_numpy(fb).to(self.device)
        self.window = torch.hann_window(config.n_fft, periodic=True, device=self.device)

    def __call__(self, audio: np.ndarray | torch.Tensor) -> torch.Tensor:
        """Log-mel of each row of `audio`, cut to the first `patch_frames` frames."""
        x = torch.as_tensor(audio, dtype=torch.float32).to(self.device)
        spec = torch.stft(
            x,
            n_fft=self.config.n_fft,
            hop_length=self.config.hop_length,
            window=self.window,
            center=True,
            pad_mode="constant",
            return_complex=True,
        )
        spec = spec[:, :, : self.config.patch_frames]
        squares = torch.view_as_real(spec).square()
        power = squares[..., 0] + squares[..., 1]  # (batch, bins, frames); .sum(-1) is 7x slower
        mel = torch.matmul(self.filterbank, power)  # (batch, n_mels, frames)
        logmel = mel.mul_(10000.0).add_(1.0).log10_()  # in place: these maps are large
        return logmel.transpose(1, 2).contiguous()
