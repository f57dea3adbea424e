"""The undo log: list tag-writing batches and undo one, file by file.

A change is undone only while the file still holds what the batch wrote (or already holds
the old state again, e.g. after a crash before the file was replaced); a file whose genres
were changed since is refused with a reason. Undo writes through the same atomic, verified
path as apply, restoring the genre field exactly as it was, including "no genre tag at all".
"""

from __future__ import annotations

import os
import threading

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session, sessionmaker

from library.models import TagBatch, TagChange
from library.records import BatchSummary, FileOutcome, UndoResult
from library.tags import TagError, WriteOptions, genre_state, read_file, sniff
from library.tagwriter import (
    Check, Progress, Refused, Skip, Steps, check_writable, clean_stale_temps, commit_copy,
    describe_os_error, prepare_copy, refresh_track, remove_temp, run_steps, shown_genres,
    sync_folders,
)

# pending: logged, then perhaps interrupted; undo-refused: tried again (the user may have
# made the file writable, or put the batch's genres back).
UNDOABLE = ("applied", "pending", "undo-refused")


class UndoError(Exception):
    """No batch to undo, or the named one cannot be undone; the message says why."""


def list_batches(session: Session) -> list[BatchSummary]:
    """Every batch, newest first, with its files counted by state."""
    counts: dict[int, dict[str, int]] = {}
    for batch_id, state, number in session.execute(
            select(TagChange.batch_id, TagChange.state, func.count())
            .group_by(TagChange.batch_id, TagChange.state)):
        counts.setdefault(batch_id, {})[state] = int(number)
    batches = session.scalars(select(TagBatch).order_by(TagBatch.id.desc()))
    return [BatchSummary(b.id, b.created_at, b.state, dict(b.options), counts.get(b.id, {}))
            for b in batches]


def _batch(session: Session, batch_id: int | None) -> TagBatch:
    if batch_id is None:
        batch = session.scalars(select(TagBatch).where(TagBatch.state != "undone")
                                .order_by(TagBatch.id.desc()).limit(1)).first()
        if batch is None:
            raise UndoError("no batch to undo")
        return batch
    batch = session.get(TagBatch, batch_id)
    if batch is None:
        raise UndoError(f"no batch {batch_id}")
    if batch.state == "undone":
        raise UndoError(f"batch {batch_id} is undone already")
    return batch


def _expect_state(old: list[str] | None, fmt: str) -> Check:
    def check(temp: str) -> None:
        found = genre_state(temp, fmt)
        if found != old:
            raise TagError(f"restored genres read back as {found}, not {old}")
    return check


def _undo_one(session: Session, change: TagChange) -> None:
    """Restore one file's old genres, or record why not."""
    path = os.path.realpath(change.path)
    try:
        remove_temp(path)
        before = check_writable(path)
        fmt = sniff(path)
        if fmt is None:
            raise TagError("no longer a recognised audio file")
        current = genre_state(path, fmt)
        if current == change.old_genres:
            change.state, change.reason = "undone", "already held its old genres"
            return
        if read_file(path).genres != tuple(change.new_genres):
            raise Skip(f"genres changed after the batch (now {current or 'none'})")
        temp = prepare_copy(path, fmt, change.old_genres, WriteOptions(exact=True),
                            _expect_state(change.old_genres, fmt), before)
        after = commit_copy(temp, path, before)
        change.state, change.reason = "undone", None
        refresh_track(session, change.track_id, path, after, before)
    except Skip as exc:
        change.state, change.reason = "undo-refused", str(exc)
    except (Refused, TagError) as exc:
        change.state, change.reason = "undo-refused", str(exc)
    except OSError as exc:
        change.state, change.reason = "undo-refused", describe_os_error(exc)
    finally:
        remove_temp(path)


def _outcome(change: TagChange) -> FileOutcome:
    return FileOutcome(change.path, change.state, change.reason,
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
               progress: Progress | None = None, cancel: threading.Event | None = None
               ) -> Steps[UndoResult]:
    """Restore every file of a batch (default: the latest not undone), yielding each file's
    outcome as soon as it is done; returns the UndoResult. Raises UndoError on first next()."""
    with sessions() as session:
        batch = _batch(session, batch_id)
        changes = list(session.scalars(
            select(TagChange).where(*_undoable(batch)).order_by(TagChange.id.desc())))
        clean_stale_temps([change.path for change in changes])
        outcomes: list[FileOutcome] = []
        try:
            for change in changes:
                if cancel is not None and cancel.is_set():
                    break
                _undo_one(session, change)
                if len(outcomes) % 50 == 49:
                    session.commit()  # a rerun finds files already restored: no need for more
                outcomes.append(_outcome(change))
                if progress is not None:
                    progress(len(outcomes), len(changes))
                yield outcomes[-1]
        except GeneratorExit:
            pass  # closed by the consumer: record what was done, like a cancel
        sync_folders(outcomes)
        cancelled = len(outcomes) < len(changes)
        if not cancelled and all(c.state == "undone" for c in changes):
            batch.state = "undone"
        session.commit()
        return UndoResult(batch.id, tuple(outcomes), cancelled)


def undo_batch(sessions: sessionmaker[Session], batch_id: int | None = None,
               progress: Progress | None = None, cancel: threading.Event | None = None
               ) -> UndoResult:
    """Restore every file of a batch (default: the latest not undone); raises UndoError."""
    return run_steps(undo_steps(sessions, batch_id, progress, cancel))
