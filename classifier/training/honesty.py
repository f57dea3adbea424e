"""How far a cross-validated figure can be trusted: intervals, chance, calibration.

Used by `learn` to refuse a model that is not shown to beat guessing, and by the gate bench.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

Z95 = 1.959964  # two-sided 95 % normal quantile


def wilson_interval(hits: int, total: int, z: float = Z95) -> tuple[float, float]:
    """95 % Wilson score interval of a proportion hits/total; (0, 1) when there is no data."""
    if total <= 0:
        return 0.0, 1.0
    p = hits / total
    centre = (p + z * z / (2 * total)) / (1 + z * z / total)
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / (1 + z * z / total)
    return max(0.0, centre - half), min(1.0, centre + half)


def group_bootstrap_interval(hits: Sequence[bool], groups: Sequence[str], seed: int = 0,
                             n: int = 2000) -> tuple[float, float]:
    """95 % interval of the accuracy, resampling whole groups (albums/artists), not tracks.

    Tracks of one album are not independent evidence; resampling groups keeps them together.
    """
    names = sorted(set(groups))
    index = {g: i for i, g in enumerate(names)}
    right = np.zeros(len(names))
    count = np.zeros(len(names))
    for hit, group in zip(hits, groups):
        right[index[group]] += bool(hit)
        count[index[group]] += 1
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(names), size=(n, len(names)))
    accuracy = right[picks].sum(axis=1) / count[picks].sum(axis=1)
    return float(np.percentile(accuracy, 2.5)), float(np.percentile(accuracy, 97.5))


def track_probabilities(track_logits: Sequence[np.ndarray], temperature: float = 1.0
                        ) -> np.ndarray:
    """(tracks, labels): the mean over each track's clips of softmax(logits / T), as the app's
    default "mean" aggregate turns clips into a track."""
    rows = []
    for logits in track_logits:
        z = np.asarray(logits, dtype=np.float64) / temperature
        z = np.exp(z - z.max(axis=1, keepdims=True))
        rows.append((z / z.sum(axis=1, keepdims=True)).mean(axis=0))
    return np.stack(rows)


def fit_temperature(track_logits: Sequence[np.ndarray], classes: Sequence[int] | np.ndarray
                    ) -> float:
    """The temperature T minimising the negative log-likelihood of the tracks' true genres.

    Fitted on out-of-fold logits, it learns how over-confident the head is on tracks it did not
    see. A coarse log-spaced search then a fine one: robust, nothing to tune.
    """
    truth = np.asarray(classes, dtype=np.int64)

    def nll(t: float) -> float:
        p = track_probabilities(track_logits, t)[np.arange(len(truth)), truth]
        return float(-np.log(np.clip(p, 1e-12, 1.0)).mean())

    grid = np.exp(np.linspace(np.log(0.25), np.log(200.0), 60))
    best = float(min(grid, key=nll))
    return float(min(best * np.exp(np.linspace(-0.12, 0.12, 13)), key=nll))
