"""The k nearest items of each query by dot product (unit rows: cosine), numpy only.

Exact while queries x items stays small; beyond, clustered: the items are split by a seeded
spherical k-means and each query searches only the clusters whose centres are nearest to it
(an inverted-file index). The review learner asks this for every track of a library against
every taught one: at 94,000 tracks and 47,000 tagged the exact search took 64 CPU-s per
relearn (docs/models.md, Review queue).
"""

from __future__ import annotations

import math

import numpy as np

EXACT_PAIRS = 500_000_000  # query x item pairs searched exactly (a few CPU-s); beyond: clusters
CHUNK_BYTES = 32 * 2**20  # float32 similarities held at once
PROBES = 8  # clusters each query searches
KMEANS_ROUNDS = 8
KMEANS_SAMPLE = 20_000  # items the centres are fitted on


def nearest(queries: np.ndarray, items: np.ndarray, k: int, exact: bool | None = None
            ) -> tuple[np.ndarray, np.ndarray]:
    """(n, k) indices into `items` and their similarities, per query, unordered; a query
    that finds fewer than k items (clustered search only) has similarity -inf in the rest.
    `exact`: None decides by size."""
    if exact is None:
        exact = len(queries) * len(items) <= EXACT_PAIRS
    if exact or len(items) <= PROBES * k:
        return _exact(queries, items, k)
    return _clustered(queries, items, k)


def _rows_per_chunk(columns: int) -> int:
    return max(64, CHUNK_BYTES // (4 * max(1, columns)))


def _top(sims: np.ndarray, k: int) -> np.ndarray:
    """Column indices of each row's k largest (all columns when there are no more)."""
    if k >= sims.shape[1]:
        return np.tile(np.arange(sims.shape[1]), (len(sims), 1))
    return np.argpartition(-sims, k - 1, axis=1)[:, :k]


def _exact(queries: np.ndarray, items: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    index = np.zeros((len(queries), k), dtype=np.int64)
    found = np.zeros((len(queries), k), dtype=np.float32)
    step = _rows_per_chunk(len(items))
    for start in range(0, len(queries), step):
        sims = queries[start:start + step] @ items.T
        near = _top(sims, k)
        index[start:start + step] = near
        found[start:start + step] = np.take_along_axis(sims, near, axis=1)
    return index, found


def _centres(items: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    """Spherical k-means on a sample of the items: `count` unit centres."""
    sample = items if len(items) <= KMEANS_SAMPLE else items[
        rng.choice(len(items), KMEANS_SAMPLE, replace=False)]
    centres = sample[rng.choice(len(sample), count, replace=False)].copy()
    for _ in range(KMEANS_ROUNDS):
        owner = _exact(sample, centres, 1)[0][:, 0]
        sums = np.zeros_like(centres)
        np.add.at(sums, owner, sample)
        empty = np.flatnonzero(np.bincount(owner, minlength=count) == 0)
        sums[empty] = sample[rng.choice(len(sample), len(empty), replace=False)]
        centres = sums / np.maximum(np.linalg.norm(sums, axis=1, keepdims=True), 1e-8)
    return centres.astype(np.float32)


def _clustered(queries: np.ndarray, items: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)  # seeded: the same library gives the same neighbours
    count = int(min(1024, max(16, math.sqrt(len(items)))))
    centres = _centres(items, count, rng)
    owner = _exact(items, centres, 1)[0][:, 0]
    members = np.argsort(owner, kind="stable")
    bounds = np.searchsorted(owner[members], np.arange(count + 1))
    probes = _exact(queries, centres, min(PROBES, count))[0]
    # the inverted lists: for each cluster, the queries that search it
    asking = np.argsort(probes.ravel(), kind="stable")
    ask_bounds = np.searchsorted(probes.ravel()[asking], np.arange(count + 1))
    index = np.zeros((len(queries), k), dtype=np.int64)
    found = np.full((len(queries), k), -np.inf, dtype=np.float32)
    for c in range(count):
        mine = members[bounds[c]:bounds[c + 1]]
        who = asking[ask_bounds[c]:ask_bounds[c + 1]] // probes.shape[1]
        if len(mine) == 0 or len(who) == 0:
            continue
        step = _rows_per_chunk(len(mine))
        for start in range(0, len(who), step):
            rows = who[start:start + step]
            sims = queries[rows] @ items[mine].T
            near = _top(sims, k)
            both_sims = np.concatenate([found[rows], np.take_along_axis(sims, near, axis=1)],
                                       axis=1)
            both_index = np.concatenate([index[rows], mine[near]], axis=1)
            keep = _top(both_sims, k)
            found[rows] = np.take_along_axis(both_sims, keep, axis=1)
            index[rows] = np.take_along_axis(both_index, keep, axis=1)
    return index, found
