"""Learning from a handful of answers in milliseconds: genres spread from taught tracks (the
user's answers, the files' tags) to their neighbours in embedding space, anchored on the
default model's probabilities, and the review queue's priorities. Pure numpy, no torch.

The model is a kernel vote: a track's genre scores are the default's probabilities (worth
`prior_weight` identical neighbours) plus, for each of its `neighbours` most similar taught
tracks, that track's genre weighted by exp((cosine - 1) / temperature) (an answer counts
fully, a tag by `tag_weight`), plus optional album/artist evidence; normalised they are the
learned probabilities. A genre the default never knew ("Shoegaze") is learned the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from classifier.nearest import nearest


@dataclass(frozen=True)
class LearnerConfig:
    """The learner's knobs; the defaults are the measured ones (docs/models.md, Review queue)."""

    prior_weight: float = 1.0  # the default's probabilities count as this many neighbours
    temperature: float = 0.2  # kernel width in cosine similarity
    min_similarity: float = 0.7  # a taught track less similar than this does not vote
    neighbours: int = 10  # taught tracks that vote for each track
    tag_weight: float = 0.5  # a file's genre tag counts this much of a user's answer
    album_weight: float = 1.0  # the album's taught genres (measured to help: docs/models.md)
    artist_weight: float = 0.5  # the artist's taught genres
    uncertain_below: float = 0.4  # as the default bundle's uncertain_threshold
    min_evidence: float = 0.02  # less vote than this leaves the default's answer alone
    # How many answers the default's own naming of a genre is worth when the taught tracks
    # say what the user calls it (label_map); None: the default's genres are taken as named.
    map_strength: float | None = 3.0
    map_support: float = 2.0  # answers' worth below which a name of the user's maps nothing


@dataclass(frozen=True)
class Taught:
    """Which tracks teach a genre: row index, genre column, weight, from the user or a tag."""

    rows: np.ndarray  # (m,) int
    classes: np.ndarray  # (m,) int
    weights: np.ndarray  # (m,) float
    by_user: np.ndarray  # (m,) bool


@dataclass(frozen=True)
class Votes:
    """Per track: genre scores from the neighbours and groups, and what gave them."""

    neighbour: np.ndarray  # (n, L) kernel votes of taught neighbours
    group: np.ndarray  # (n, L) album/artist votes
    # (n, k) the neighbours' taught indices and their kernel weights, for the reason words
    nearest: np.ndarray
    kernel: np.ndarray


def unit_rows(vectors: np.ndarray) -> np.ndarray:
    """Centred, L2-normalised rows: cosine similarity is then a dot product."""
    # In place after the one copy: at 100,000 tracks each float32 copy is 80 MB.
    centred = np.array(vectors, dtype=np.float32)
    centred -= centred.mean(axis=0, keepdims=True)
    centred /= np.maximum(np.linalg.norm(centred, axis=1, keepdims=True), 1e-8)
    return centred


