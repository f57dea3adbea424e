"""Clip-level inputs of the feature nets: descriptor rows, and spectrogram + descriptors packed.

A "descriptors" clip is the 57 descriptors of one clip of `frames × hop_length` samples (2.97 s
at the CS230 spec, the 3 s table's clips). A "mel+descriptors" clip is the flattened log-mel clip
the CS230 CNN sees followed by the 57 descriptors of the same audio, so one array per clip still
flows through the trainer and the bundle; the CNN-MLP net unpacks it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

import numpy as np

from classifier.descriptors import N_DESCRIPTORS, VERSION, clip_descriptors
from classifier.inputs import InputSpec, cut_clips, spectrogram


def clip_rows(audio: np.ndarray, spec: InputSpec,
              descriptors: np.ndarray | None = None) -> np.ndarray:
    """(n_clips, row length) of one track for a clip-level spec; `descriptors` (those of
    spec_descriptors, e.g. from a cache) are used instead of computing them again."""
    if descriptors is None:
        descriptors = spec_descriptors(audio, spec)
    if spec.kind == "descriptors":
        return descriptors
    if spec.kind != "mel+descriptors":
        raise ValueError(f"not a clip-level input kind: {spec.kind!r}")
    mel = cut_clips(spectrogram(audio, replace(spec, kind="mel")), replace(spec, kind="mel"))
    n = min(len(mel), len(descriptors))  # the centred STFT may fit one clip more
    return np.concatenate([mel[:n].reshape(n, -1), descriptors[:n]], axis=1)


def spec_descriptors(audio: np.ndarray, spec: InputSpec) -> np.ndarray:
    """(n_clips, 57): the descriptors of the spec's clips of one track."""
    clip_samples, step = spec.frames * spec.hop_length, spec.stride * spec.hop_length
    return clip_descriptors(audio, spec.sample_rate, clip_samples, step)


def descriptor_key(spec: InputSpec) -> str:
    """The name a track's clip descriptors are cached under: version and clip geometry.

    Nets whose clips are cut alike share the cached rows (feature-mlp, random-forest and
    cnn-mlp all use the 3 s table's clips); any other cut gets rows of its own.
    """
    clip_samples, step = spec.frames * spec.hop_length, spec.stride * spec.hop_length
    return f"{VERSION}/clips@{spec.sample_rate}:{clip_samples}:{step}"


def descriptor_part(features: Mapping[int, np.ndarray]) -> dict[int, np.ndarray]:
    """The descriptor columns of packed "mel+descriptors" rows: descriptors without recomputing."""
    return {i: rows[:, -N_DESCRIPTORS:].copy() for i, rows in features.items()}
