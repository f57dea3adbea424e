"""Apply and undo through the Python API on real files: the per-file bad cases, the undo
refusals, progress and cancellation from a real worker thread, and the undo log itself."""

from __future__ import annotations

import dataclasses
import errno
import fcntl
import os
import shutil
import threading
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from library import safe_write
from library.db import create_db_engine, session_factory
from library.folders import list_folders
from library.models import TagBatch, TagChange
from library.records import BatchResult, PlanRow
from library.scanner import scan
from library.tag_history import (
    UndoError,
    count_undoable,
    list_batches,
    undo_steps,
)
from library.tagplan import TagOptions, plan_tags
from library.tags import genre_state
from library.tagwriter import TEMP_SUFFIX, apply_steps
from workflows.tags import apply_plan, undo_batch
from tests.audio_factory import KINDS, Tags, load_clip, write_audio, write_tags
from tests.tagging_support import plain_genres, predict, scan_into

OPTIONS = TagOptions(policy="replace")
KIND_OF = {n: k for n, k in enumerate(("mp3", "flac", "ogg", "aac", "wma", "wav"))}


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Path:
    """Six real files of different formats, each with one genre, plus a non-UTF-8 name."""
    root = tmp_path_factory.mktemp("writer")
    samples, rate = load_clip(shared_data, seconds=0.5)
    music = root / "music"
    music.mkdir()
    for number, kind in KIND_OF.items():
        path = write_audio(music / f"{number}{KINDS[kind][0]}", kind, samples, rate)
        write_tags(path, kind, Tags(title=str(number)), raw_genres=["Old"])
    odd = os.path.join(os.fsencode(music), b"caf\xe9 \xff.flac")
    shutil.copyfile(music / "1.flac", odd)
    return music


@pytest.fixture
def library(template: Path, tmp_path: Path, db_path: Path
            ) -> tuple[Path, sessionmaker[Session], list[PlanRow]]:
    root = tmp_path / "music"
    shutil.copytree(template, root)
    sessions = session_factory(create_db_engine(db_path))
    scan_into(sessions, root)
    files = sorted(os.fsdecode(p) for p in os.listdir(os.fsencode(root)))
    predict(sessions, {os.path.join(root, f): {"New": 0.9, "Other": 0.1} for f in files})
    with sessions() as session:
        rows = plan_tags(session, OPTIONS)
    assert len(rows) == 7 and {r.action for r in rows} == {"write"}
    return root, sessions, rows


def _by_name(result: BatchResult) -> dict[str, tuple[str, str | None]]:
    return {os.path.basename(o.path): (o.state, o.reason) for o in result.outcomes}


def test_apply_then_undo_round_trip_with_log_and_fresh_tracks(
    library: tuple[Path, sessionmaker[Session], list[PlanRow]]
) -> None:
    root, sessions, rows = library
    result = apply_plan(sessions, rows, OPTIONS)
    assert result.count("applied") == 7 and not result.cancelled
    odd = os.path.join(root, os.fsdecode(b"caf\xe9 \xff.flac"))
    assert plain_genres(Path(odd)) == ["New"]
    with sessions() as session:
        [batch] = list_batches(session)
        changes = session.scalars(select(TagChange)).all()
    assert (batch.id, batch.state, batch.counts) == (result.batch_id, "done", {"applied": 7})
    assert batch.options["policy"] == "replace"
    assert all(c.old_genres == ["Old"] and c.new_genres == ["New"] for c in changes)
    assert all(c.new_size == os.stat(os.path.join(root, c.path)).st_size for c in changes)
    assert all(c.root_id is not None for c in changes)  # stored relative to the root
    with sessions() as session:  # the library knows what it wrote: a rescan opens nothing
        events = list(scan(sessions, list_folders(session)))
    assert {e.outcome for e in events} == {"unchanged"}

    undone = undo_batch(sessions)  # the latest batch

    assert undone.count("undone") == 7
    assert all(plain_genres(Path(o.path)) == ["Old"] for o in undone.outcomes)
    with sessions() as session:
        assert list_batches(session)[0].state == "undone"
    with pytest.raises(UndoError, match="no batch to undo"):
        undo_batch(sessions)
    assert not [p for p in os.listdir(root) if p.endswith(TEMP_SUFFIX)]


