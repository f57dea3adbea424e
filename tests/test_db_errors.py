"""Every database problem ends in words and a documented exit code, never a traceback, in
the real CLI (a subprocess): a corrupt file (a text file, truncated, garbage in the middle),
a library written by a newer GenreLens, one locked by a second process that holds a write
transaction, a read-only one (a real read-only bind mount), a full disk (a tiny tmpfs).
Opening writes nothing when nothing needs migrating."""

from __future__ import annotations

import os
import random
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from library.db import HEAD_USER_VERSION, create_db_engine, session_factory
from library.db_errors import (
    EXIT_BUSY,
    EXIT_CORRUPT,
    EXIT_DISK,
    EXIT_NEWER,
    EXIT_READ_ONLY,
    explain,
)
from library.models import Folder, Root, Track
from tests.old_library import baseline_file, downgrade_to_schema_1
from tests.test_write_hardening import _fill_disk, _mounted, _read_only_bind

REPO = Path(__file__).resolve().parents[1]
TRACKS = 3000


def _cli(db: Path, *args: str, stdin: bool = False) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(REPO / "main.py"), "--db", str(db), *args],
        cwd=REPO, capture_output=True, text=True, timeout=120,
        env={**os.environ, "PYTHONPATH": str(REPO)})


def _filled(db: Path) -> Path:
    """A real library with a folder and TRACKS tracks (many pages), checkpointed and closed."""
    engine = create_db_engine(db)
    with session_factory(engine)() as session:
        root = Root(name="music", path="/music")
        session.add(root)
        session.flush()
        folder = Folder(root_id=root.id, path="")
        session.add(folder)
        session.flush()
        session.add_all(Track(folder_id=folder.id, root_id=root.id, path=f"{n:05d} Édith Piaf.flac",
                              title=f"Song {n}", artist="Édith Piaf", genres=["Chanson"])
                        for n in range(TRACKS))
        session.commit()
    engine.dispose()  # the last connection checkpoints the WAL into the file
    assert not Path(f"{db}-wal").exists()
    return db


