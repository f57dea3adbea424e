"""How far a cross-validated figure can be trusted: intervals, chance, calibration.

Used by `learn` to refuse learned genres not shown to beat guessing, and by the benches.
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


def calibrate(track_logits: Sequence[np.ndarray], classes: Sequence[int] | np.ndarray) -> float:
    """The temperature to save: the best-fitting one, raised until the mean confidence is no
    higher than the accuracy these tracks vouch for (the lower end of its Wilson interval).

    On a small library that the folds got all right, likelihood alone asks for T -> 0 and a
    head 100 % sure of everything, wrong answers on music unlike the library's included; a
    20-track perfect score only vouches for about 84 %. Never sharper than trained (T >= 1).
    """
    truth = np.asarray(classes, dtype=np.int64)
    t = max(1.0, fit_temperature(track_logits, truth))
    probs = track_probabilities(track_logits, t)
    vouched = wilson_interval(int((probs.argmax(axis=1) == truth).sum()), len(truth))[0]
    if probs.max(axis=1).mean() <= vouched:
        return t
    low, high = np.log(t), np.log(1000.0)
    for _ in range(40):  # mean confidence falls as T grows: bisect on log T
        mid = (low + high) / 2
        if track_probabilities(track_logits, float(np.exp(mid))).max(axis=1).mean() > vouched:
            low = mid
        else:
            high = mid
    return float(np.exp(high))