def test_bad_files_are_per_file_problems_and_the_batch_goes_on(
    library: tuple[Path, sessionmaker[Session], list[PlanRow]]
) -> None:
    root, sessions, rows = library
    (root / "0.mp3").chmod(0o444)  # read-only
    (root / "1.flac").unlink()  # deleted since the plan
    with open(root / "2.ogg", "ab") as handle:  # modified since the plan
        handle.write(b"\0")
    locker = open(root / "4.wma", "rb")  # another program holds an exclusive lock
    fcntl.flock(locker.fileno(), fcntl.LOCK_EX)
    corrupt = root / "3.m4a"  # corrupt, but same size and mtime as scanned
    info = corrupt.stat()
    corrupt.write_bytes(b"\x00" * info.st_size)
    os.utime(corrupt, ns=(info.st_atime_ns, info.st_mtime_ns))
    before = {n: (root / n).read_bytes() for n in ("0.mp3", "2.ogg", "3.m4a", "4.wma")}

    with locker:
        states = _by_name(apply_plan(sessions, rows, OPTIONS))

    assert states["0.mp3"] == ("error", "file is read-only")
    assert states["1.flac"] == ("skipped", "file no longer exists")
    assert states["2.ogg"][0] == "skipped" and "changed on disk" in (states["2.ogg"][1] or "")
    assert states["3.m4a"][0] == "error" and states["3.m4a"][1]
    assert states["4.wma"] == ("error", "file is locked by another program")
    assert states["5.wav"] == ("applied", None)
    assert {n: (root / n).read_bytes() for n in before} == before
    assert (root / "0.mp3").stat().st_mode & 0o777 == 0o444


def test_full_disk_is_a_per_file_error_and_leaves_no_temp(
    library: tuple[Path, sessionmaker[Session], list[PlanRow]], monkeypatch: pytest.MonkeyPatch
) -> None:
    root, sessions, rows = library
    real_copy = shutil.copyfileobj

    def copy_until_full(source, target, length=0):  # type: ignore[no-untyped-def]
        if source.name.endswith("4.wma"):
            real_copy(source, target)  # a partial copy is left behind, as on a real full disk
            target.flush()
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_copy(source, target, length)

    # (A real full file system is in test_write_hardening.py; this one picks one file.)
    monkeypatch.setattr(safe_write.shutil, "copyfileobj", copy_until_full)
    before = (root / "4.wma").read_bytes()
    states = _by_name(apply_plan(sessions, rows, OPTIONS))
    assert states["4.wma"] == ("error", "disk full")
    assert (root / "4.wma").read_bytes() == before
    assert sum(state == "applied" for state, _ in states.values()) == 6
    assert not [p for p in os.listdir(root) if p.endswith(TEMP_SUFFIX)]


def test_mode_is_kept_and_a_stale_temp_file_is_cleaned(
    library: tuple[Path, sessionmaker[Session], list[PlanRow]]
) -> None:
    root, sessions, rows = library
    (root / "5.wav").chmod(0o640)
    stale = root / ".gl-999999999-0.tmp"
    stale.write_bytes(b"left by a crash")
    apply_plan(sessions, [r for r in rows if r.path.endswith("5.wav")], OPTIONS)
    assert (root / "5.wav").stat().st_mode & 0o777 == 0o640
    assert not stale.exists()


def test_undo_refuses_files_edited_after_the_batch(
    library: tuple[Path, sessionmaker[Session], list[PlanRow]]
) -> None:
    root, sessions, rows = library
    batch = apply_plan(sessions, rows, OPTIONS)
    write_tags(root / "1.flac", "flac", Tags(title="1"), raw_genres=["Mine"])  # user edit
    result = undo_batch(sessions, batch.batch_id)
    states = _by_name(result)
    assert states["1.flac"][0] == "undo-refused" and "changed after" in (states["1.flac"][1] or "")
    assert plain_genres(root / "1.flac") == ["Mine"]
    assert result.count("undone") == 6
    with sessions() as session:
        assert list_batches(session)[0].state == "done"  # not fully undone: may be retried
    write_tags(root / "1.flac", "flac", Tags(title="1"), raw_genres=["New"])  # put it back
    assert _by_name(undo_batch(sessions, batch.batch_id))["1.flac"][0] == "undone"
    assert plain_genres(root / "1.flac") == ["Old"]


def test_undo_of_a_logged_but_unreplaced_change_is_a_no_op(
    library: tuple[Path, sessionmaker[Session], list[PlanRow]]
) -> None:
    """What a SIGKILL between 'logged' and 'replaced' leaves: a pending change, old file."""
    root, sessions, rows = library
    path = str(root / "0.mp3")
    with sessions() as session:
        batch = TagBatch(options={}, state="running")
        session.add(batch)
        session.flush()
        session.add(TagChange(batch_id=batch.id, path=path, old_genres=genre_state(path, "mp3"),
                              new_genres=["New"], state="pending"))
        session.commit()
        batch_id = batch.id
    before = Path(path).read_bytes()
    result = undo_batch(sessions, batch_id)
    assert _by_name(result)["0.mp3"] == ("undone", "already held its old genres")
    assert Path(path).read_bytes() == before


