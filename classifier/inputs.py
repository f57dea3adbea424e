"""Per-network inputs of the from-scratch nets: whole-excerpt spectrograms, clips cut per track.

Training excerpts are short (GTZAN: 30 s), so a whole excerpt is decoded and turned into one
spectrogram; clips are cut from it only after the tracks were split (datasets.py), so a clip
never mixes audio of two tracks nor crosses a split.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

LOG_FLOOR = 1e-6  # keeps log() finite on digital silence
# Kinds whose per-track features are already one row per clip (see clip_inputs.py).
CLIP_LEVEL_KINDS = frozenset({"descriptors", "mel+descriptors"})


class InputError(ValueError):
    """A track that cannot be turned into network input (unreadable, too short, silent)."""


@dataclass(frozen=True, slots=True)
class InputSpec:
    """How audio becomes one network input: a (bins × frames) log spectrogram clip."""

    kind: str  # "mel" or "cqt"
    sample_rate: int
    hop_length: int
    n_bins: int
    frames: int
    stride: int  # frames between the starts of consecutive clips
    n_fft: int = 2048  # mel only
    fmin: float = 32.70  # cqt only: C1, so 84 bins span 7 octaves C1–B7

    @property
    def clip_seconds(self) -> float:
        """Length of one clip in seconds."""
        return self.frames * self.hop_length / self.sample_rate

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> InputSpec:
        """The inverse of to_dict; unknown keys are an error, not silently dropped."""
        return cls(**data)


def decode(path: Path, sample_rate: int, decoder: str | None = None) -> np.ndarray:
    """A whole file as mono float32 at `sample_rate` (classifier.audio's readers)."""
    from classifier.audio import DecodeError, decode_whole

    try:
        return decode_whole(path, sample_rate, decoder)
    except DecodeError as exc:
        raise InputError(f"{path}: cannot decode audio ({exc})") from exc


def spectrogram(audio: np.ndarray, spec: InputSpec) -> np.ndarray:
    """Log-magnitude mel or CQT spectrogram, shape (n_bins, frames), float32."""
    if spec.kind == "mel":  # classifier.features' mel, as the pretrained bundles see it
        from classifier.features import MelSpectrogram

        mel = MelSpectrogram(spec.sample_rate, spec.n_fft, spec.hop_length, spec.n_bins)
        power = mel(audio[None])[0].numpy()
    elif spec.kind == "cqt":
        import librosa

        power = np.abs(
            librosa.cqt(
                audio, sr=spec.sample_rate, hop_length=spec.hop_length, fmin=spec.fmin,
                n_bins=spec.n_bins, bins_per_octave=12,
            )
        ) ** 2
    else:
        raise ValueError(f"unknown input kind {spec.kind!r}")
    return np.log(power + LOG_FLOOR).astype(np.float32)


def usable_audio(path: Path, spec: InputSpec, decoder: str | None = None) -> np.ndarray:
    """The whole decoded excerpt at the spec's rate; InputError when it is unusable."""
    try:
        audio = decode(path, spec.sample_rate, decoder)
    except InputError:
        raise
    except Exception as exc:  # noqa: BLE001 - any decoder failure is one bad file, not a crash
        raise InputError(f"{path}: cannot decode audio ({exc})") from exc
    if audio.size < spec.frames * spec.hop_length:
        raise InputError(f"{path}: shorter than one {spec.clip_seconds:.2f} s clip")
    if not np.any(audio):
        raise InputError(f"{path}: digital silence")
    return audio


def cut_clips(features: np.ndarray, spec: InputSpec) -> np.ndarray:
    """Consecutive (n_bins × frames) clips of one track's spectrogram, `stride` frames apart."""
    if spec.kind in CLIP_LEVEL_KINDS:  # already one row per clip
        return features
    total = features.shape[1]
    if total < spec.frames:
        return np.empty((0, spec.n_bins, spec.frames), dtype=np.float32)
    starts = range(0, total - spec.frames + 1, spec.stride)
    return np.stack([features[:, s : s + spec.frames] for s in starts])


@dataclass(frozen=True)
class ClipSet:
    """Clips of some tracks: x (N, 1, bins, frames), genre index y (N,), track index (N,)."""

    x: np.ndarray
    y: np.ndarray
    track: np.ndarray

    def __len__(self) -> int:
        return len(self.y)


def clip_set(
    features: Mapping[int, np.ndarray],
    indices: Sequence[int],
    targets: Mapping[int, int],
    spec: InputSpec,
) -> ClipSet:
    """All clips of the tracks `indices` (those with features), labelled from `targets`."""
    xs, ys, owners = [], [], []
    for i in indices:
        if i not in features:
            continue
        clips = cut_clips(features[i], spec)
        xs.append(clips)
        ys.append(np.full(len(clips), targets[i], dtype=np.int64))
        owners.append(np.full(len(clips), i, dtype=np.int64))
    if not xs:
        empty = np.empty((0, 1, spec.n_bins, spec.frames), dtype=np.float32)
        return ClipSet(empty, np.empty(0, np.int64), np.empty(0, np.int64))
    return ClipSet(np.concatenate(xs)[:, None], np.concatenate(ys), np.concatenate(owners))
