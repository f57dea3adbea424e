"""Track queries on a real SQLite file filled through the ORM."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from library import repository
from library.db import create_db_engine, session_factory
from library.models import Track
from library.repository import TrackFilter
from tests import library_queries


@pytest.fixture
def sessions(library_db: Path | str) -> sessionmaker[Session]:
    factory = session_factory(create_db_engine(library_db))
    rows = [
        Track(path="/m/a.flac", artist="Miles Davis", title="So What", genres=["Jazz", "Modal"]),
        Track(path="/m/b.mp3", artist="Davis Group", title="100%_pure", genres=["Rock"]),
        Track(path="/m/c.ogg", artist=None, title=None, genres=[], status="missing"),
        Track(path="/m/d.wav", status="error", error="empty file (0 bytes)"),
    ]
    with factory() as session:
        session.add_all(rows)
        session.commit()
    return factory


def _paths(sessions: sessionmaker[Session], **where: object) -> list[str]:
    with sessions() as session:
        return [t.path for t in repository.list_tracks(session, TrackFilter(**where))]


def test_filters(sessions: sessionmaker[Session]) -> None:
    assert _paths(sessions, genre="jazz") == ["/m/a.flac"]
    assert _paths(sessions, genre="modal") == ["/m/a.flac"]
    assert _paths(sessions, artist="davis") == ["/m/a.flac", "/m/b.mp3"]
    assert _paths(sessions, status="missing") == ["/m/c.ogg"]
    assert _paths(sessions, text="%") == ["/m/b.mp3"]  # a literal percent, not "anything"
    assert _paths(sessions, text="c.ogg") == ["/m/c.ogg"]
    assert _paths(sessions, limit=2, offset=1) == ["/m/b.mp3", "/m/c.ogg"]


def test_counts_and_lookups(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        assert library_queries.count_tracks(session) == 4
        assert library_queries.count_tracks(session, TrackFilter(artist="DAVIS")) == 2
        assert library_queries.status_counts(session) == {"ok": 2, "missing": 1, "error": 1}
        track = repository.get_track_by_path(session, "/m/d.wav")
        assert track is not None and track.error == "empty file (0 bytes)"
        assert library_queries.get_track(session, track.id) == track
        assert library_queries.get_track(session, 999) is None
        assert repository.predictions_for(session, track.id) == []
