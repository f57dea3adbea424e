"""Tag writes under hostile conditions, reproduced with real files: a 250-byte file name, a
read-only bind mount, a really full file system, extended attributes and mtimes, two writers
at once in two processes, and a batch left "running" by a writer that died."""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from library.db import create_db_engine, session_factory
from library.models import TagBatch
from library.safe_write import TEMP_SUFFIX
from library.tag_history import list_batches
from library.tagplan import TagOptions, plan_tags
from workflows.tags import apply_plan, undo_batch
from library.write_lock import WriteLocked, lock_path
from tests.audio_factory import KINDS, Tags, load_clip, write_audio, write_tags
from tests.tagging_support import plain_genres, predict, scan_into

REPO = Path(__file__).resolve().parents[1]
OPTIONS = TagOptions(policy="replace")
ROTATION = ("mp3", "flac", "ogg", "aac", "wma", "wav")
LONG_STEM = "x" * 246  # + ".flac" = 251 bytes: legal, but ".<name>.genrelens-tmp" is not


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("hardening-sources")
    samples, rate = load_clip(shared_data, seconds=0.5)
    made = {}
    for kind in ROTATION:
        made[kind] = write_audio(root / f"source{KINDS[kind][0]}", kind, samples, rate)
        write_tags(made[kind], kind, Tags(title=kind), raw_genres=["Old"])
    return made


def _fill(folder: Path, sources: dict[str, Path], prefix: str = "") -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for kind, source in sources.items():
        paths.append(folder / f"{prefix}{kind}{source.suffix}")
        shutil.copyfile(source, paths[-1])
    return paths


def _library(root: Path, db: Path) -> sessionmaker[Session]:
    sessions = session_factory(create_db_engine(db))
    scan_into(sessions, root)
    files = [p for p in root.rglob("*") if p.is_file()]
    predict(sessions, {str(p): {"New": 0.9, "Other": 0.1} for p in files})
    return sessions


def _plan(sessions: sessionmaker[Session]):  # type: ignore[no-untyped-def]
    with sessions() as session:
        return plan_tags(session, OPTIONS)


def _md5(paths: list[Path]) -> dict[Path, str]:
    return {p: hashlib.md5(p.read_bytes()).hexdigest() for p in paths}


def _state(sessions: sessionmaker[Session], batch_id: int | None) -> str:
    with sessions() as session:
        return session.get(TagBatch, batch_id).state  # type: ignore[union-attr]


def test_a_250_byte_file_name_is_written_and_undone(
        sources: dict[str, Path], tmp_path: Path) -> None:
    root = tmp_path / "music"
    _fill(root, sources)
    long_name = root / f"{LONG_STEM}.flac"
    shutil.copyfile(sources["flac"], long_name)
    assert len(os.fsencode(long_name.name)) == 251
    sessions = _library(root, tmp_path / "db.sqlite3")
    files = sorted(p for p in root.iterdir())
    before = _md5(files)

    result = apply_plan(sessions, _plan(sessions), OPTIONS)

    assert {o.state for o in result.outcomes} == {"applied"}
    assert plain_genres(long_name) == ["New"]
    assert _state(sessions, result.batch_id) == "done"
    undone = undo_batch(sessions, result.batch_id)
    assert {o.state for o in undone.outcomes} == {"undone"}
    assert _md5(files) == before
    assert not [n for n in os.listdir(root) if n.endswith(TEMP_SUFFIX)]


