"""A generated library (folders, tracks, predictions, labels) for screenshots, benches and tests.

Bulk core inserts, so 50,000 tracks take seconds. The names are made up; nothing on disk.
"""

from __future__ import annotations

import random
from pathlib import Path

from sqlalchemy import insert

from library.db import create_db_engine
from library.models import Folder, Prediction, Root, Track, UserLabel

# The default bundle's labels (resources/models/broad/bundle.json), so the sidebar looks real.
GENRES = ("Blues", "Classical", "Country", "Disco", "Electronic", "Hip-Hop", "Jazz", "Metal",
          "Pop", "Reggae", "Rock", "Folk", "Funk", "Punk", "R&B/Soul", "Ambient")
FIRST = ("Amber", "Blue", "Crimson", "Silver", "Velvet", "Northern", "Quiet", "Electric",
         "Golden", "Paper", "Midnight", "Hollow", "Wild", "Lunar", "Glass", "Static")
SECOND = ("Harbour", "Foxes", "Lanterns", "Orchard", "Avenue", "Machines", "Tides", "Pilots",
          "Gardens", "Echoes", "Satellites", "Rivers", "Owls", "Cathedral", "Parade", "Signals")
WORDS = ("Morning", "Light", "Dance", "Rain", "Home", "Fire", "River", "Dream", "Road", "Heart",
         "Summer", "Stone", "Sky", "Letters", "Gravity", "Shadows", "Waltz", "Ocean", "Train")
CLIPS = 8


def _track(i: int, folder_id: int, rng: random.Random) -> dict[str, object]:
    artist = f"{rng.choice(FIRST)} {rng.choice(SECOND)}"
    album = f"{rng.choice(WORDS)} {rng.choice(WORDS)}"
    title = " ".join(rng.sample(WORDS, rng.randint(1, 3)))
    bad = rng.random() < 0.01
    return {
        "id": i, "folder_id": folder_id, "root_id": 1,  # under the root "music", at /music
        "path": f"{artist}/{album}/{i:05d} {title}.flac",
        "size": 5_000_000 + i, "mtime_ns": 1_700_000_000_000_000_000 + i, "format": "flac",
        "duration": rng.uniform(95, 420), "sample_rate": 44100, "channels": 2,
        "title": title, "artist": artist, "album": album, "year": rng.randint(1965, 2024),
        "track_number": i % 14 + 1,
        "genres": rng.sample(("Rock", "Jazz", "Pop", "Electronic", "Other"), rng.randint(0, 1)),
        "status": "error" if bad else "ok",
        "error": "cannot read: file is truncated (no audio frames)" if bad else None,
    }


def _prediction(i: int, rng: random.Random) -> dict[str, object]:
    main = rng.choice(GENRES)
    raw = {g: rng.random() ** 4 * 0.3 for g in GENRES}
    raw[main] += rng.uniform(0.15, 2.5)
    total = sum(raw.values())
    probs = {g: round(v / total, 4) for g, v in raw.items()}
    confidence = max(probs.values())
    uncertain = confidence < 0.35
    second = sorted(probs, key=probs.__getitem__)[-2]
    clips = [[probs[g] if rng.random() < 0.7 else rng.random() * 0.2 for g in GENRES]
             for _ in range(CLIPS)]
    top = [] if uncertain else [main] + ([second] if probs[second] > 0.25 else [])
    return {
        "track_id": i, "bundle": "broad", "bundle_version": "2.0.0", "probabilities": probs,
        "top_genres": top, "confidence": confidence, "uncertain": uncertain,
        "clip_probabilities": clips, "clip_starts": [c * 25.0 for c in range(CLIPS)],
        "track_size": 5_000_000 + i, "track_mtime_ns": 1_700_000_000_000_000_000 + i,
    }


def populate(db_path: Path, tracks: int, seed: int = 7, classified: float = 0.9) -> None:
    """Fill a fresh library file with `tracks` generated tracks, most of them classified."""
    rng = random.Random(seed)
    engine = create_db_engine(db_path)
    with engine.begin() as conn:
        conn.execute(insert(Root), [{"id": 1, "name": "music", "path": "/music"}])
        conn.execute(insert(Folder), [{"id": 1, "root_id": 1, "path": ""}])
        for start in range(1, tracks + 1, 5000):
            ids = range(start, min(start + 5000, tracks + 1))
            conn.execute(insert(Track), [_track(i, 1, rng) for i in ids])
            chosen = [i for i in ids if rng.random() < classified]
            conn.execute(insert(Prediction), [_prediction(i, rng) for i in chosen])
            labelled = [i for i in chosen if rng.random() < 0.02]
            if labelled:
                conn.execute(insert(UserLabel),
                             [{"track_id": i, "genres": [rng.choice(GENRES)]} for i in labelled])
    engine.dispose()
