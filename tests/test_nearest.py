"""classifier.nearest: the exact search is a brute-force top k; the clustered one (large
libraries) finds the close neighbours the review learner counts, the same way every time."""

from __future__ import annotations

import numpy as np
import pytest

from classifier import nearest as search
from classifier.propagate import LearnerConfig, Taught, neighbour_votes, unit_rows


def library(tracks: int, genres: int = 40, seed: int = 0) -> np.ndarray:
    """Unit rows around `genres` centres, spread like real embeddings (nearest ~0.8-0.95)."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(genres, 200))
    rows = centres[rng.integers(0, genres, tracks)] + 0.6 * rng.normal(size=(tracks, 200))
    return unit_rows(rows.astype(np.float32))


def test_exact_is_the_brute_force_top_k() -> None:
    units = library(600)
    index, sims = search.nearest(units[:100], units[100:], 10, exact=True)
    brute = np.argsort(-(units[:100] @ units[100:].T), axis=1)[:, :10]
    assert [set(r) for r in index] == [set(r) for r in brute]
    np.testing.assert_allclose(np.sort(sims, axis=1),
                               np.sort(np.take_along_axis(units[:100] @ units[100:].T, index,
                                                          axis=1), axis=1), rtol=1e-6)


def test_clustered_finds_the_close_neighbours_and_is_repeatable() -> None:
    units = library(24_000)
    queries, items = units[:4_000], units[4_000:]
    exact, exact_sims = search.nearest(queries, items, 10, exact=True)
    found, _ = search.nearest(queries, items, 10, exact=False)
    recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(exact, found, strict=True)])
    assert recall >= 0.95, recall
    close = exact_sims >= LearnerConfig().min_similarity  # the neighbours that get a vote
    assert close.sum() > 1000  # the test data has them
    missed = sum(len(set(a[m]) - set(b)) for a, m, b in zip(exact, close, found, strict=True))
    assert missed <= 0.01 * close.sum(), (missed, close.sum())
    again, _ = search.nearest(queries, items, 10, exact=False)
    assert np.array_equal(found, again)


def test_the_learners_votes_barely_move_when_the_search_is_clustered(
        monkeypatch: pytest.MonkeyPatch) -> None:
    units = library(12_000, seed=1)
    rng = np.random.default_rng(2)
    rows = rng.choice(len(units), 4_000, replace=False)
    taught = Taught(rows, rng.integers(0, 10, len(rows)), np.ones(len(rows), dtype=np.float32),
                    np.ones(len(rows), dtype=bool))
    exact = neighbour_votes(units, taught, 10, LearnerConfig())[0]
    monkeypatch.setattr(search, "EXACT_PAIRS", 0)  # what a 100,000-track library gets
    clustered = neighbour_votes(units, taught, 10, LearnerConfig())[0]
    voted = exact.sum(axis=1) > 0
    same = exact[voted].argmax(axis=1) == clustered[voted].argmax(axis=1)
    assert voted.sum() > 1000 and same.mean() >= 0.99, same.mean()
