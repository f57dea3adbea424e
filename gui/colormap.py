"""A perceptual colour map (magma-like) for spectrogram pictures, in numpy only."""

from __future__ import annotations

import numpy as np

# Anchor colours of matplotlib's "magma", sampled at even steps; interpolated between.
_ANCHORS = np.array(
    [
        (0, 0, 4), (28, 16, 68), (79, 18, 123), (129, 37, 129), (181, 54, 122),
        (229, 80, 100), (251, 135, 97), (254, 194, 135), (252, 253, 191),
    ],
    dtype=np.float32,
)


def colorize(values: np.ndarray) -> np.ndarray:
    """Map a 2-D array of values in [0, 1] to an RGB uint8 image (H x W x 3)."""
    scaled = np.clip(np.nan_to_num(values), 0.0, 1.0) * (len(_ANCHORS) - 1)
    low = np.floor(scaled).astype(np.int64)
    high = np.minimum(low + 1, len(_ANCHORS) - 1)
    frac = (scaled - low)[..., None]
    rgb = _ANCHORS[low] * (1 - frac) + _ANCHORS[high] * frac
    return np.ascontiguousarray(rgb.round().astype(np.uint8))
