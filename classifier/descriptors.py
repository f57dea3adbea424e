"""Hand-crafted audio descriptors: the 57 columns of GTZAN's well-known features table.

Per clip (the 3 s table) and per track (the 30 s table): chroma STFT, RMS, spectral centroid,
bandwidth and roll-off, zero-crossing rate, harmonic and percussive signal (HPSS), each as mean
and variance, then tempo, then 20 MFCCs as mean and variance. librosa's defaults throughout
(FFT 2048, hop 512), as the table's authors used; the `length` column is left out, as usual.
"""

from __future__ import annotations

import numpy as np

N_MFCC = 20
_PAIRS = ("chroma_stft", "rms", "spectral_centroid", "spectral_bandwidth", "rolloff",
          "zero_crossing_rate", "harmony", "perceptr")
COLUMNS: tuple[str, ...] = (
    *(f"{name}_{stat}" for name in _PAIRS for stat in ("mean", "var")),
    "tempo",
    *(f"mfcc{k}_{stat}" for k in range(1, N_MFCC + 1) for stat in ("mean", "var")),
)
N_DESCRIPTORS = len(COLUMNS)  # 57
VERSION = "descriptors-v1"  # the name vectors are cached under; bump when the numbers change


def describe(audio: np.ndarray, sample_rate: int) -> np.ndarray:
    """The 57 descriptors of one stretch of mono audio, float32, in COLUMNS order."""
    import librosa

    y = np.ascontiguousarray(audio, dtype=np.float32)
    stft = librosa.stft(y)  # one STFT shared by every spectral descriptor
    magnitude = np.abs(stft)
    power = magnitude**2
    harmonic, percussive = librosa.decompose.hpss(stft)
    frames = {
        "chroma_stft": librosa.feature.chroma_stft(S=power, sr=sample_rate),
        "rms": librosa.feature.rms(y=y),
        "spectral_centroid": librosa.feature.spectral_centroid(S=magnitude, sr=sample_rate),
        "spectral_bandwidth": librosa.feature.spectral_bandwidth(S=magnitude, sr=sample_rate),
        "rolloff": librosa.feature.spectral_rolloff(S=magnitude, sr=sample_rate),
        "zero_crossing_rate": librosa.feature.zero_crossing_rate(y),
        "harmony": librosa.istft(harmonic, length=len(y)),
        "perceptr": librosa.istft(percussive, length=len(y)),
    }
    values: list[float] = []
    for name in _PAIRS:
        values += [float(np.mean(frames[name])), float(np.var(frames[name]))]
    values.append(float(np.atleast_1d(librosa.feature.tempo(y=y, sr=sample_rate))[0]))
    mel = librosa.feature.melspectrogram(S=power, sr=sample_rate)
    mfcc = librosa.feature.mfcc(S=librosa.power_to_db(mel), n_mfcc=N_MFCC)
    for row in mfcc:
        values += [float(row.mean()), float(row.var())]
    return np.asarray(values, dtype=np.float32)


def clip_descriptors(audio: np.ndarray, sample_rate: int, clip_samples: int,
                     step_samples: int | None = None) -> np.ndarray:
    """(n_clips, 57): the descriptors of consecutive clips, as the 3 s table cuts a track."""
    step = step_samples or clip_samples
    starts = range(0, len(audio) - clip_samples + 1, step)
    if not starts:
        return np.empty((0, N_DESCRIPTORS), dtype=np.float32)
    return np.stack([describe(audio[s : s + clip_samples], sample_rate) for s in starts])
