"""PostgreSQL's one-writer lock lost mid-batch, on a real server and real audio files: the
writer notices before its next file, stops in words, leaves the batch interrupted and
undoable; a second writer is refused while the lock is held and never writes alongside."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from library.db import create_db_engine, session_factory
from library.db_errors import EXIT_BUSY, EXIT_CANNOT_OPEN, explain
from library.models import TagChange
from library.tag_history import list_batches
from workflows.tags import undo_batch
from library.tagplan import TagOptions, plan_tags
from library.tagwriter import apply_steps, run_steps
from library.write_lock import SERVER_LOCK_KEY, LockLost, WriteLocked, library_write_lock
from tests.postgres_server import PgServer
from tests.tagging_support import copy_real_music, plain_genres, predict, scan_into

OPTIONS = TagOptions()  # the defaults: fill the files without a genre


def _md5(paths: list[Path]) -> dict[Path, str]:
    return {p: hashlib.md5(p.read_bytes()).hexdigest() for p in paths}


def _terminate_lock_holder(server: PgServer) -> None:
    """What an admin's pg_terminate_backend (or idle_session_timeout) does to the lock."""
    server.admin("SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' "
                 f"AND objid = {SERVER_LOCK_KEY} AND granted")


def _library(server: PgServer, shared_data: Path, root: Path
             ) -> tuple[sessionmaker[Session], str, list[Path]]:
    url = server.fresh_library()
    files = copy_real_music(shared_data, root)
    sessions = session_factory(create_db_engine(url))
    scan_into(sessions, root)
    predict(sessions, {str(p): {"Jazz": 0.8, "Blues": 0.2} for p in files})
    return sessions, url, files


def test_a_writer_that_loses_its_server_lock_stops_and_never_writes_beside_another(
        pg_server: PgServer, shared_data: Path, tmp_path: Path) -> None:
    sessions, url, files = _library(pg_server, shared_data, tmp_path / "music")
    originals = _md5(files)
    with sessions() as session:
        first = apply_steps(sessions, plan_tags(session, OPTIONS), OPTIONS)
    assert [next(first).state, next(first).state] == ["applied", "applied"]

    theirs = session_factory(create_db_engine(url))  # another GenreLens, on its own engine
    with theirs() as session:
        refused = apply_steps(theirs, plan_tags(session, OPTIONS), OPTIONS)
    with pytest.raises(WriteLocked, match="another GenreLens is writing tags"):
        next(refused)  # while the first holds the lock: refused

    _terminate_lock_holder(pg_server)
    with theirs() as session:
        second = apply_steps(theirs, plan_tags(session, OPTIONS), OPTIONS)
    next(second)  # the lock is free: the second writer is let in and writes a file
    with pytest.raises(LockLost) as stopped:
        next(first)  # ... and the first notices before its next file and stops
    assert str(stopped.value) == (
        "lost the library's write lock: the server ended its connection; 2 files written, "
        "batch 1 is interrupted and can be undone")
    problem = explain(stopped.value, url)
    assert problem is not None and problem.exit_code == EXIT_BUSY
    assert problem.message.startswith("lost the library's write lock")
    run_steps(second)

    with sessions() as session:
        assert {b.id: b.state for b in list_batches(session)} == {1: "interrupted", 2: "done"}
        applied = list(session.scalars(select(TagChange.path).where(
            TagChange.state == "applied")))
    assert sorted(applied) == sorted({*applied})  # no file written by both writers
    assert len(applied) == len(files)
    assert all(plain_genres(p) == ["Jazz"] for p in files)

    undo_batch(sessions, 2)
    undo_batch(sessions, 1)  # the interrupted batch is undoable
    assert _md5(files) == originals


def test_a_terminated_server_connection_is_explained_as_a_server_problem(
        pg_server: PgServer) -> None:
    url = pg_server.fresh_library()
    engine = create_db_engine(url)
    sessions = session_factory(engine)
    with library_write_lock(sessions, "writing tags") as check_lock:
        check_lock()  # ours
        _terminate_lock_holder(pg_server)
        with pytest.raises(LockLost, match="the server ended its connection"):
            check_lock()
    # leaving the block did not raise: the lost connection took the lock with it
    with library_write_lock(sessions, "undoing tags") as check_lock:
        check_lock()

    with engine.connect() as conn:
        pid = conn.execute(text("SELECT pg_backend_pid()")).scalar()
        pg_server.admin(f"SELECT pg_terminate_backend({pid})")
        with pytest.raises(OperationalError) as error:
            conn.execute(text("SELECT 1"))
    problem = explain(error.value, url)
    assert problem is not None and problem.kind == "server"  # not "disk full" (exit 74)
    assert problem.exit_code == EXIT_CANNOT_OPEN
    assert "[SQL:" not in problem.message


def test_tag_apply_that_loses_the_lock_says_so_and_exits_busy_not_disk_full(
        pg_server: PgServer, shared_data: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import library.tagwriter as tagwriter
    import main

    sessions, url, files = _library(pg_server, shared_data, tmp_path / "music")
    originals = _md5(files)
    refresh, written = tagwriter.refresh_track, []

    def refresh_then_lose_the_lock(*args, **kwargs):  # type: ignore[no-untyped-def]
        written.append(args[2])
        if len(written) == 3:  # the third file is written: the admin ends the lock's session
            _terminate_lock_holder(pg_server)
        return refresh(*args, **kwargs)

    monkeypatch.setattr(tagwriter, "refresh_track", refresh_then_lose_the_lock)
    assert main.main(["--db", url, "tag", "--apply", "-q"]) == EXIT_BUSY
    err = capsys.readouterr().err
    assert ("error: lost the library's write lock: the server ended its connection; 3 files "
            "written, batch 1 is interrupted and can be undone") in err, err
    assert "disk" not in err and "SQL" not in err
    assert sum(_md5(files)[p] != originals[p] for p in files) == 3
    monkeypatch.undo()
    assert main.main(["--db", url, "history"]) == 0
    assert "interrupted" in capsys.readouterr().out
    assert main.main(["--db", url, "undo", "-q"]) == 0
    assert _md5(files) == originals


def test_an_undo_that_loses_the_lock_stops_and_is_finished_by_running_it_again(
        pg_server: PgServer, shared_data: Path, tmp_path: Path) -> None:
    from library.tag_history import undo_steps

    sessions, _, files = _library(pg_server, shared_data, tmp_path / "music")
    originals = _md5(files)
    with sessions() as session:
        run_steps(apply_steps(sessions, plan_tags(session, OPTIONS), OPTIONS))
    undo = undo_steps(sessions)
    assert [next(undo).state, next(undo).state] == ["undone", "undone"]
    _terminate_lock_holder(pg_server)
    with pytest.raises(LockLost, match=r"2 of 6 files looked at, the undo of batch 1 is "
                                       r"interrupted; undo it again to finish"):
        next(undo)
    with sessions() as session:
        [batch] = list_batches(session)
    assert batch.state == "undo-interrupted" and batch.counts == {"undone": 2, "applied": 4}
    assert undo_batch(sessions).count("undone") == 4
    assert _md5(files) == originals
