"""The library on a real PostgreSQL server: created by Alembic, opened without writing, a
newer schema refused, the same answers as SQLite to every list filter, the CLI by URL."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from library import db, repository
from library.models import Prediction, Track, UserLabel
from library.repository import TrackFilter
from main import main
from tests.audio_files import load_source, write_audio
from tests.postgres_server import PgServer


def _xmax(url: str) -> int:
    """The next transaction id the server will assign: it moves only when something writes."""
    with create_engine(url).connect() as conn:
        return int(conn.execute(text("SELECT pg_snapshot_xmax(pg_current_snapshot())"))
                   .scalar_one())


def test_an_empty_database_becomes_a_library_through_alembic(pg_server: PgServer) -> None:
    url = pg_server.empty_database()
    engine = db.create_db_engine(url)
    with engine.connect() as conn:
        assert db.alembic_revision(conn) == db.HEAD
        tables = set(conn.execute(text(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).scalars())
    engine.dispose()
    assert {"folders", "tracks", "predictions", "embeddings", "user_labels",
            "classify_claims", "tag_originals", "alembic_version"} <= tables


def test_opening_a_current_library_writes_nothing(pg_server: PgServer) -> None:
    url = pg_server.fresh_library()
    before = _xmax(url)
    db.create_db_engine(url).dispose()
    assert _xmax(url) == before


def test_a_library_from_a_newer_genrelens_is_refused_in_words(pg_server: PgServer) -> None:
    url = pg_server.fresh_library()
    with create_engine(url).begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
    with pytest.raises(db.NewerSchemaError, match="newer GenreLens"):
        db.create_db_engine(url)


def _fill(location: Path | str) -> list[str]:
    """The same awkward library on either backend; every filter's answer, as paths."""
    sessions = db.session_factory(db.create_db_engine(location))
    with sessions.begin() as s:
        s.add_all([
            Track(id=1, path="/m/édith.flac", artist="ÉDITH Piaf", title="Straße",
                  genres=["Hip Hop"]),
            Track(id=2, path=os.fsdecode(b"/m/\xff-raw.mp3"), artist="davis", title="100%_x",
                  genres=["R&B"]),
            Track(id=3, path="/m/c.ogg", title="C", genres=[], status="missing"),
            Track(id=4, path="/m/d.ogg", title="D", genres=["rock"]),
            Track(id=5, path="/m/e.ogg", title="E", genres=[]),
        ])
        s.flush()
        s.add_all([
            Prediction(track_id=5, bundle="b", bundle_version="1", probabilities={},
                       top_genres=["Hiphop"], confidence=0.9, clip_probabilities=[],
                       track_size=0, track_mtime_ns=0),
            Prediction(track_id=4, bundle="b", bundle_version="1", probabilities={},
                       top_genres=[], confidence=0.9, not_music=True, clip_probabilities=[],
                       track_size=0, track_mtime_ns=0),
        ])
        s.add(UserLabel(track_id=3, genres=["Rhythm and Blues"]))
    filters = [TrackFilter(), TrackFilter(genre="hip-hop"), TrackFilter(genre="RnB"),
               TrackFilter(genre="Rock"), TrackFilter(genre="not music"),
               TrackFilter(artist="édith"), TrackFilter(text="STRASSE"),
               TrackFilter(text="%_"), TrackFilter(text="\ufffd"), TrackFilter(text="raw"),
               TrackFilter(status="missing"), TrackFilter(limit=2, offset=1)]
    with sessions() as s:
        return [repr([t.path for t in repository.list_tracks(s, f)]) for f in filters]


def test_every_list_filter_answers_as_on_sqlite(pg_server: PgServer, tmp_path: Path) -> None:
    on_sqlite = _fill(tmp_path / "library.sqlite3")
    assert _fill(pg_server.fresh_library()) == on_sqlite
    assert on_sqlite[1] != "[]" and on_sqlite[6] != "[]"  # the filters do find something


def test_scan_and_list_by_url_from_the_command_line(
        pg_server: PgServer, shared_data: Path, tmp_path: Path,
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    music = tmp_path / "music"
    music.mkdir()
    for genre in ("rock", "jazz"):
        write_audio(music / f"{genre}.flac",
                    *load_source(shared_data / f"gtzan-mini/{genre}/{genre}.00000.flac", 2.0))
    monkeypatch.setenv(db.DB_ENV_VAR, pg_server.empty_database())
    assert main(["scan", str(music), "-q"]) == 0
    capsys.readouterr()
    assert main(["list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert sorted(Path(t["path"]).name for t in listed) == ["jazz.flac", "rock.flac"]


def test_a_server_that_cannot_be_reached_is_explained_without_the_password(
        pg_server: PgServer, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"postgresql+psycopg://someone:s3cret@/genrelens?host={pg_server.base}/nowhere"
    assert main(["--db", url, "list"]) == 66  # EX_NOINPUT, as a missing library folder
    err = capsys.readouterr().err
    assert "cannot be reached or refused the connection" in err and "s3cret" not in err


def test_waiting_for_another_writers_lock_gives_up_like_sqlite(pg_server: PgServer) -> None:
    engine = db.create_db_engine(pg_server.fresh_library())
    with engine.connect() as conn:  # then db_errors calls it busy (exit 75), as on SQLite
        assert conn.execute(text("SHOW lock_timeout")).scalar() == f"{db.BUSY_TIMEOUT_S}s"
    engine.dispose()


def test_tag_writers_on_two_machines_exclude_each_other_through_the_server(
        pg_server: PgServer, capsys: pytest.CaptureFixture[str]) -> None:
    from library.write_lock import WriteLocked, library_is_locked, library_write_lock

    url = pg_server.fresh_library()
    mine, theirs = (db.session_factory(db.create_db_engine(url)) for _ in range(2))
    with library_write_lock(mine, "writing tags"):
        with theirs() as session:
            assert library_is_locked(session)
        with pytest.raises(WriteLocked, match=r"pid \d+ on .*, writing tags"), \
                library_write_lock(theirs, "undoing tags"):
            pass
        assert main(["--db", url, "undo"]) == 75  # the CLI: busy, in words
        assert "another GenreLens is writing tags" in capsys.readouterr().err
    with library_write_lock(theirs, "undoing tags"), theirs() as session:
        assert library_is_locked(session)  # free again once the first let go


def test_two_scans_at_once_keep_every_track_once(pg_server: PgServer, shared_data: Path,
                                                 tmp_path: Path) -> None:
    import threading

    from library.folders import add_folder
    from library.scanner import scan

    source = write_audio(tmp_path / "source.flac", *load_source(
        shared_data / "gtzan-mini/jazz/jazz.00000.flac", 1.0))
    roots = [tmp_path / name for name in ("a", "b")]
    for root in roots:
        root.mkdir()
        for n in range(40):
            (root / f"{n:02d}.flac").write_bytes(source.read_bytes())
    url = pg_server.fresh_library()
    sessions = [db.session_factory(db.create_db_engine(url)) for _ in roots]
    folders = []
    for factory, root in zip(sessions, roots):
        with factory() as session:
            folders.append(add_folder(session, str(root)))
    start = threading.Barrier(2)

    def run(factory, folder) -> None:  # type: ignore[no-untyped-def]
        start.wait()
        for _ in scan(factory, [folder], batch_size=8):  # many small batches, interleaved
            pass

    threads = [threading.Thread(target=run, args=pair) for pair in zip(sessions, folders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with sessions[0]() as session:
        tracks = repository.list_tracks(session)
    assert len(tracks) == 80 and len({t.id for t in tracks}) == 80
    assert {t.folder_id for t in tracks} == {f.id for f in folders}
