"""The library database: pragmas, schema version, paths that are not UTF-8."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import select, text

from library import db
from library.models import Prediction, Track
from tests.old_library import baseline_file, downgrade_to_schema_1


def test_fresh_database_has_wal_foreign_keys_and_version(db_path: Path) -> None:
    engine = db.create_db_engine(db_path)
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar_one() == 1
        assert db.schema_version(conn) == db.HEAD_USER_VERSION
    tables = {r[0] for r in sqlite3.connect(db_path).execute("select name from sqlite_master")}
    assert {"folders", "tracks", "predictions", "embeddings", "user_labels"} <= tables


def test_reopening_keeps_data(db_path: Path) -> None:
    engine = db.create_db_engine(db_path)
    with db.session_factory(engine)() as session:
        session.add(Track(path="/music/a.flac", size=1, mtime_ns=2))
        session.commit()
    engine.dispose()
    again = db.create_db_engine(db_path)
    with db.session_factory(again)() as session:
        assert session.scalars(select(Track.path)).all() == ["/music/a.flac"]


def test_newer_schema_is_refused(db_path: Path) -> None:
    db.create_db_engine(db_path).dispose()
    with sqlite3.connect(db_path) as conn:
        conn.execute(f"PRAGMA user_version={db.HEAD_USER_VERSION + 1}")
    with pytest.raises(db.DatabaseError, match="newer GenreLens"):
        db.create_db_engine(db_path)


def test_older_schema_is_upgraded_step_by_step(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    baseline_file(db_path)
    with sqlite3.connect(db_path) as conn:  # a library from before Alembic, at version 2
        conn.execute("DROP TABLE alembic_version")
        conn.execute("PRAGMA user_version=2")
    calls: list[int] = []
    for step in (2, 3):
        monkeypatch.setitem(db.MIGRATIONS, step, lambda conn, step=step: calls.append(step))
    engine = db.create_db_engine(db_path)
    with engine.connect() as conn:
        assert db.schema_version(conn) == db.HEAD_USER_VERSION
        assert db.alembic_revision(conn) == db.HEAD  # then stamped, Alembic takes over
    assert calls == [2, 3]


def test_revisions_listed_in_db_are_alembics() -> None:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory(str(db.MIGRATIONS_DIR))
    chain = [rev.revision for rev in script.walk_revisions()][::-1]
    assert tuple(chain) == db.REVISIONS and script.get_current_head() == db.HEAD


def test_an_unknown_alembic_revision_is_refused(db_path: Path) -> None:
    db.create_db_engine(db_path).dispose()
    with sqlite3.connect(db_path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    with pytest.raises(db.NewerSchemaError, match="newer GenreLens"):
        db.create_db_engine(db_path)


def test_alembic_schema_equals_the_models(db_path: Path) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from library.models import Base

    with db.create_db_engine(db_path).connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []  # a model change needs a new revision in library/migrations/versions


def test_non_utf8_path_round_trips(db_path: Path) -> None:
    name = os.fsdecode(b"/music/caf\xe9 \xff.mp3")  # Latin-1 bytes, not UTF-8
    engine = db.create_db_engine(db_path)
    with db.session_factory(engine)() as session:
        session.add(Track(path=name, size=1, mtime_ns=1))
        session.commit()
    with db.session_factory(engine)() as session:
        stored = session.scalars(select(Track.path)).one()
    assert os.fsencode(stored) == b"/music/caf\xe9 \xff.mp3"


def test_deleting_a_track_deletes_its_predictions(db_path: Path) -> None:
    engine = db.create_db_engine(db_path)
    with db.session_factory(engine)() as session:
        track = Track(path="/m/x.mp3", size=1, mtime_ns=1)
        session.add(track)
        session.flush()
        session.add(
            Prediction(
                track_id=track.id, bundle="broad", bundle_version="1", probabilities={},
                top_genres=[], confidence=0.0, clip_probabilities=[], track_size=1,
                track_mtime_ns=1,
            )
        )
        session.commit()
        session.execute(text("DELETE FROM tracks"))
        session.commit()
        assert session.scalars(select(Prediction)).all() == []


def test_default_path_follows_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(db.DB_ENV_VAR, str(tmp_path / "x.db"))
    assert db.default_db_path() == tmp_path / "x.db"
    monkeypatch.delenv(db.DB_ENV_VAR)
    assert db.default_db_path().name == "library.sqlite3"


def _schema_1_file(path: Path) -> None:
    """A real version-1 library with one track and its 1.0 prediction."""
    baseline_file(path)
    downgrade_to_schema_1(path)
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT INTO tracks (path, size, mtime_ns, status, genres, scanned_at) "
                     "VALUES ('/m/old.mp3', 1, 2, 'ok', '[]', '2026-01-01 00:00:00')")
        conn.execute(
            "INSERT INTO predictions (track_id, bundle, bundle_version, probabilities, top_genres,"
            " confidence, uncertain, clip_probabilities, clip_starts, track_size, track_mtime_ns,"
            " created_at) VALUES (1, 'broad', '1.0.0', '{\"Rock\": 0.7}', '[\"Rock\"]', 0.7, 0,"
            " '[[0.7]]', '[0.0]', 1, 2, '2026-01-01 00:00:00')")


def test_version_1_library_upgrades_keeping_its_predictions(db_path: Path) -> None:
    from library.predictions import tracks_needing_prediction
    from library.repository import predictions_for

    _schema_1_file(db_path)
    engine = db.create_db_engine(db_path)
    with engine.connect() as conn:
        assert db.schema_version(conn) == db.HEAD_USER_VERSION
    with db.session_factory(engine)() as session:
        (old,) = predictions_for(session, 1)
        assert old.top_genres == ("Rock",) and old.bundle_version == "1.0.0"
        assert old.not_music is False  # 1.0 had no gate: nothing was called not music
        # kept until reclassified: the 2.0 default finds the 1.0 prediction stale
        assert [t.id for t in tracks_needing_prediction(session, "broad", "2.0.0")] == [1]
        assert tracks_needing_prediction(session, "broad", "1.0.0") == []


def test_a_library_of_todays_release_is_stamped_keeping_its_data(db_path: Path) -> None:
    """Schema 4 without Alembic (what the release before Alembic wrote): stamped, kept."""
    baseline_file(db_path)
    with sqlite3.connect(db_path) as conn:
        conn.execute("INSERT INTO tracks (path, size, mtime_ns, status, genres, scanned_at) "
                     "VALUES (CAST('/m/kept.flac' AS BLOB), 1, 2, 'ok', '[]', "
                     "'2026-01-01 00:00:00')")
        conn.execute("DROP TABLE alembic_version")
        conn.execute("PRAGMA user_version=4")
    engine = db.create_db_engine(db_path)
    with engine.connect() as conn:
        assert db.alembic_revision(conn) == db.HEAD
        assert db.schema_version(conn) == db.HEAD_USER_VERSION
    with db.session_factory(engine)() as session:
        assert session.scalars(select(Track.path)).all() == ["/m/kept.flac"]
        folded = session.scalars(select(Track.search_text)).all()
        assert folded == ["\u1e9e\u1e9e\u1e9e/m/kept.flac"]  # filled by the upgrade
    engine.dispose()
    with sqlite3.connect(db_path) as conn:  # and from now on, opening writes nothing
        changes = conn.execute("PRAGMA data_version").fetchone()[0]
        db.create_db_engine(db_path).dispose()
        assert conn.execute("PRAGMA data_version").fetchone()[0] == changes
