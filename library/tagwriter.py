"""Apply a tag plan: atomic, verified writes, each logged in the database before it lands.

Per file: copy it to `.<name>.genrelens-tmp` in the same folder, write the genres into the
copy, fsync, re-open the copy and check its genres and its audio payload hash, log the change
(old and new values) and COMMIT durably, then os.replace the original, then mark the change
applied (the folders are fsynced once, at the end). A SIGKILL at any moment leaves the
original or the new file, never a mix, and a log that says which two states are possible;
`undo` restores either.
The temp name has no audio extension, so a scan never picks up a leftover one.
`apply_steps` yields each file's outcome as soon as that file is done (progress, cancel between
files); `apply_plan` runs it to the end.
"""

from __future__ import annotations

import errno
import os
import shutil
import stat
import threading
from collections.abc import Callable, Generator, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from typing import TypeVar

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from library.models import TagBatch, TagChange, Track
from library.predictions import carry_predictions
from library.records import BatchResult, FileOutcome, PlanRow
from library.scanner import head_hash
from library.tagplan import TagOptions
from library.tags import (
    TagError, WriteOptions, audio_payload_hash, genre_state, read_file, split_markers,
    write_genres,
)

TEMP_SUFFIX = ".genrelens-tmp"
Progress = Callable[[int, int], None]
Check = Callable[[str], None]
Result = TypeVar("Result", bound=BatchResult)
Steps = Generator[FileOutcome, None, Result]  # per-file outcomes, then the batch's result

_ERRNO_WORDS = {
    errno.ENOSPC: "disk full", errno.EDQUOT: "disk quota exceeded",
    errno.EROFS: "read-only file system", errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted", errno.ENOENT: "file no longer exists",
    errno.ETXTBSY: "file is busy", errno.EBUSY: "file is busy",
}


class Skip(Exception):
    """A file left alone on purpose; the message says why."""


class Refused(Exception):
    """A file that cannot be written as it is (read-only, hard links): a per-file error."""


def temp_path(path: str) -> str:
    """Where the working copy of `path` lives: hidden, same folder, obviously GenreLens'."""
    folder, name = os.path.split(path)
    return os.path.join(folder, f".{name}{TEMP_SUFFIX}")


def describe_os_error(exc: OSError) -> str:
    """A short, readable reason for an OSError."""
    return _ERRNO_WORDS.get(exc.errno or 0, exc.strerror or str(exc))


def write_options(options: TagOptions) -> WriteOptions:
    """The layout part of the options, for the tag families."""
    return WriteOptions(id3v23=options.id3v23, separator=options.separator)


def _fsync_path(path: str, flags: int = os.O_RDONLY) -> None:
    fd = os.open(path, flags)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _same(before: os.stat_result, now: os.stat_result) -> bool:
    return (before.st_size, before.st_mtime_ns, before.st_ino) == (
        now.st_size, now.st_mtime_ns, now.st_ino)


