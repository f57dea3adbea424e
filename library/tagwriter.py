"""Apply a tag plan: atomic, verified writes, each logged in the database before it lands.

Per file: copy it to a private working copy in the same folder (safe_write), write the
genres into the copy, re-open it and check its genres and its audio payload hash, give it the
original's mode, owner and xattrs (and its mtime only when asked: a write is a
modification, and backups and media servers that compare times must see it), log the
change (old and new values, and the bytes the write replaced, for a byte-exact undo) and
COMMIT durably, then os.replace the original, then mark the change applied (the folders
are fsynced once, at the end). A SIGKILL at any moment leaves the original or the new
file, never a mix, and a log that says which two states are possible; `undo` restores either.
Every per-file failure, whatever its kind, is that file's recorded outcome and the batch goes
on; one writer per library at a time (write_lock); a file whose real path lies outside every
watched folder (a symlink pointing elsewhere) is never written.
`apply_steps` yields each file's outcome as soon as that file is done (progress, cancel between
files); workflows/tags.py runs it for the CLI and the app.
"""

from __future__ import annotations

import logging
import os
import stat
import threading
from collections.abc import Callable, Generator, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from typing import TypeVar

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from library.dialect import is_sqlite
from library.models import TagBatch, TagChange, TagOriginal, Track
from library.predictions import carry_predictions
from library.records import (
    BatchResult,
    BatchState,
    FileOutcome,
    FileState,
    PlanAction,
    PlanRow,
)
from library.roots import stored_path
from library.safe_write import (
    TEMP_SUFFIX,
    Refused,
    Skip,
    clean_stale_temps,
    commit_copy,
    copy_to_temp,
    describe_os_error,
    discard,
    fsync_path,
    keep_metadata,
)
from library.safe_write import sync_folders as _sync_paths
from library.scanner import head_hash
from library.tagplan import TagOptions
from library.tags import (
    TagError,
    WriteOptions,
    audio_payload_hash,
    genre_state,
    read_file,
    split_markers,
    write_genres,
)
from library.undo_bytes import regions
from library.write_lock import LockCheck, LockLost, library_write_lock
from library.write_scope import library_roots, outside_reason

__all__ = ["TEMP_SUFFIX", "Refused", "Skip", "apply_steps", "describe_os_error"]

log = logging.getLogger(__name__)

Check = Callable[[str], None]
Result = TypeVar("Result", bound=BatchResult)
Steps = Generator[FileOutcome, None, Result]  # per-file outcomes, then the batch's result
FILE_ERRORS = (Skip, Refused, TagError, OSError)  # what a file may fail with; the batch goes on


def write_options(options: TagOptions) -> WriteOptions:
    """The layout part of the options, for the tag families."""
    return WriteOptions(id3v23=options.id3v23, separator=options.separator)


def file_reason(exc: BaseException) -> str:
    """A per-file failure in words."""
    if isinstance(exc, OSError):
        return describe_os_error(exc)
    return str(exc) or type(exc).__name__


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
                 check: Check, before: os.stat_result, mtime_ns: int | None) -> str:
    """A verified, synced copy of `path` with the genres written; returns its path."""
    payload = audio_payload_hash(path, fmt)
    temp = copy_to_temp(path)
    try:
        write_genres(temp, fmt, genres, options)
        check(temp)
        if audio_payload_hash(temp, fmt) != payload:
            raise TagError("the audio payload changed while writing tags; file left untouched")
        keep_metadata(path, temp, before, mtime_ns)
        fsync_path(temp, os.O_RDWR)
    except BaseException:
        discard(temp)
        raise
    return temp


def sync_folders(outcomes: Sequence[FileOutcome]) -> None:
    """fsync the folders of the files replaced, so the renames outlive a power cut.

    Once per folder, not per file: until then a power cut can only undo a rename, leaving
    the old file, which the log (committed before the rename) already allows for.
    """
    _sync_paths([os.path.realpath(o.path) for o in outcomes
                 if o.state in (FileState.APPLIED, FileState.UNDONE)])


def refresh_track(session: Session, track_id: int | None, path: str, info: os.stat_result,
                  before: tuple[int, int] | None = None) -> tuple[str, ...]:
    """Update the track to the file as written, so a rescan sees it unchanged; predictions
    made for the file as it was `before` (size, mtime_ns) stay current (the audio payload
    was verified)."""
    try:
        genres = read_file(path).genres
    except TagError:
        return ()  # verified a moment ago; a rescan will tell
    if track_id is not None:
        session.execute(update(Track).where(Track.id == track_id).values(
            genres=list(genres), size=info.st_size, mtime_ns=info.st_mtime_ns,
            head_hash=head_hash(path)))
        if before is not None:
            carry_predictions(session, track_id, before, (info.st_size, info.st_mtime_ns))
    return genres


def _expect_genres(genres: tuple[str, ...]) -> Check:
    def check(temp: str) -> None:
        found = read_file(temp).genres
        if found != genres:
            raise TagError(f"genres read back as {list(found)}, not {list(genres)}: "
                           "a genre contains a separator this tag format splits on")
    return check


@dataclass(frozen=True)
class _Run:
    """What every file of one batch is written with."""

    batch_id: int
    options: WriteOptions
    keep_mtime: bool
    roots: tuple[str, ...]  # real paths of the watched folders: nothing outside is written
    check_lock: LockCheck  # raises LockLost once the library's write lock is not ours


