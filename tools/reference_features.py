"""The reference (slow, librosa) path from an audio file to musicnn input patches.

Used by the developer tools and tests to check the broad bundle on real audio; the program
itself uses classifier/audio.py + classifier/features.py, which must give the same numbers.
"""

from __future__ import annotations

from pathlib import Path

import librosa
import numpy as np

SAMPLE_RATE, N_FFT, HOP, N_MELS, PATCH_FRAMES = 16000, 512, 256, 96, 187


def log_mel(path: Path, seconds: float | None = None) -> np.ndarray:
    """(frames, 96) musicnn log-mel: 16 kHz mono, Slaney mel power, log10(10000x + 1) in float32."""
    audio, sr = librosa.load(path, sr=SAMPLE_RATE, mono=True, duration=seconds)
    mel = librosa.feature.melspectrogram(y=audio, sr=sr, n_fft=N_FFT, hop_length=HOP,
                                         n_mels=N_MELS).T
    return np.log10(10000 * mel.astype(np.float32) + 1)


def log_mel_patches(path: Path, max_patches: int | None = None) -> np.ndarray:
    """Consecutive non-overlapping 187-frame patches; a clip under 3 s is repeat-padded."""
    seconds = None if max_patches is None else max_patches * PATCH_FRAMES * HOP / SAMPLE_RATE + 0.1
    mel = log_mel(path, seconds)
    if len(mel) < PATCH_FRAMES:  # as musicnn's training did ("repeat-pad")
        mel = np.tile(mel, (-(-PATCH_FRAMES // len(mel)), 1))
    count = len(mel) // PATCH_FRAMES
    if max_patches is not None:
        count = min(count, max_patches)
    return mel[:count * PATCH_FRAMES].reshape(count, PATCH_FRAMES, N_MELS)
