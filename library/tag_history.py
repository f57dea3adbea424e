"""The undo log: list tag-writing batches and undo one, file by file.

A file that still holds exactly the bytes the batch wrote gets the original's bytes back
(undo_bytes), verified by hash, with its xattrs: byte for byte what it was. Undoing is a
modification like writing, so the file gets a new mtime (backups and media servers see it
change back), unless the batch was written keeping times or the undo is asked to keep them:
then the original mtime comes back too. A file edited since (other tags changed, but the
batch's genres still there) gets its genre field restored exactly as it was, including "no
genre tag at all"; a file whose genres were changed since is refused with a reason. Both go
through the same atomic, verified path as apply, under the library's write lock, and like
apply never write a file whose real path lies outside the watched folders; every per-file
failure is that file's recorded outcome and the undo goes on.
"""

from __future__ import annotations

import logging
import os
import threading

from sqlalchemy import ColumnElement, delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from library.convert import local
from library.models import TagBatch, TagChange, TagOriginal, Track
from library.records import (
    UNDOABLE,
    BatchState,
    BatchSummary,
    FileOutcome,
    FileState,
    UndoResult,
)
from library.safe_write import (
    Skip,
    clean_stale_temps,
    commit_copy,
    copy_to_temp,
    discard,
    fsync_path,
    keep_metadata,
)
from library.tags import (
    TagError,
    WriteOptions,
    audio_payload_hash,
    genre_state,
    read_file,
    sniff,
)
from library.tagwriter import (
    FILE_ERRORS,
    Check,
    Steps,
    check_writable,
    file_reason,
    mark_interrupted,
    prepare_copy,
    refresh_track,
    shown_genres,
    sync_folders,
)
from library.undo_bytes import Regions, file_sha1, rebuild
from library.write_lock import LockLost, library_is_locked, library_write_lock
from library.write_scope import library_roots, outside_reason

log = logging.getLogger(__name__)

HINTS = {  # what to do about a batch in this state; {id}, {restored}, {total} are filled in
    BatchState.INTERRUPTED: "stopped part-way (the program was closed or killed); each file "
                            "is either as before or fully written. `genrelens undo {id}` "
                            "restores them, or write the tags again to finish",
    BatchState.RUNNING: "being written by another GenreLens right now; wait for it to finish",
    BatchState.UNDO_INTERRUPTED: "undo interrupted: {restored} of {total} files restored — run "
                      "`genrelens undo {id}` again to finish",
    BatchState.UNDOING: "being undone by another GenreLens right now; wait for it to finish",
}


def hint(batch: BatchSummary) -> str | None:
    """What to do about `batch` in words, or None when nothing needs doing."""
    if batch.state not in HINTS:
        return None
    total = sum(batch.counts.get(state, 0) for state in (*UNDOABLE, FileState.UNDONE))
    return HINTS[batch.state].format(id=batch.id, restored=batch.counts.get(FileState.UNDONE, 0),
                                     total=total)


class UndoError(Exception):
    """No batch to undo, or the named one cannot be undone; the message says why."""


def list_batches(session: Session) -> list[BatchSummary]:
    """Every batch, newest first, with its files counted by state.

    A batch still marked "running" while no writer holds the library's lock was cut short:
    it is shown as "interrupted" (and recorded so by the next writer); one still "undoing"
    as "undo-interrupted" (until an undo finishes it)."""
    counts: dict[int, dict[str, int]] = {}  # keyed by FileState
    for batch_id, state, number in session.execute(
            select(TagChange.batch_id, TagChange.state, func.count())
            .group_by(TagChange.batch_id, TagChange.state)):
        counts.setdefault(batch_id, {})[FileState(state)] = int(number)
    writing = library_is_locked(session)
    cut_short: dict[str, BatchState] = {} if writing else {
        BatchState.RUNNING: BatchState.INTERRUPTED, BatchState.UNDOING: BatchState.UNDO_INTERRUPTED}
    batches = session.scalars(select(TagBatch).order_by(TagBatch.id.desc()))
    return [BatchSummary(b.id, b.created_at, cut_short.get(b.state, BatchState(b.state)),
                         dict(b.options), counts.get(b.id, {}))
            for b in batches]