def _logged_copy(session: Session, run: _Run, row: PlanRow, change: TagChange
                 ) -> tuple[str, os.stat_result]:
    """The verified working copy of one file, its change logged durably; (temp, stat)."""
    path, new = os.path.realpath(row.path), tuple(row.new_genres or ())
    if (reason := outside_reason(row.path, run.roots)) is not None:
        raise Skip(reason)
    before = check_writable(path)
    if (before.st_size, before.st_mtime_ns) != (row.size, row.mtime_ns):
        raise Skip("file changed on disk since it was scanned (someone else edited it)")
    fmt = row.format or ""
    change.old_genres = genre_state(path, fmt)
    temp = prepare_copy(path, fmt, list(new), run.options, _expect_genres(new), before,
                        before.st_mtime_ns if run.keep_mtime else None)
    try:
        kept = regions(path, temp)
        session.add(change)
        session.flush()
        if kept is not None:
            session.add(TagOriginal(change_id=change.id, mtime_ns=before.st_mtime_ns,
                                    **asdict(kept)))
        session.commit()  # the undo log knows before the file changes
    except BaseException:
        discard(temp)
        raise
    return temp, before


def _apply_one(session: Session, run: _Run, row: PlanRow) -> FileOutcome:
    """Write one file; every failure of the file becomes the outcome's reason."""
    new = tuple(row.new_genres or ())
    root_id, stored = stored_path(session, row.path)  # the undo log, for any machine
    change = TagChange(batch_id=run.batch_id, track_id=row.track_id, root_id=root_id,
                       path=stored, old_genres=list(row.old_genres) or None, new_genres=list(new))
    temp: str | None = None
    try:
        temp, before = _logged_copy(session, run, row, change)
        run.check_lock()  # the last moment before the file changes: still the only writer?
        after = commit_copy(temp, os.path.realpath(row.path), before)
        change.state, change.new_size = FileState.APPLIED, after.st_size
        change.new_mtime_ns = after.st_mtime_ns
        refresh_track(session, row.track_id, os.path.realpath(row.path), after,
                      (before.st_size, before.st_mtime_ns))
    except Skip as exc:
        change.state, change.reason = FileState.SKIPPED, str(exc)
    except FILE_ERRORS as exc:
        change.state, change.reason = FileState.ERROR, file_reason(exc)
    except LockLost:
        change.state = FileState.SKIPPED
        change.reason = "not written: lost the library's write lock"
        session.add(change)
        raise
    finally:
        discard(temp)  # gone already when the replace happened
    session.add(change)  # committed with the next file's log entry: "pending" is safe to undo
    return FileOutcome(row.path, FileState(change.state), change.reason,
                       shown_genres(change.old_genres), new, row.track_id)


def mark_interrupted(session: Session) -> None:
    """Batches left "running" by a writer that died; call only with the write lock held."""
    session.execute(update(TagBatch).where(TagBatch.state == BatchState.RUNNING)
                    .values(state=BatchState.INTERRUPTED))
    session.commit()


def shown_genres(values: list[str] | None) -> tuple[str, ...] | None:
    """A recorded genre state as genres only (markers such as the ID3v1 byte left out)."""
    return None if values is None else tuple(split_markers(values)[0])


@contextmanager
def durable_commits(session: Session) -> Iterator[None]:
    """Make each commit reach the disk (the log must outlive a power cut, not just a crash)."""
    if not is_sqlite(session):  # a database server syncs every commit already
        try:
            yield
        finally:
            session.commit()
        return
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
                cancel: threading.Event | None = None) -> Steps[BatchResult]:
    """Write the plan's "write" rows as one undoable batch, yielding each file's outcome as
    soon as the file is done; returns the BatchResult. Closing it early is a cancel.
    Raises WriteLocked on the first next() while another writer holds the library."""
    todo = [row for row in rows if row.action == PlanAction.WRITE]
    if not todo:
        return BatchResult(None, ())  # no empty batches in the history
    with library_write_lock(sessions, "writing tags") as check_lock:
        return (yield from _write_batch(sessions, todo, options, cancel, check_lock))


def _write_batch(sessions: sessionmaker[Session], todo: list[PlanRow], options: TagOptions,
                 cancel: threading.Event | None,
                 check_lock: LockCheck) -> Steps[BatchResult]:
    outcomes: list[FileOutcome] = []
    clean_stale_temps([row.path for row in todo])
    with sessions() as session, durable_commits(session):
        mark_interrupted(session)
        batch = TagBatch(options=options_record(options), state=BatchState.RUNNING)
        session.add(batch)
        session.commit()
        run = _Run(batch.id, write_options(options), options.keep_mtime, library_roots(session),
                   check_lock)
        lost: LockLost | None = None
        try:
            for row in todo:
                if cancel is not None and cancel.is_set():
                    break
                check_lock()  # before each file: another writer may have been let in
                outcomes.append(_apply_one(session, run, row))
                yield outcomes[-1]  # between files: the only place a consumer may stop us
        except GeneratorExit:
            pass  # closed by the consumer: end the batch like a cancel, below
        except LockLost as exc:
            lost = exc
        sync_folders(outcomes)
        batch.state = BatchState.DONE if lost is None else BatchState.INTERRUPTED
        session.commit()
        result = BatchResult(batch.id, tuple(outcomes), cancelled=len(outcomes) < len(todo))
        log.info("tag write: batch %d, %d of %d files written, %d skipped, %d failed%s",
                 batch.id, result.count(FileState.APPLIED), len(todo),
                 result.count(FileState.SKIPPED), result.count(FileState.ERROR),
                 ", lock lost" if lost is not None
                 else ", cancelled" if result.cancelled else "")
        if lost is not None:
            raise LockLost(f"lost the library's write lock: {lost}; "
                           f"{result.count(FileState.APPLIED)} files written, batch {batch.id} "
                           "is interrupted and can be undone"
                           ) from lost
        return result


def run_steps(steps: Steps[Result]) -> Result:
    """Run a batch's steps to the end and return its result."""
    while True:
        try:
            next(steps)
        except StopIteration as end:
            return end.value
