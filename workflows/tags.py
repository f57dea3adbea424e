"""Tag workflows: plan (the dry run), apply a plan as one undoable batch, undo a batch, the
history. The CLI drains them (`apply_plan`, `undo_batch` below), the GUI runs them as jobs;
both see each file's outcome as it is done."""

from __future__ import annotations

import threading
from collections.abc import Callable, Generator, Sequence
from typing import TypeVar

from sqlalchemy.orm import Session, sessionmaker

from library.folders import normalise
from library.records import (
    BatchResult,
    BatchSummary,
    FileOutcome,
    PlanAction,
    PlanRow,
    UndoResult,
)
from library.tag_history import UndoError, count_undoable, hint, list_batches, undo_steps
from library.tagplan import (
    DEFAULT_MIN_CONFIDENCE,
    DEFAULT_POLICY,
    POLICIES,
    TagOptions,
    TagSelection,
    plan_tags,
)
from library.tagwriter import apply_steps
from library.write_lock import WriteLocked
from workflows.events import BatchDone, Event, Events, FileDone, HistoryReady, Planned, Total

# What a front end needs to ask for a plan and to catch what a write refuses with.
__all__ = ["DEFAULT_MIN_CONFIDENCE", "DEFAULT_POLICY", "POLICIES", "TagOptions",
           "TagSelection", "UndoError", "WriteLocked", "apply", "apply_plan", "batches",
           "hint", "history", "plan", "plan_for", "plan_rows", "selection", "undo",
           "undo_batch"]

Progress = Callable[[int, int], None]  # (files done, files to do)
Result = TypeVar("Result", bound=BatchResult)


def plan(sessions: sessionmaker[Session], options: TagOptions, selection: TagSelection,
         cancel: threading.Event | None = None) -> Events:
    """The tag writer's dry run (touches no file): one Planned per selected track."""
    with sessions() as session:
        for row in plan_tags(session, options, selection):
            yield Planned(row)
            if cancel is not None and cancel.is_set():
                return


def plan_rows(sessions: sessionmaker[Session], options: TagOptions, selection: TagSelection
              ) -> list[PlanRow]:
    """The whole dry run as a list (the CLI's form of `plan`)."""
    return [event.row for event in plan(sessions, options, selection)
            if isinstance(event, Planned)]


def selection(paths: Sequence[str] = (), genre: str | None = None) -> TagSelection:
    """The tracks under these files or folders (as the library spells them), or with
    this genre; every track when neither is given."""
    return TagSelection(paths=tuple(normalise(p) for p in paths), genre=genre)


def plan_for(sessions: sessionmaker[Session], options: TagOptions,
             track_ids: Sequence[int] | None, cancel: threading.Event) -> Events:
    """The dry run for these tracks (None: every track of the library; none given, as for
    an empty view: no row, an empty selection never widens to the whole library)."""
    if track_ids is not None and not track_ids:
        return
    yield from plan(sessions, options, TagSelection(track_ids=tuple(track_ids or ())), cancel)


def _files(steps: Generator[FileOutcome, None, Result]) -> Generator[Event, None, Result]:
    """Each file's outcome as an event; the batch's result as the return value. Closing it
    closes the batch (which ends like a cancel)."""
    try:
        while True:
            try:
                outcome = next(steps)
            except StopIteration as end:
                return end.value
            yield FileDone(outcome)
    finally:
        steps.close()


def apply(sessions: sessionmaker[Session], rows: Sequence[PlanRow], options: TagOptions,
          cancel: threading.Event | None = None) -> Events:
    """Write the plan's "write" rows as one undoable batch: the count, each file's outcome
    as soon as it is written, then the batch. Raises WriteLocked while another writer is."""
    yield Total(sum(r.action == PlanAction.WRITE for r in rows))
    yield BatchDone((yield from _files(apply_steps(sessions, rows, options, cancel=cancel))))


def undo(sessions: sessionmaker[Session], batch_id: int | None = None,
         cancel: threading.Event | None = None, keep_mtime: bool = False) -> Events:
    """Restore the genres a batch (None: the latest not undone) replaced, file by file like
    apply. Raises UndoError when there is no such batch."""
    with sessions() as session:
        try:
            total = count_undoable(session, batch_id)
        except UndoError:  # undo_steps says why, after the lock: a busy library says "busy"
            total = 0
    yield Total(total)
    steps = undo_steps(sessions, batch_id, cancel=cancel, keep_mtime=keep_mtime)
    yield BatchDone((yield from _files(steps)))


def batches(sessions: sessionmaker[Session]) -> list[BatchSummary]:
    """Every tag-writing batch, newest first, with its files counted by state."""
    with sessions() as session:
        return list_batches(session)


def history(sessions: sessionmaker[Session]) -> Events:
    """The batches, as one event (the history dialog's read)."""
    yield HistoryReady(tuple(batches(sessions)))


def _drain(events: Events, progress: Progress | None) -> BatchResult:
    """Run a write or undo to its end; `progress` hears each file done."""
    total, done, result = 0, 0, BatchResult(None, ())
    for event in events:
        if isinstance(event, Total):
            total = event.count
        elif isinstance(event, FileDone):
            done += 1
            if progress is not None:
                progress(done, total)
        elif isinstance(event, BatchDone):
            result = event.result
    return result


def apply_plan(sessions: sessionmaker[Session], rows: Sequence[PlanRow], options: TagOptions,
               progress: Progress | None = None, cancel: threading.Event | None = None
               ) -> BatchResult:
    """Write the plan's "write" rows as one undoable batch; returns per-file outcomes."""
    return _drain(apply(sessions, rows, options, cancel), progress)


def undo_batch(sessions: sessionmaker[Session], batch_id: int | None = None,
               progress: Progress | None = None, cancel: threading.Event | None = None,
               keep_mtime: bool = False) -> UndoResult:
    """Restore every file of a batch (default: the latest not undone); raises UndoError."""
    result = _drain(undo(sessions, batch_id, cancel, keep_mtime), progress)
    assert isinstance(result, UndoResult)  # undo's batch is always one
    return result