def _batch(session: Session, batch_id: int | None) -> TagBatch:
    if batch_id is None:
        batch = session.scalars(select(TagBatch).where(TagBatch.state != BatchState.UNDONE)
                                .order_by(TagBatch.id.desc()).limit(1)).first()
        if batch is None:
            raise UndoError("no batch to undo")
        return batch
    batch = session.get(TagBatch, batch_id)
    if batch is None:
        raise UndoError(f"no batch {batch_id}")
    if batch.state == BatchState.UNDONE:
        raise UndoError(f"batch {batch_id} is undone already")
    return batch


def _expect_state(old: list[str] | None, fmt: str) -> Check:
    def check(temp: str) -> None:
        found = genre_state(temp, fmt)
        if found != old:
            raise TagError(f"restored genres read back as {found}, not {old}")
    return check


def _kept_bytes(session: Session, change: TagChange) -> Regions | None:
    row = session.get(TagOriginal, change.id)
    if row is None:
        return None
    return Regions(row.prefix, row.suffix, row.middle, row.original_size, row.original_sha1,
                   row.written_sha1)


def _restore_bytes(path: str, fmt: str, kept: Regions, mtime_ns: int | None,
                   before: os.stat_result) -> str:
    """A verified working copy holding the original's exact bytes; returns its path."""
    temp = copy_to_temp(path, rebuild(path, kept))
    try:
        if file_sha1(temp) != kept.original_sha1:
            raise TagError("the rebuilt file does not match the original; file left untouched")
        if audio_payload_hash(temp, fmt) != audio_payload_hash(path, fmt):
            raise TagError("the audio payload changed while restoring; file left untouched")
        keep_metadata(path, temp, before, mtime_ns)
        fsync_path(temp, os.O_RDWR)
    except BaseException:
        discard(temp)
        raise
    return temp


def _restored_copy(session: Session, change: TagChange, path: str, before: os.stat_result,
                   keep_mtime: bool) -> str | None:
    """The working copy that undoes `change` (None: the file holds its old state already);
    with `keep_mtime` it gets the original's mtime (or, edited since, its current one)."""
    fmt = sniff(path)
    if fmt is None:
        raise TagError("no longer a recognised audio file")
    kept = _kept_bytes(session, change)
    if kept is not None:
        current = file_sha1(path)
        if current == kept.original_sha1:
            return None
        if current == kept.written_sha1:
            original = session.get(TagOriginal, change.id)
            mtime = original.mtime_ns if keep_mtime else None  # type: ignore[union-attr]
            return _restore_bytes(path, fmt, kept, mtime, before)
    # Edited since the batch (or logged by an older version): restore the genre field only.
    current_genres = genre_state(path, fmt)
    if current_genres == change.old_genres:
        return None
    if read_file(path).genres != tuple(change.new_genres):
        raise Skip(f"genres changed after the batch (now {current_genres or 'none'})")
    return prepare_copy(path, fmt, change.old_genres, WriteOptions(exact=True),
                        _expect_state(change.old_genres, fmt), before,
                        before.st_mtime_ns if keep_mtime else None)


def _undo_one(session: Session, change: TagChange, keep_mtime: bool,
              roots: tuple[str, ...]) -> None:
    """Restore one file as it was, or record why not."""
    path = os.path.realpath(local(change))
    temp: str | None = None
    try:
        # apply's rule, checked now: a link swapped in since the batch must not lead out
        if (reason := outside_reason(local(change), roots)) is not None:
            raise Skip(reason)
        before = check_writable(path)
        temp = _restored_copy(session, change, path, before, keep_mtime)
        if temp is None:
            change.state, change.reason = FileState.UNDONE, "already held its old genres"
            _resync_track(session, change, path, before)
        else:
            after = commit_copy(temp, path, before)
            change.state, change.reason = FileState.UNDONE, None
            refresh_track(session, change.track_id, path, after,
                          (before.st_size, before.st_mtime_ns))
        session.execute(delete(TagOriginal).where(TagOriginal.change_id == change.id))
    except FILE_ERRORS as exc:
        change.state, change.reason = FileState.UNDO_REFUSED, file_reason(exc)
    finally:
        discard(temp)