def _no_traceback(done: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in done.stderr, done.stderr


def test_a_text_file_is_not_a_library(tmp_path: Path) -> None:
    db = tmp_path / "library.sqlite3"
    db.write_text("these are my notes, not a database\n" * 200)
    done = _cli(db, "list")
    _no_traceback(done)
    assert done.returncode == EXIT_CORRUPT
    assert "is damaged or is not a GenreLens library" in done.stderr
    assert db.read_text().startswith("these are my notes")  # not overwritten


def test_a_truncated_library(tmp_path: Path) -> None:
    db = _filled(tmp_path / "library.sqlite3")
    with open(db, "r+b") as handle:
        handle.truncate(db.stat().st_size * 6 // 10)
    done = _cli(db, "list")
    _no_traceback(done)
    assert done.returncode == EXIT_CORRUPT and "damaged" in done.stderr


def test_garbage_in_the_middle_of_a_library(tmp_path: Path) -> None:
    db = _filled(tmp_path / "library.sqlite3")
    size, noise = db.stat().st_size, random.Random(7)
    with open(db, "r+b") as handle:
        handle.seek(size // 3 // 4096 * 4096)
        handle.write(bytes(noise.randrange(256) for _ in range(size // 3)))
    done = _cli(db, "list")
    _no_traceback(done)
    assert done.returncode == EXIT_CORRUPT and "damaged" in done.stderr


def test_a_library_from_a_newer_genrelens(tmp_path: Path) -> None:
    db = _filled(tmp_path / "library.sqlite3")
    conn = sqlite3.connect(db)
    conn.execute(f"PRAGMA user_version={HEAD_USER_VERSION + 1}")
    conn.close()  # the last connection checkpoints: the file alone holds the library
    before = db.read_bytes()
    done = _cli(db, "list")
    _no_traceback(done)
    assert done.returncode == EXIT_NEWER
    assert "written by a newer GenreLens" in done.stderr and "Update GenreLens" in done.stderr
    assert db.read_bytes() == before


def test_opening_a_current_library_writes_nothing(tmp_path: Path) -> None:
    db = _filled(tmp_path / "library.sqlite3")
    with sqlite3.connect(db) as conn:
        changes = conn.execute("PRAGMA data_version").fetchone()[0]
        create_db_engine(db).dispose()
        assert conn.execute("PRAGMA data_version").fetchone()[0] == changes  # nobody wrote


_HOLD = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
conn.execute("UPDATE tracks SET title = 'being written' WHERE id = 1")
print("holding", flush=True)
sys.stdin.read()
conn.execute("ROLLBACK")
"""


def test_a_library_another_process_is_writing_lists_but_refuses_writes(tmp_path: Path) -> None:
    db = _filled(tmp_path / "library.sqlite3")
    create_db_engine(db).dispose()  # WAL mode recorded in the file
    holder = subprocess.Popen([sys.executable, "-c", _HOLD, str(db)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "holding\n"
        listed = _cli(db, "list", "--limit", "2")
        assert listed.returncode == 0, listed.stderr  # WAL: readers are not blocked
        assert "Édith Piaf" in listed.stdout
        added = _cli(db, "folders", "add", str(tmp_path))
        _no_traceback(added)
        assert added.returncode == EXIT_BUSY
        assert "is busy: another process kept it locked for more than 10 s" in added.stderr
    finally:
        holder.communicate("", timeout=30)


def test_a_read_only_library_can_be_listed_and_says_why_it_cannot_change(
        tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    db = _filled(folder / "library.sqlite3")
    with _read_only_bind(folder):
        listed = _cli(db, "list", "Song 2999")
        assert listed.returncode == 0, listed.stderr
        assert "Song 2999" in listed.stdout
        added = _cli(db, "folders", "add", str(tmp_path))
        _no_traceback(added)
        assert added.returncode == EXIT_READ_ONLY and "is read-only" in added.stderr
        history = _cli(db, "history")
        assert history.returncode == 0 and "No tag batches yet." in history.stdout


def test_a_full_disk_under_the_library(tmp_path: Path, shared_data: Path) -> None:
    disk = tmp_path / "disk"
    disk.mkdir()
    music = tmp_path / "music"
    music.mkdir()
    source = shared_data / "gtzan-mini" / "rock" / "rock.00000.flac"
    for n in range(40):
        os.symlink(source, music / f"{n:02d}.flac")  # scan follows links to read them
    with _mounted(["-t", "tmpfs", "-o", "size=400k", "tmpfs"], disk):
        db = disk / "library.sqlite3"
        assert _cli(db, "folders", "add", str(music)).returncode == 0
        _fill_disk(disk)
        done = _cli(db, "scan")
        _no_traceback(done)
        assert done.returncode == EXIT_DISK, done.stderr
        assert "is full" in done.stderr


def test_explain_finds_the_cause_inside_a_broken_session(tmp_path: Path) -> None:
    """A failed commit surfaces later as PendingRollbackError: the words name the cause."""
    cause = sqlite3.OperationalError("database or disk is full")
    cause.sqlite_errorcode = sqlite3.SQLITE_FULL  # type: ignore[attr-defined]
    try:
        try:
            raise cause
        except sqlite3.OperationalError as inner:
            raise RuntimeError("later") from inner
    except RuntimeError as outer:
        problem = explain(outer, "x.sqlite3")
    assert problem is not None and problem.kind == "disk-full"
    assert explain(ValueError("not ours"), "x") is None


@pytest.mark.parametrize("kind", ["corrupt", "newer"])
def test_damaged_libraries_can_be_moved_aside(kind: str) -> None:
    from library.db_errors import DbProblem
    assert DbProblem(kind, "", 1).can_move_aside


def test_a_schema_1_library_upgrades_and_keeps_its_data(tmp_path: Path) -> None:
    """A real library as version 1 wrote it (no audio_hash, tag_originals, classify_claims)."""
    db = baseline_file(tmp_path / "library.sqlite3")
    with sqlite3.connect(db) as conn:
        conn.execute("INSERT INTO folders (id, path, added_at) VALUES (1, ?, '2026-01-01')",
                     (b"/music",))
        conn.executemany(
            "INSERT INTO tracks (folder_id, path, size, mtime_ns, status, genres, scanned_at) "
            "VALUES (1, ?, 1, 2, 'ok', '[]', '2026-01-01')",
            [(f"/music/{n:05d} Édith Piaf.flac".encode(),) for n in range(TRACKS)])
    downgrade_to_schema_1(db)

    create_db_engine(db).dispose()

    conn = sqlite3.connect(db)
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"tag_originals", "classify_claims"} <= tables
    assert conn.execute("PRAGMA user_version").fetchone()[0] == HEAD_USER_VERSION
    assert conn.execute("SELECT count(*) FROM tracks").fetchone()[0] == TRACKS
    conn.close()


def test_a_full_disk_under_the_library_during_tag_apply(tmp_path: Path, shared_data: Path
                                                       ) -> None:
    """The undo log cannot be written: the command stops with words, no file is half-done."""
    from tests.audio_factory import Tags, load_clip, write_audio, write_tags
    from tests.tagging_support import payload, plain_genres, predict, scan_into

    music = tmp_path / "music"
    music.mkdir()
    samples, rate = load_clip(shared_data, seconds=0.5)
    files = []
    for n in range(20):
        files.append(write_audio(music / f"{n:02d}.flac", "flac", samples, rate))
        write_tags(files[-1], "flac", Tags(title=str(n)), raw_genres=["Old"])
    audio = {p: payload(p) for p in files}
    disk = tmp_path / "disk"
    disk.mkdir()
    with _mounted(["-t", "tmpfs", "-o", "size=600k", "tmpfs"], disk):
        db = disk / "library.sqlite3"
        sessions = session_factory(create_db_engine(db))
        scan_into(sessions, music)
        predict(sessions, {str(p): {"New": 0.9, "Other": 0.1} for p in files})
        sessions.kw["bind"].dispose()
        _fill_disk(disk)
        done = _cli(db, "tag", "--apply", "--policy", "replace", "-q")
    _no_traceback(done)
    assert done.returncode == EXIT_DISK and "is full" in done.stderr, done.stderr
    for path in files:
        assert plain_genres(path) in (["Old"], ["New"]) and payload(path) == audio[path]
    assert not [n for n in os.listdir(music) if n.startswith(".gl-")]