def check_writable(path: str) -> os.stat_result:
    """The file's stat; Skip when it is gone, Refused when a write would lose something."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise Skip("file no longer exists") from None
    if not stat.S_ISREG(info.st_mode):
        raise Refused("not a regular file")
    if not info.st_mode & stat.S_IWUSR:
        raise Refused("file is read-only")
    if info.st_nlink > 1:
        raise Refused(f"file has {info.st_nlink} hard links; a new copy would split them")
    _check_unlocked(path)
    return info


def _check_unlocked(path: str) -> None:
    """Refused when another program holds a lock on the file (Unix locks are advisory)."""
    try:
        import fcntl
    except ImportError:  # Windows: a locked file fails to open instead, as an OSError
        return
    with open(path, "rb") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            raise Refused("file is locked by another program") from None


def prepare_copy(path: str, fmt: str, genres: list[str] | None, options: WriteOptions,
                 check: Check, before: os.stat_result) -> str:
    """A verified, synced copy of `path` with the genres written; returns its path."""
    temp = temp_path(path)
    payload = audio_payload_hash(path, fmt)
    shutil.copyfile(path, temp)
    write_genres(temp, fmt, genres, options)
    _fsync_path(temp, os.O_RDWR)
    check(temp)
    if audio_payload_hash(temp, fmt) != payload:
        raise TagError("the audio payload changed while writing tags; file left untouched")
    os.chmod(temp, stat.S_IMODE(before.st_mode))
    if hasattr(os, "chown"):
        try:
            os.chown(temp, before.st_uid, before.st_gid)
        except PermissionError:
            pass  # only root may give a file away; the copy stays ours
    return temp


def commit_copy(temp: str, path: str, before: os.stat_result) -> os.stat_result:
    """Replace `path` by `temp` atomically unless the original changed meanwhile."""
    try:
        now = os.stat(path)
    except FileNotFoundError:
        raise Skip("file vanished while writing") from None
    if not _same(before, now):
        raise Skip("file changed on disk while writing; left untouched")
    os.replace(temp, path)
    return os.stat(path)  # the folder is synced once per batch (sync_folders)


def sync_folders(outcomes: Sequence[FileOutcome]) -> None:
    """fsync the folders of the files replaced, so the renames outlive a power cut.

    Once per folder, not per file: until then a power cut can only undo a rename, leaving
    the old file, which the log (committed before the rename) already allows for.
    """
    for folder in {os.path.dirname(os.path.realpath(o.path)) for o in outcomes
                   if o.state in ("applied", "undone")}:
        try:
            _fsync_path(folder)
        except OSError:
            pass  # some file systems refuse to sync a folder; the rename happened anyway


def remove_temp(path: str) -> None:
    """Drop a leftover working copy (ours by its name)."""
    try:
        os.unlink(temp_path(path))
    except FileNotFoundError:
        pass


def clean_stale_temps(paths: Sequence[str]) -> None:
    """Remove working copies a killed run left in the folders of `paths`."""
    for folder in {os.path.dirname(os.path.realpath(p)) for p in paths}:
        try:
            names = [n for n in os.listdir(folder) if n.startswith(".") and n.endswith(TEMP_SUFFIX)]
            for name in names:
                os.unlink(os.path.join(folder, name))
        except OSError:
            pass  # an unlistable folder: its files will report their own errors


def refresh_track(session: Session, track_id: int | None, path: str, info: os.stat_result,
                  before: os.stat_result | None = None) -> tuple[str, ...]:
    """Update the track to the file as written, so a rescan sees it unchanged; predictions
    made for the file as it was `before` stay current (the audio payload was verified)."""
    try:
        genres = read_file(path).genres
    except TagError:
        return ()  # verified a moment ago; a rescan will tell
    if track_id is not None:
        session.execute(update(Track).where(Track.id == track_id).values(
            genres=list(genres), size=info.st_size, mtime_ns=info.st_mtime_ns,
            head_hash=head_hash(path)))
        if before is not None:
            carry_predictions(session, track_id, (before.st_size, before.st_mtime_ns),
                              (info.st_size, info.st_mtime_ns))
    return genres


def _expect_genres(genres: tuple[str, ...]) -> Check:
    def check(temp: str) -> None:
        found = read_file(temp).genres
        if found != genres:
            raise TagError(f"genres read back as {list(found)}, not {list(genres)}: "
                           "a genre contains a separator this tag format splits on")
    return check


def _apply_one(session: Session, batch_id: int, row: PlanRow, options: WriteOptions
               ) -> FileOutcome:
    """Write one file; every failure becomes the outcome's reason."""
    path, new = os.path.realpath(row.path), tuple(row.new_genres or ())
    change = TagChange(batch_id=batch_id, track_id=row.track_id, path=row.path,
                       old_genres=list(row.old_genres) or None, new_genres=list(new))
    try:
        remove_temp(path)
        before = check_writable(path)
        if (before.st_size, before.st_mtime_ns) != (row.size, row.mtime_ns):
            raise Skip("file changed on disk since it was scanned (someone else edited it)")
        fmt = row.format or ""
        change.old_genres = genre_state(path, fmt)
        temp = prepare_copy(path, fmt, list(new), options, _expect_genres(new), before)
        session.add(change)
        session.commit()  # the undo log knows before the file changes
        after = commit_copy(temp, path, before)
        change.state, change.new_size = "applied", after.st_size
        change.new_mtime_ns = after.st_mtime_ns
        refresh_track(session, row.track_id, path, after, before)
    except Skip as exc:
        change.state, change.reason = "skipped", str(exc)
    except (Refused, TagError) as exc:
        change.state, change.reason = "error", str(exc)
    except OSError as exc:
        change.state, change.reason = "error", describe_os_error(exc)
    finally:
        remove_temp(path)
    session.add(change)  # committed with the next file's log entry: "pending" is safe to undo
    return FileOutcome(row.path, change.state, change.reason, shown_genres(change.old_genres),
                       new, row.track_id)