def neighbour_votes(units: np.ndarray, taught: Taught, n_labels: int, config: LearnerConfig
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Kernel votes of each track's nearest taught tracks: (n, L) scores, (n, k) indices into
    `taught`, (n, k) kernel weights (times the teacher's weight) and (n,) the similarity of
    the nearest taught track (-1: none). The search is classifier.nearest's: exact, or
    clustered on a large library."""
    n = len(units)
    votes = np.zeros((n, n_labels), dtype=np.float32)
    k = min(config.neighbours, len(taught.rows))
    if k == 0:
        return (votes, np.zeros((n, 0), dtype=np.int64), np.zeros((n, 0), dtype=np.float32),
                np.full(n, -1.0, dtype=np.float32))
    nearest_rows, sims = nearest(units, units[taught.rows], k)
    sims = np.maximum(sims, -1.0)  # a slot the clustered search left empty: no neighbour
    weight = np.exp((sims - 1.0) / config.temperature) * taught.weights[nearest_rows]
    kernel = np.where(sims >= config.min_similarity, weight, 0.0).astype(np.float32)
    rows = np.repeat(np.arange(n), k)
    np.add.at(votes, (rows, taught.classes[nearest_rows].ravel()), kernel.ravel())
    return votes, nearest_rows, kernel, sims.max(axis=1).astype(np.float32)


def group_votes(groups: list[str], taught: Taught, n: int, n_labels: int, weight: float
                ) -> np.ndarray:
    """Each track's share of its group's taught genres (itself left out), times `weight`."""
    votes = np.zeros((n, n_labels), dtype=np.float32)
    if weight <= 0:
        return votes
    counts: dict[str, np.ndarray] = {}
    for row, cls, w in zip(taught.rows, taught.classes, taught.weights, strict=True):
        if groups[row]:
            counts.setdefault(groups[row], np.zeros(n_labels, dtype=np.float32))[cls] += w
    own = np.zeros((n, n_labels), dtype=np.float32)
    own[taught.rows, taught.classes] = taught.weights
    for i, group in enumerate(groups):
        if group in counts:
            others = counts[group] - own[i]
            total = float(others.sum())
            if total > 0:
                votes[i] = weight * others / total
    return votes


def label_map(taught_anchor: np.ndarray, taught: Taught, n_labels: int, strength: float,
              support: float = 0.0) -> np.ndarray:
    """(La, L): the share of the default's genre d that the user calls by a name of their own
    (a genre the default does not have), from the taught tracks: their default probabilities
    against what they were taught, next to `strength` answers for the default's own name
    (column d: the anchor's genres come first in the learner's columns). When the tracks
    the default calls Classical are tagged "Chamber", its Classical becomes mostly Chamber
    for the untaught ones too. A name with less than `support` answers' worth behind it maps
    nothing: one track answered "Bebop" must not pull every Jazz track of the library towards
    Bebop (its neighbours still learn it). Mass never moves between two of the default's own
    genres: on the review simulation a learned confusion ("its Rock is my Pop") cost 9-47 of
    627 tracks, since the queue asks about the hard tracks, which say little about the easy
    ones."""
    width = taught_anchor.shape[1]
    counts = np.zeros((width, n_labels), dtype=np.float64)
    np.add.at(counts.T, taught.classes, taught_anchor * taught.weights[:, None])
    counts[:, :width] = np.diag(np.diag(counts[:, :width]) + strength)
    counts[:, width:] = np.where(counts[:, width:] >= support, counts[:, width:], 0.0)
    return (counts / counts.sum(axis=1, keepdims=True)).astype(np.float32)


def combine(anchor: np.ndarray, votes: np.ndarray, config: LearnerConfig) -> np.ndarray:
    """Learned probabilities: the default's, as `prior_weight` votes, plus the evidence."""
    scores = config.prior_weight * anchor + votes
    totals = scores.sum(axis=1, keepdims=True)
    return np.where(totals > 0, scores / np.maximum(totals, 1e-12), 0.0).astype(np.float32)


def margins(probs: np.ndarray) -> np.ndarray:
    """Top probability minus the second's, per row (0 for an empty row)."""
    if probs.shape[1] < 2:
        return probs.max(axis=1) if probs.shape[1] else np.zeros(len(probs))
    top2 = -np.partition(-probs, 1, axis=1)[:, :2]
    return (top2[:, 0] - top2[:, 1]).astype(np.float32)


def coverage(best_similarity: np.ndarray, temperature: float) -> np.ndarray:
    """How well each track is covered by a taught one: the kernel weight of its nearest."""
    covered = np.exp((best_similarity - 1.0) / temperature)
    return np.where(best_similarity > -1.0, covered, 0.0).astype(np.float32)


def represented(units: np.ndarray, uncovered: np.ndarray, temperature: float,
                sample: int = 2000, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """For each track, how many uncovered tracks it stands for: the kernel mass of its
    neighbours times how uncovered they are, and the count of close ones (kernel >= 0.1),
    both estimated on a sample of `sample` tracks scaled to the library (seconds at 100k)."""
    n = len(units)
    pick = np.arange(n) if n <= sample else np.random.default_rng(seed).choice(
        n, sample, replace=False)
    scale = n / len(pick)
    mass = np.zeros(n, dtype=np.float32)
    close = np.zeros(n, dtype=np.float32)
    for start in range(0, n, 2048):
        kernel = np.exp((units[start:start + 2048] @ units[pick].T - 1.0) / temperature)
        weighted = kernel * uncovered[pick]
        mass[start:start + 2048] = weighted.sum(axis=1) * scale
        close[start:start + 2048] = ((kernel >= 0.1) * uncovered[pick]).sum(axis=1) * scale
    return mass, close
