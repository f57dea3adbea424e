"""One genre spelling: the normaliser, and the sidebar, search and plan that use it."""

from __future__ import annotations

import json

from library import categories
from library.categories import Category
from library.genre_names import (
    canonical_genre,
    canonical_genres,
    same_genre,
    spelling_keys,
)
from library.records import BrowseRow
from resources import MODELS_DIR


def test_spellings_become_the_models_labels() -> None:
    for spelling in ("Hiphop", "Hip Hop", "hip-hop", "HipHop", "HIP_HOP", "Hip-Hop"):
        assert canonical_genre(spelling) == "Hip-Hop", spelling
    for spelling in ("R&B", "RnB", "r and b", "Rhythm and Blues", "R&B/Soul", "rnb/soul"):
        assert canonical_genre(spelling) == "R&B/Soul", spelling
    assert canonical_genre(" new age ") == "Ambient/New Age"
    assert canonical_genre("jazz") == "Jazz" and canonical_genre("Free Jazz") == "Free Jazz"
    labels = json.loads((MODELS_DIR / "broad" / "bundle.json").read_text())["labels"]
    assert [canonical_genre(label.upper()) for label in labels] == labels


def test_the_users_renames_win_in_any_spelling() -> None:
    mapping = {"hip-hop": "Hip Hop", "Heavy Metal": "Metal"}
    assert canonical_genre("Hiphop", mapping) == "Hip Hop"
    assert canonical_genre("HIP HOP", mapping) == "Hip Hop"
    assert canonical_genre("heavy-metal", mapping) == "Metal"
    assert canonical_genres(["Hiphop", "Hip-Hop", "Rock", "rock", " "], None) == ("Hip-Hop", "Rock")
    assert same_genre("hiphop", "Hip Hop") and not same_genre("Hip-Hop", "Pop")
    assert {"hiphop"} <= spelling_keys("Hip Hop") and "rnb" in spelling_keys("R&B/Soul")


def test_sidebar_counts_one_entry_per_genre() -> None:
    rows = [BrowseRow(1, "/m/1.mp3", "ok", tag_genres=("Hiphop",), predicted=("Hip-Hop",),
                      confidence=0.9),
            BrowseRow(2, "/m/2.mp3", "ok", tag_genres=("Hip Hop",), predicted=("hiphop",),
                      confidence=0.8),
            BrowseRow(3, "/m/3.mp3", "ok", tag_genres=("Rock",), confidence=0.7,
                      predicted=("Rock",))]
    counts = categories.count_sidebar(rows)
    assert dict(counts.tagged) == {"Hip-Hop": 2, "Rock": 1}
    assert dict(counts.predicted) == {"Hip-Hop": 2, "Rock": 1}
    assert [r.id for r in rows if categories.in_category(r, Category.TAG, "Hip-Hop")] == [1, 2]
    assert [r.id for r in rows if categories.in_category(r, Category.GENRE, "hip hop")] == [1, 2]
    tally = categories.CategoryTally()
    for r in rows:
        tally.add(r)
    assert tally.counts() == counts