def shown_genres(values: list[str] | None) -> tuple[str, ...] | None:
    """A recorded genre state as genres only (markers such as the ID3v1 byte left out)."""
    return None if values is None else tuple(split_markers(values)[0])


@contextmanager
def durable_commits(session: Session) -> Iterator[None]:
    """Make each commit reach the disk (the log must outlive a power cut, not just a crash)."""
    session.connection().exec_driver_sql("PRAGMA synchronous=FULL")
    try:
        yield
    finally:
        session.commit()
        session.connection().exec_driver_sql("PRAGMA synchronous=NORMAL")
        session.commit()


def options_record(options: TagOptions) -> dict[str, object]:
    """The options as JSON-ready values, for the batch log."""
    values = asdict(options)
    values["allowed"] = list(options.allowed) if options.allowed is not None else None
    return values


def apply_steps(sessions: sessionmaker[Session], rows: Sequence[PlanRow], options: TagOptions,
                progress: Progress | None = None, cancel: threading.Event | None = None
                ) -> Steps[BatchResult]:
    """Write the plan's "write" rows as one undoable batch, yielding each file's outcome as
    soon as the file is done; returns the BatchResult. Closing it early is a cancel."""
    todo = [row for row in rows if row.action == "write"]
    if not todo:
        return BatchResult(None, ())  # no empty batches in the history
    outcomes: list[FileOutcome] = []
    clean_stale_temps([row.path for row in todo])
    with sessions() as session, durable_commits(session):
        batch = TagBatch(options=options_record(options), state="running")
        session.add(batch)
        session.commit()
        try:
            for row in todo:
                if cancel is not None and cancel.is_set():
                    break
                outcomes.append(_apply_one(session, batch.id, row, write_options(options)))
                if progress is not None:
                    progress(len(outcomes), len(todo))
                yield outcomes[-1]  # between files: the only place a consumer may stop us
        except GeneratorExit:
            pass  # closed by the consumer: end the batch like a cancel, below
        sync_folders(outcomes)
        batch.state = "done"
        session.commit()
        return BatchResult(batch.id, tuple(outcomes), cancelled=len(outcomes) < len(todo))


def run_steps(steps: Steps[Result]) -> Result:
    """Run a batch's steps to the end and return its result."""
    while True:
        try:
            next(steps)
        except StopIteration as end:
            return end.value  # type: ignore[no-any-return]


def apply_plan(sessions: sessionmaker[Session], rows: Sequence[PlanRow], options: TagOptions,
               progress: Progress | None = None, cancel: threading.Event | None = None
               ) -> BatchResult:
    """Write the plan's "write" rows as one undoable batch; returns per-file outcomes."""
    return run_steps(apply_steps(sessions, rows, options, progress, cancel))
