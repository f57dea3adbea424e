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

from classifier.descriptors import N_DESCRIPTORS, clip_descriptors
from classifier.inputs import InputSpec, cut_clips, spectrogram


def clip_rows(audio: np.ndarray, spec: InputSpec) -> np.ndarray:
    """(n_clips, row length) of one track for a clip-level spec."""
    clip_samples, step = spec.frames * spec.hop_length, spec.stride * spec.hop_length
    descriptors = clip_descriptors(audio, spec.sample_rate, clip_samples, step)
    if spec.kind == "descriptors":
        return descriptors
    if spec.kind != "mel+descriptors":
        raise ValueError(f"not a clip-level input kind: {spec.kind!r}")
    mel = cut_clips(spectrogram(audio, replace(spec, kind="mel")), replace(spec, kind="mel"))
    n = min(len(mel), len(descriptors))  # the centred STFT may fit one clip more
    return np.concatenate([mel[:n].reshape(n, -1), descriptors[:n]], axis=1)


def row_length(spec: InputSpec) -> int:
    """Length of one clip row for a clip-level spec."""
    if spec.kind == "descriptors":
        return N_DESCRIPTORS
    return spec.n_bins * spec.frames + N_DESCRIPTORS


def descriptor_part(features: Mapping[int, np.ndarray]) -> dict[int, np.ndarray]:
    """The descriptor columns of packed "mel+descriptors" rows: descriptors without recomputing."""
    return {i: rows[:, -N_DESCRIPTORS:].copy() for i, rows in features.items()}