@contextlib.contextmanager
def _mounted(args: list[str], target: Path) -> Iterator[None]:
    done = subprocess.run(["mount", *args, str(target)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount here ({done.stderr.strip()}); needs root in a container "
                    "that allows mounts")
    try:
        yield
    finally:
        subprocess.run(["umount", "-l", str(target)], check=False)


def _fill_disk(folder: Path) -> None:
    """Write a filler file into `folder` until its (small, mounted) disk is full."""
    fd = os.open(folder / "filler", os.O_WRONLY | os.O_CREAT)
    try:
        while True:
            os.write(fd, b"\0" * 1024)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def _read_only_bind(folder: Path) -> Iterator[None]:
    """A real read-only mount of `folder` on itself (chmod alone does not stop root)."""
    with _mounted(["--bind", str(folder)], folder):
        done = subprocess.run(["mount", "-o", "remount,ro,bind", str(folder)],
                              capture_output=True, text=True)
        if done.returncode != 0:
            pytest.skip(f"cannot remount read-only here ({done.stderr.strip()})")
        yield


def test_a_read_only_mount_is_a_per_file_error_and_the_batch_ends(
        sources: dict[str, Path], tmp_path: Path) -> None:
    root = tmp_path / "music"
    writable = _fill(root / "a", sources)
    locked = _fill(root / "ro", sources)
    sessions = _library(root, tmp_path / "db.sqlite3")
    before = _md5(locked)
    with _read_only_bind(root / "ro"):
        result = apply_plan(sessions, _plan(sessions), OPTIONS)
        states = {Path(o.path): (o.state, o.reason) for o in result.outcomes}
        assert {states[p] for p in locked} == {("error", "read-only file system")}
        assert {states[p][0] for p in writable} == {"applied"}
        assert _md5(locked) == before
        assert _state(sessions, result.batch_id) == "done"
        undone = undo_batch(sessions, result.batch_id)  # the applied ones come back
    assert {o.state for o in undone.outcomes} == {"undone"}
    assert {tuple(plain_genres(p)) for p in writable} == {("Old",)}


def test_a_really_full_file_system_is_a_per_file_error_and_leaves_no_temp(
        sources: dict[str, Path], tmp_path: Path) -> None:
    root = tmp_path / "music"
    root.mkdir()
    with _mounted(["-t", "tmpfs", "-o", "size=1m", "tmpfs"], root):
        files = _fill(root, sources)
        sessions = _library(root, tmp_path / "db.sqlite3")
        before = _md5(files)
        _fill_disk(root)
        result = apply_plan(sessions, _plan(sessions), OPTIONS)
        assert {(o.state, o.reason) for o in result.outcomes} == {("error", "disk full")}
        assert _state(sessions, result.batch_id) == "done"
        assert _md5(files) == before
        assert not [n for n in os.listdir(root) if n.endswith(TEMP_SUFFIX)]


def test_xattrs_are_kept_and_mtime_is_new_unless_asked_to_keep_it(
        sources: dict[str, Path], tmp_path: Path) -> None:
    root = tmp_path / "music"
    files = _fill(root, sources)
    try:
        for path in files:
            os.setxattr(path, "user.genrelens.test", path.name.encode())
    except OSError as exc:
        pytest.skip(f"no user xattrs on {tmp_path}: {exc}")
    for path in files:  # a time long past: "new" cannot coincide with it
        os.utime(path, ns=(1_500_000_000_000_000_000, 1_500_000_000_000_000_000))
    sessions = _library(root, tmp_path / "db.sqlite3")
    mtimes = {p: p.stat().st_mtime_ns for p in files}
    before = _md5(files)

    # By default writing and undoing are modifications: new mtimes, the same xattrs.
    result = apply_plan(sessions, _plan(sessions), OPTIONS)
    assert {o.state for o in result.outcomes} == {"applied"}
    for path in files:
        assert plain_genres(path) == ["New"]
        assert os.getxattr(path, "user.genrelens.test") == path.name.encode(), path
        assert path.stat().st_mtime_ns != mtimes[path], path
    undo_batch(sessions, result.batch_id)
    assert _md5(files) == before
    for path in files:
        assert os.getxattr(path, "user.genrelens.test") == path.name.encode(), path
        assert path.stat().st_mtime_ns != mtimes[path], path
    mtimes = {p: p.stat().st_mtime_ns for p in files}

    # Kept on request; the undo of such a batch gives the old times back as well.
    kept = TagOptions(policy="replace", keep_mtime=True)
    with sessions() as session:
        rows = plan_tags(session, kept)
    result = apply_plan(sessions, rows, kept)
    assert {o.state for o in result.outcomes} == {"applied"}
    assert {p: p.stat().st_mtime_ns for p in files} == mtimes
    undo_batch(sessions, result.batch_id)
    assert {p: p.stat().st_mtime_ns for p in files} == mtimes
    assert _md5(files) == before

    # A default batch undone with keep_mtime: bytes and times as they were.
    result = apply_plan(sessions, _plan(sessions), OPTIONS)
    undo_batch(sessions, result.batch_id, keep_mtime=True)
    assert {p: p.stat().st_mtime_ns for p in files} == mtimes
    assert _md5(files) == before


def _cli(db: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(REPO / "main.py"), "--db", str(db), *args],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)})