def _resync_track(session: Session, change: TagChange, path: str, now: os.stat_result
                  ) -> None:
    """The track row as the file now is, when an undo restored the file but died before it
    recorded that: the row still describes the file as written (genres, size, mtime) and
    the next plan would skip the file ("already has genres", "changed on disk")."""
    track = session.get(Track, change.track_id) if change.track_id is not None else None
    if track is None or (track.size, track.mtime_ns) != (change.new_size, change.new_mtime_ns):
        return  # not our stale row: a scan recorded the file since, or a user edited it
    kept = _kept_bytes(session, change)
    same_audio = kept is not None and file_sha1(path) == kept.original_sha1  # byte for byte
    refresh_track(session, change.track_id, path, now,
                  (track.size, track.mtime_ns) if same_audio else None)


def _outcome(change: TagChange) -> FileOutcome:
    return FileOutcome(local(change), FileState(change.state), change.reason,
                       shown_genres(change.old_genres), tuple(change.new_genres),
                       change.track_id)


def _undoable(batch: TagBatch) -> tuple[ColumnElement[bool], ...]:
    """The conditions of a change that undoing `batch` looks at."""
    return TagChange.batch_id == batch.id, TagChange.state.in_(UNDOABLE)


def count_undoable(session: Session, batch_id: int | None = None) -> int:
    """How many files undoing the batch (default: the latest not undone) will look at."""
    return int(session.scalar(select(func.count()).select_from(TagChange)
                              .where(*_undoable(_batch(session, batch_id)))) or 0)


def undo_steps(sessions: sessionmaker[Session], batch_id: int | None = None,
               cancel: threading.Event | None = None, keep_mtime: bool = False
               ) -> Steps[UndoResult]:
    """Restore every file of a batch (default: the latest not undone), yielding each file's
    outcome as soon as it is done; returns the UndoResult. Raises UndoError on first next().
    Files get a new mtime unless `keep_mtime` or the batch itself was written keeping times
    (the user who hid the write from backups expects the undo hidden too)."""
    with library_write_lock(sessions, "undoing tags") as check_lock, sessions() as session:
        mark_interrupted(session)
        batch = _batch(session, batch_id)
        keep_mtime = keep_mtime or bool(dict(batch.options).get("keep_mtime"))
        roots = library_roots(session)
        changes = list(session.scalars(
            select(TagChange).where(*_undoable(batch)).order_by(TagChange.id.desc())))
        clean_stale_temps([local(change) for change in changes])
        # What history shows if we never finish:
        prior, batch.state = batch.state, BatchState.UNDOING
        session.commit()
        outcomes: list[FileOutcome] = []
        lost: LockLost | None = None
        try:
            for change in changes:
                if cancel is not None and cancel.is_set():
                    break
                check_lock()  # before each file: another writer may have been let in
                _undo_one(session, change, keep_mtime, roots)
                session.commit()  # history counts what is restored, even if we are killed
                outcomes.append(_outcome(change))
                yield outcomes[-1]
        except GeneratorExit:
            pass  # closed by the consumer: record what was done, like a cancel
        except LockLost as exc:
            lost = exc
        sync_folders(outcomes)
        cancelled = len(outcomes) < len(changes)
        batch.state = _state_after_undo(prior, changes, cancelled)
        session.commit()
        result = UndoResult(batch.id, tuple(outcomes), cancelled)
        log.info("undo: batch %d, %d of %d files restored, %d refused%s", batch.id,
                 result.count(FileState.UNDONE), len(changes),
                 result.count(FileState.UNDO_REFUSED),
                 ", lock lost" if lost is not None else ", cancelled" if cancelled else "")
        if lost is not None:
            raise LockLost(f"lost the library's write lock: {lost}; {len(outcomes)} of "
                           f"{len(changes)} files looked at, the undo of batch {batch.id} is "
                           "interrupted; undo it again to finish") from lost
        return result


def _state_after_undo(prior: str, changes: list[TagChange], cancelled: bool) -> BatchState:
    """The batch's state once an undo run ends: undone when every file is; still "undoing"
    (an interrupted undo) when it was stopped with files restored; else as it was."""
    if not cancelled and all(c.state == FileState.UNDONE for c in changes):
        return BatchState.UNDONE
    if cancelled and (prior == BatchState.UNDOING
                      or any(c.state == FileState.UNDONE for c in changes)):
        return BatchState.UNDOING
    # Every file looked at; some refused.
    return BatchState.DONE if prior == BatchState.UNDOING else BatchState(prior)

