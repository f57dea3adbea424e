"""Clip probabilities → track probabilities, top genres and confidence (pure numpy)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

AGGREGATES = ("mean", "max", "vote")
MAX_TOP_GENRES = 3


def mean_probabilities(clip_probs: np.ndarray) -> np.ndarray:
    """Average of each label's probability over the clips."""
    return clip_probs.mean(axis=0)


def max_probabilities(clip_probs: np.ndarray) -> np.ndarray:
    """Each label's highest probability in any clip."""
    return clip_probs.max(axis=0)


def vote_shares(clip_probs: np.ndarray) -> np.ndarray:
    """Share of the clips each label wins (majority vote of clip winners, Schindler et al.)."""
    winners = clip_probs.argmax(axis=1)
    return np.bincount(winners, minlength=clip_probs.shape[1]) / len(winners)


def aggregate(clip_probs: np.ndarray, how: str) -> np.ndarray:
    """Track probabilities by `how`: "mean", "max" or "vote"."""
    functions = {"mean": mean_probabilities, "max": max_probabilities, "vote": vote_shares}
    if how not in functions:
        raise ValueError(f"unknown aggregate {how!r}; choose one of {', '.join(AGGREGATES)}")
    return functions[how](clip_probs).astype(np.float32)


def top_genres(
    probabilities: np.ndarray, labels: Sequence[str], threshold: float, limit: int = MAX_TOP_GENRES
) -> tuple[str, ...]:
    """Labels at or above `threshold`, most probable first, at most `limit`; empty = uncertain."""
    order = np.argsort(-probabilities, kind="stable")[:limit]
    return tuple(labels[i] for i in order if probabilities[i] >= threshold)