def test_two_apply_runs_in_two_processes_never_clash(
        sources: dict[str, Path], tmp_path: Path) -> None:
    root = tmp_path / "music"
    files = [p for n in range(8) for p in _fill(root / f"d{n}", sources)]
    db = tmp_path / "db.sqlite3"
    _library(root, db).kw["bind"].dispose()
    before = _md5(files)

    runs = [_cli(db, "tag", "--apply", "--policy", "replace", "-q") for _ in range(2)]
    ends = [(run.wait(timeout=300), run.communicate()) for run in runs]

    for code, (_, err) in ends:
        assert code in (0, 75), err
        if code == 75:
            assert "another GenreLens is writing tags to this library (pid" in err
        else:
            assert "error:" not in err, err  # no spurious per-file errors
    assert {tuple(plain_genres(p)) for p in files} == {("New",)}
    sessions = session_factory(create_db_engine(db))
    with sessions() as session:
        done = [b.id for b in list_batches(session) if b.state == "done"]  # newest first
    assert done
    for batch_id in done:
        undo_batch(sessions, batch_id)
    assert _md5(files) == before


def test_a_held_write_lock_refuses_the_cli_with_the_holder_named(
        sources: dict[str, Path], tmp_path: Path) -> None:
    root = tmp_path / "music"
    _fill(root, sources)
    db = tmp_path / "db.sqlite3"
    sessions = _library(root, db)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys; from library.write_lock import write_lock\n"
         f"with write_lock({lock_path(sessions)!r}, 'a test holding it'):\n"
         "    print('held', flush=True); sys.stdin.read()"],
        cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)})
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        run = _cli(db, "tag", "--apply", "--policy", "replace", "-q")
        _, err = run.communicate(timeout=120)
        assert run.returncode == 75
        assert f"pid {holder.pid}, a test holding it" in err
        with pytest.raises(WriteLocked):
            apply_plan(sessions, _plan(sessions), OPTIONS)
    finally:
        holder.communicate("", timeout=30)
    assert {o.state for o in apply_plan(sessions, _plan(sessions), OPTIONS).outcomes} == {
        "applied"}


def test_a_batch_left_running_by_a_dead_writer_is_interrupted(
        sources: dict[str, Path], tmp_path: Path) -> None:
    root = tmp_path / "music"
    _fill(root, sources)
    db = tmp_path / "db.sqlite3"
    sessions = _library(root, db)
    killed = subprocess.run(  # a writer that dies mid-batch: its batch stays "running"
        [sys.executable, "-c", "import os, signal\n"
         "from library.db import create_db_engine, session_factory\n"
         "from library.tagplan import TagOptions, plan_tags\n"
         "from library.tagwriter import apply_steps\n"
         f"s = session_factory(create_db_engine({str(db)!r}))\n"
         "o = TagOptions(policy='replace')\n"
         "steps = apply_steps(s, plan_tags(s(), o), o)\n"
         "next(steps); next(steps)\n"
         "os.kill(os.getpid(), signal.SIGKILL)"],
        cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert killed.returncode == -9
    with sessions() as session:
        assert [b.state for b in session.scalars(select(TagBatch))] == ["running"]

    history = _cli(db, "history")
    out, _ = history.communicate(timeout=120)
    assert "interrupted" in out and "genrelens undo 1" in out

    undone = undo_batch(sessions)
    assert undone.batch_id == 1 and undone.count("undone") == 2
    assert {tuple(plain_genres(p)) for p in root.iterdir()} == {("Old",)}