def test_progress_and_cancel_from_a_worker_thread(
    library: tuple[Path, sessionmaker[Session], list[PlanRow]], db_path: Path
) -> None:
    root, _, rows = library
    cancel = threading.Event()
    seen: list[tuple[int, int]] = []
    results: list[BatchResult] = []

    def progress(done: int, total: int) -> None:
        seen.append((done, total))
        if done == 3:
            cancel.set()

    def work() -> None:  # the worker has its own engine and sessions, as the GUI's will
        sessions = session_factory(create_db_engine(db_path))
        results.append(apply_plan(sessions, rows, OPTIONS, progress, cancel))

    worker = threading.Thread(target=work)
    worker.start()
    worker.join(timeout=120)
    [result] = results
    assert seen == [(1, 7), (2, 7), (3, 7)]
    assert result.cancelled and result.count("applied") == 3
    undone = undo_batch(session_factory(create_db_engine(db_path)), result.batch_id)
    assert undone.count("undone") == 3
    assert all(plain_genres(Path(r.path)) == ["Old"] for r in rows[:3])


def test_steps_report_each_file_as_it_lands_and_closing_them_is_a_cancel(
    library: tuple[Path, sessionmaker[Session], list[PlanRow]]
) -> None:
    _, sessions, rows = library
    steps = apply_steps(sessions, rows, OPTIONS)
    first = next(steps)
    assert (first.path, first.state) == (rows[0].path, "applied")
    assert plain_genres(Path(rows[0].path)) == ["New"]
    assert all(plain_genres(Path(r.path)) == ["Old"] for r in rows[1:])  # not written yet
    steps.close()  # the consumer stops here, e.g. a GUI job that is closed
    with sessions() as session:
        [batch] = list_batches(session)
    assert (batch.state, batch.counts) == ("done", {"applied": 1})

    apply_plan(sessions, rows[1:], OPTIONS)
    with sessions() as session:
        assert count_undoable(session) == 6  # the latest batch's files
    undo = undo_steps(sessions)
    assert next(undo).state == "undone"
    undo.close()
    with sessions() as session:
        # an undo stopped part-way says so (it was "done", as if nothing had been restored)
        assert [b.state for b in list_batches(session)] == ["undo-interrupted", "done"]
        assert count_undoable(session) == 5  # the restored file was recorded as undone
    assert [plain_genres(Path(r.path)) for r in rows].count(["Old"]) == 1
    assert undo_batch(sessions).count("undone") == 5  # the rest of the latest batch


def test_hard_links_are_refused_and_links_out_of_the_library_never_written(
    library: tuple[Path, sessionmaker[Session], list[PlanRow]], tmp_path: Path
) -> None:
    root, sessions, _ = library
    os.link(root / "0.mp3", tmp_path / "elsewhere.mp3")  # replacing would split the pair
    outside = tmp_path / "outside.flac"
    shutil.copyfile(root / "1.flac", outside)
    outside_bytes = outside.read_bytes()
    (root / "link.flac").symlink_to(outside)
    (root / "sub").mkdir()
    shutil.copyfile(root / "1.flac", root / "sub" / "inside.flac")
    (root / "inner-link.flac").symlink_to(root / "sub" / "inside.flac")
    scan_into(sessions, root)
    predict(sessions, {str(root / "link.flac"): {"Linked": 1.0},
                       str(root / "inner-link.flac"): {"Linked": 1.0}})
    with sessions() as session:
        rows = plan_tags(session, OPTIONS)
    link_row = next(r for r in rows if r.path.endswith("/link.flac"))
    assert link_row.action == "skip" and "outside the library folders" in link_row.reason
    assert str(outside) in link_row.reason
    states = _by_name(apply_plan(sessions, rows, OPTIONS))
    assert states["0.mp3"] == ("error", "file has 2 hard links; a new copy would split them")
    assert "link.flac" not in states and outside.read_bytes() == outside_bytes
    assert states["inner-link.flac"] == ("applied", None)
    assert (root / "inner-link.flac").is_symlink()
    assert plain_genres(root / "sub" / "inside.flac") == ["Linked"]

    # A plan made before the link was re-pointed outside: the writer checks again.
    (root / "inner-link.flac").unlink()
    (root / "inner-link.flac").symlink_to(outside)
    stale = dataclasses.replace(link_row, action="write", new_genres=("Stale",),
                                size=outside.stat().st_size,
                                mtime_ns=outside.stat().st_mtime_ns)
    states = _by_name(apply_plan(sessions, [stale], OPTIONS))
    assert states["link.flac"][0] == "skipped" and "outside" in states["link.flac"][1]
    assert outside.read_bytes() == outside_bytes
