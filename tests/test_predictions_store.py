"""library.predictions on a real SQLite file: staleness, upsert, queries."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sqlalchemy.orm import Session, sessionmaker

from library.db import create_db_engine, session_factory
from library.models import Track
from library.predictions import (
    embedding_for_track,
    store_predictions,
    tracks_needing_prediction,
)
from library.repository import predictions_for
from library.records import EmbeddingRecord, PredictionRecord, PredictionWrite
from tests.library_queries import track_ids_with_predicted_genre


@pytest.fixture
def sessions(library_db: Path | str) -> sessionmaker[Session]:
    factory = session_factory(create_db_engine(library_db))
    with factory.begin() as session:
        session.add_all(
            [
                Track(id=1, path="/music/a/one.flac", size=100, mtime_ns=10),
                Track(id=2, path="/music/a/two.mp3", size=200, mtime_ns=20),
                Track(id=3, path="/music/b/three.ogg", size=300, mtime_ns=30),
                Track(id=4, path="/music/ab/four.ogg", size=400, mtime_ns=40),
                Track(id=5, path="/music/a/gone.ogg", size=500, mtime_ns=50, status="missing"),
            ]
        )
    return factory


def write(
    track_id: int, size: int, mtime_ns: int, top: tuple[str, ...] = ("Rock",), version: str = "1"
) -> PredictionWrite:
    prediction = PredictionRecord(
        track_id,
        "broad",
        version,
        {"Rock": 0.7, "Jazz": 0.3},
        top,
        0.7,
        not top,
        ((0.6, 0.4), (0.8, 0.2)),
        (1.0, 5.0),
    )
    return PredictionWrite(
        prediction, size, mtime_ns, EmbeddingRecord(track_id, "musicnn", (0.5, -1.25, 3.0))
    )


def ids(sessions: sessionmaker[Session], **kwargs: object) -> list[int]:
    with sessions() as session:
        return [t.id for t in tracks_needing_prediction(session, "broad", "1", **kwargs)]


def test_new_tracks_need_prediction_missing_ones_do_not(sessions: sessionmaker[Session]) -> None:
    assert ids(sessions) == [1, 2, 3, 4]
    assert ids(sessions, paths=["/music/a"]) == [1, 2]  # not /music/ab
    assert ids(sessions, paths=["/music/b/three.ogg", "/music/ab/"]) == [3, 4]


def test_stored_predictions_are_current_until_something_changes(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as session:
        store_predictions(
            session, [write(1, 100, 10), write(2, 200, 20), write(3, 999, 30, version="1")]
        )
    assert ids(sessions) == [3, 4]  # 3 was predicted on a file of another size
    assert ids(sessions, force=True) == [1, 2, 3, 4]
    with sessions() as session:
        assert [t.id for t in tracks_needing_prediction(session, "broad", "2")] == [1, 2, 3, 4]
        assert [t.id for t in tracks_needing_prediction(session, "other", "1")] == [1, 2, 3, 4]
    on_disk = {"/music/a/one.flac": (100, 11), "/music/a/two.mp3": (200, 20)}
    assert ids(sessions, current_stat=on_disk.get) == [1, 3, 4]  # one.flac touched since


def test_upsert_replaces_and_reads_back(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        store_predictions(session, [write(1, 100, 10, top=())])
    with sessions.begin() as session:
        store_predictions(session, [write(1, 100, 10, top=("Rock", "Jazz"))])
    with sessions() as session:
        [record] = predictions_for(session, 1)
        embedding = embedding_for_track(session, 1, "musicnn")
    assert record.top_genres == ("Rock", "Jazz") and record.uncertain is False
    assert record.probabilities == {"Rock": 0.7, "Jazz": 0.3}
    assert record.clip_probabilities == ((0.6, 0.4), (0.8, 0.2)) and record.clip_starts == (
        1.0,
        5.0,
    )
    assert record.created_at is not None and record.created_at.tzinfo is not None
    assert embedding.vector == (0.5, -1.25, 3.0)  # exact in float16


def test_embedding_is_float16_rounded(sessions: sessionmaker[Session]) -> None:
    value = 0.1234567
    with sessions.begin() as session:
        store_predictions(
            session,
            [PredictionWrite(write(2, 1, 1).prediction, 1, 1, EmbeddingRecord(2, "m", (value,)))],
        )
    with sessions() as session:
        [stored] = embedding_for_track(session, 2, "m").vector
    assert stored == float(np.float16(value)) and stored != value


def test_tracks_with_predicted_genre(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        store_predictions(
            session,
            [write(1, 1, 1, ("Rock",)), write(2, 1, 1, ("Jazz", "Rock")), write(3, 1, 1, ())],
        )
    with sessions() as session:
        assert track_ids_with_predicted_genre(session, "rock") == {1, 2}
        assert track_ids_with_predicted_genre(session, "Jazz", bundle="broad") == {2}
        assert track_ids_with_predicted_genre(session, "Jazz", bundle="other") == set()
        assert track_ids_with_predicted_genre(session, "Roc") == set()
