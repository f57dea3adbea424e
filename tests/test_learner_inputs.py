"""What the review learner reads from the library, on each backend: a track's vector, the
default model's probabilities as columns in the order first seen, the first genre of the
user's label and of the file's tags in their one spelling, the album group, and the files'
identity. Tracks without a vector or unreadable are left out."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from sqlalchemy.orm import Session

from library.db import create_db_engine, session_factory
from library.learned import EMBEDDING_BACKBONE, EMBEDDING_DIM, learner_inputs
from library.models import Embedding, Folder, Prediction, Root, Track, UserLabel


def _vector(seed: int) -> bytes:
    return np.random.default_rng(seed).standard_normal(EMBEDDING_DIM).astype("<f2").tobytes()


def _fill(session: Session) -> None:
    session.add(Root(id=1, name="m", path="/m"))
    session.flush()
    session.add(Folder(id=1, root_id=1, path=""))
    session.add_all([
        Track(id=1, folder_id=1, path="/m/a.flac", size=10, mtime_ns=11, genres=["hip hop"],
              artist="Ann", album="First", album_artist="Various"),
        Track(id=2, folder_id=1, path="/m/b.flac", size=20, mtime_ns=21, artist="Bob",
              album="First"),
        Track(id=3, folder_id=1, path="/m/c.flac", size=30, mtime_ns=31),  # no vector
        Track(id=4, folder_id=1, path="/m/d.flac", size=40, mtime_ns=41, status="error",
              error="truncated"),
        Track(id=5, folder_id=1, path="/m/e.flac", size=50, mtime_ns=51, genres=["", "Jazz"]),
    ])
    session.flush()
    session.add_all(Embedding(track_id=t, backbone=EMBEDDING_BACKBONE, dim=EMBEDDING_DIM,
                              vector=_vector(t)) for t in (1, 2, 4, 5))
    session.add_all([
        Prediction(track_id=1, bundle="broad", bundle_version="2", top_genres=["Jazz"],
                   probabilities={"Jazz": 0.7, "Rock": 0.3}, confidence=0.7, uncertain=False,
                   not_music=False, clip_probabilities=[], track_size=10, track_mtime_ns=11,
                   audio_hash="abc"),
        Prediction(track_id=5, bundle="broad", bundle_version="2", top_genres=[],
                   probabilities={"Rock": 0.2, "Blues": 0.8}, confidence=0.8, uncertain=False,
                   not_music=True, clip_probabilities=[], track_size=50, track_mtime_ns=51),
        Prediction(track_id=2, bundle="other", bundle_version="1", top_genres=["Pop"],
                   probabilities={"Pop": 1.0}, confidence=1.0, uncertain=False,
                   clip_probabilities=[], track_size=20, track_mtime_ns=21),
    ])
    session.add(UserLabel(track_id=2, genres=["r&b", "Soul"]))
    session.commit()


def test_learner_inputs_on_each_backend(library_db: Path | str) -> None:
    engine = create_db_engine(library_db)
    with session_factory(engine)() as session:
        _fill(session)
        inputs = learner_inputs(session)
    engine.dispose()
    assert inputs.track_ids.tolist() == [1, 2, 5]  # 3 has no vector, 4 is unreadable
    expected = np.stack([np.frombuffer(_vector(t), dtype="<f2") for t in (1, 2, 5)])
    assert inputs.vectors.dtype == np.float32
    assert np.array_equal(inputs.vectors, expected.astype(np.float32))
    assert inputs.anchor_labels == ("Jazz", "Rock", "Blues")  # broad's only, first seen first
    assert np.allclose(inputs.anchor, [[0.7, 0.3, 0.0], [0.0, 0.0, 0.0], [0.0, 0.2, 0.8]])
    assert inputs.not_music.tolist() == [False, False, True]
    assert inputs.user == (None, "R&B/Soul", None)
    assert inputs.tags == ("Hip-Hop", None, "Jazz")
    assert inputs.albums == ("various|first", "bob|first", "")
    assert inputs.artists == ("ann", "bob", "")
    assert inputs.files == ((10, 11, "abc"), (0, 0, None), (50, 51, None))
