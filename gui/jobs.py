"""The app's jobs: plain generator functions that run in workers (gui/workers.py), never on the
GUI thread. They read and write the database with the worker's own sessions and yield records.

Scanning, classifying and tag writing come from other packages; each is reached through one
small adapter in gui/backend.py, so wiring them is a few lines there. Every kind of job the app
runs is declared here, once: its name, its progress label, and whether it writes the library.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from gui import backend, warmup
from gui.workers import Job, JobContext, JobEvent, JobKind, Total
from library import browse, folders
from library.records import BatchSummary, BrowseRow, FolderRecord, TrackDetails

log = logging.getLogger(__name__)
ROW_REFRESH_EVERY = 200  # ids collected before re-reading their table rows ...
ROW_REFRESH_SECONDS = 0.25  # ... or this long, so rows appear while a slow scan runs

# The kinds of job. A writer waits for the running writer (JobRunner's queue); a label shows
# the job's progress in the status bar.
LOAD = JobKind("load", "Loading library", needs_model=False)  # the table fills from SQLite
SCAN = JobKind("scan", "Scanning", writer=True)
CLASSIFY = JobKind("classify", "Classifying", writer=True)
SET_GENRE = JobKind("set-genre", writer=True)
REMOVE_FOLDER = JobKind("remove-folder", writer=True)
FORGET_MISSING = JobKind("forget-missing", writer=True, needs_model=False)
WRITE_TAGS = JobKind("write-tags", "Writing tags", writer=True)
UNDO = JobKind("undo", "Undoing", writer=True)
PLAN = JobKind("plan", "Planning")
DETAILS = JobKind("details")
HISTORY = JobKind("history")
LEARN = JobKind("learn")  # reads the library, writes a bundle file: no writer
RECHECK = JobKind("recheck")  # the rows a load read before the model was known, read again


@dataclass(frozen=True)
class RowsChanged(JobEvent):
    """Fresh table rows for tracks that were added or changed."""

    rows: tuple[BrowseRow, ...]


@dataclass(frozen=True)
class RowsRemoved(JobEvent):
    """Tracks that are no longer in the library."""

    ids: frozenset[int]


@dataclass(frozen=True)
class FoldersChanged(JobEvent):
    """The watched folders as they are now."""

    folders: tuple[FolderRecord, ...]


@dataclass(frozen=True)
class SameShareFound(JobEvent):
    """A folder being added is root `root_name` under another path: the same share mounted
    here at `path` while the root's own path (`recorded`) is not found on this machine, or,
    with `here` (the root's path on this machine), the same folder reached another way."""

    path: str
    root_name: str
    recorded: str
    here: str | None = None


@dataclass(frozen=True)
class DetailsReady(JobEvent):
    """What the details pane shows for one track; the picture is RGB uint8 (mels x frames)."""

    details: TrackDetails | None
    mel_rgb: object | None = None  # numpy.ndarray; typed loosely to keep numpy out of Qt code
    clip_start: float = 0.0
    clip_seconds: float = 0.0
    error: str | None = None


def _fresh_rows(session: Session, track_ids: Iterable[int]) -> RowsChanged:
    """The tracks' rows as they are now, read against the model the app classifies with."""
    return RowsChanged(tuple(browse.rows_for_ids(session, track_ids, backend.bundle_in_use())))


def _row_pages(session: Session, page_size: int = 2000) -> Iterator[list[BrowseRow]]:
    """Every track's row, page by page. Which model's predictions are current takes the
    classifier to tell, and that imports torch: before the model libraries are in, rows are
    read against none, and recheck_rows() corrects them later (gui/warmup.py)."""
    in_use = backend.bundle_in_use() if warmup.is_ready() else None
    return browse.iter_row_pages(session, page_size, in_use)


def load_library(page_size: int = 2000) -> Job:
    """Every track as table rows, page by page, then the folders."""

    def job(ctx: JobContext) -> Iterator[object]:
        with ctx.sessions() as session:
            yield Total(len(browse.all_track_ids(session)))
            yield FoldersChanged(tuple(folders.list_folders(session)))
            for page in _row_pages(session, page_size):
                yield from page
                if ctx.cancelled.is_set():
                    return

    return job


def recheck_rows(page_size: int = 2000) -> Job:
    """The rows that read differently against the model in use than against none: what a
    load_library run before the model libraries were in showed wrongly (old-model genres as
    current). Usually none; only those rows travel to the table."""

    def job(ctx: JobContext) -> Iterator[object]:
        in_use = backend.bundle_in_use()
        with ctx.sessions() as session:
            pages = zip(browse.iter_row_pages(session, page_size, None),
                        browse.iter_row_pages(session, page_size, in_use), strict=True)
            for provisional, current in pages:
                changed = tuple(r for r, p in zip(current, provisional, strict=True) if r != p)
                if changed:
                    yield RowsChanged(changed)
                if ctx.cancelled.is_set():
                    return

    return job


def set_genres(track_ids: Sequence[int], genres: Sequence[str]) -> Job:
    """Store the user's genres for the tracks (empty: forget them), then yield the new rows."""

    def job(ctx: JobContext) -> Iterator[object]:
        with ctx.sessions() as session:
            browse.set_user_genres(session, track_ids, genres)
            session.commit()
            yield Total(len(track_ids))
            yield _fresh_rows(session, track_ids)

    return job


def _with_rows(ctx: JobContext, events: Iterator[object]) -> Iterator[object]:
    """Pass a backend's events through, adding fresh rows for the tracks they touched."""
    touched: list[int] = []
    last_total = None
    refreshed = time.monotonic()
    with ctx.sessions() as session:
        try:
            for event in events:
                total = getattr(event, "total", None)
                if isinstance(total, int) and total != last_total:
                    last_total = total
                    yield Total(total)
                yield event
                if getattr(event, "track_id", None) is not None:
                    touched.append(event.track_id)  # type: ignore[attr-defined]
                due = time.monotonic() - refreshed >= ROW_REFRESH_SECONDS
                if touched and (due or len(touched) >= ROW_REFRESH_EVERY):
                    yield _fresh_rows(session, touched)
                    touched, refreshed = [], time.monotonic()
                    session.rollback()  # end the read snapshot: the next sees new commits
                # No break on cancel here: every backend stops itself on ctx.cancelled, and
                # its last events (the rows it committed on the way out) must still show.
        finally:
            close = getattr(events, "close", None)
            if close is not None:
                close()  # the backend commits or rolls back its current item, here
        if touched:  # also when cancelled: what was committed shows
            session.rollback()
            yield _fresh_rows(session, touched)


def _reread_at_end(ctx: JobContext, events: Iterator[object]) -> Iterator[object]:
    """Pass events through, then fresh rows for every track they named: for a backend whose
    events come before their rows are committed (the tag writer commits a file's track with
    the next file's log entry, undo every 50 files), the rows read on the way may be stale."""
    ids: dict[int, None] = {}  # in order, once each
    for event in events:
        yield event
        track_id = getattr(event, "track_id", None)
        if track_id is not None:
            ids[track_id] = None
    if ids:
        with ctx.sessions() as session:
            yield _fresh_rows(session, ids)


def scan_folders(paths: Sequence[str], as_root: str | None = None) -> Job:
    """Add the folders (if new; `as_root`: as that existing root, mounted here), scan them,
    yield progress and the changed rows. A folder that is a known share mounted elsewhere is
    not added: SameShareFound asks the window to offer `as_root`."""

    def job(ctx: JobContext) -> Iterator[object]:
        added: list[str] = []
        with ctx.sessions() as session:
            before = browse.all_track_ids(session)
            for path in paths:
                try:
                    backend.add_folder(session, path, as_root)
                except folders.SameShareError as exc:
                    yield SameShareFound(exc.path, exc.root.name, exc.root.recorded,
                                         exc.root.local if exc.found_here else None)
                    continue
                added.append(path)
            session.commit()
            yield FoldersChanged(tuple(folders.list_folders(session)))
            if as_root is not None and added:  # every row of the root has a new local path
                for page in _row_pages(session):
                    yield from page
        yield from _with_rows(ctx, backend.scan_events(ctx, added))
        with ctx.sessions() as session:
            gone = before - browse.all_track_ids(session)
        if gone:
            yield RowsRemoved(frozenset(gone))

    return job


def remove_folder(folder_id: int) -> Job:
    """Forget a folder and its tracks (the files stay on disk)."""

    def job(ctx: JobContext) -> Iterator[object]:
        with ctx.sessions() as session:
            before = browse.all_track_ids(session)
            backend.remove_folder(session, folder_id)
            session.commit()
            yield RowsRemoved(frozenset(before - browse.all_track_ids(session)))
            yield FoldersChanged(tuple(folders.list_folders(session)))

    return job


def forget_missing() -> Job:
    """Forget the tracks whose files a scan found missing (nothing on disk changes)."""

    def job(ctx: JobContext) -> Iterator[object]:
        with ctx.sessions() as session:
            gone = folders.forget_missing(session)
            session.commit()
        log.info("forgot %d missing tracks", len(gone))
        yield RowsRemoved(frozenset(gone))

    return job


def classify(options: backend.ClassifyOptions, track_ids: Sequence[int] | None = None) -> Job:
    """Classify the given tracks (None: every track not yet classified or changed since)."""

    def job(ctx: JobContext) -> Iterator[object]:
        yield from _with_rows(ctx, backend.classify_events(ctx, options, track_ids))

    return job


def details(track_id: int, clip_seconds: float = 6.0) -> Job:
    """The track's details and a mel-spectrogram picture of a clip from its middle."""

    def job(ctx: JobContext) -> Iterator[object]:
        with ctx.sessions() as session:
            info = browse.track_details(session, track_id, backend.bundle_in_use())
        if info is None or info.track.status != "ok":
            yield DetailsReady(info)
            return
        try:
            picture, start = backend.mel_picture(info.track.path, clip_seconds,
                                                  info.track.format)
        except Exception as exc:  # a bad file: say why in the pane, keep the metadata
            log.warning("cannot draw the spectrogram of %s", info.track.path, exc_info=True)
            yield DetailsReady(info, None, 0.0, clip_seconds, f"cannot decode: {exc}")
            return
        yield DetailsReady(info, picture, start, clip_seconds)

    return job


def plan_tags(options: backend.TagOptions, track_ids: Sequence[int] | None) -> Job:
    """The tag writer's dry run: one PlanRow per file it looked at."""

    def job(ctx: JobContext) -> Iterator[object]:
        for row in backend.tag_plan_events(ctx, options, track_ids):
            yield row
            if ctx.cancelled.is_set():
                return

    return job


def apply_tags(options: backend.TagOptions, plan: Sequence[backend.PlanRow]) -> Job:
    """Write a plan the user has seen; yields each file's outcome as it is written (progress
    moves per file, Cancel stops between files) and the changed rows."""

    def job(ctx: JobContext) -> Iterator[object]:
        yield Total(sum(r.action == "write" for r in plan))
        events = backend.tag_apply_events(ctx, options, plan)
        yield from _reread_at_end(ctx, _with_rows(ctx, events))

    return job


def undo_write(batch_id: int | None = None) -> Job:
    """Put back the genres a batch (None: the last applied) replaced, file by file like
    apply_tags."""

    def job(ctx: JobContext) -> Iterator[object]:
        yield Total(backend.tag_undo_size(ctx, batch_id))
        events = backend.tag_undo_events(ctx, batch_id)
        yield from _reread_at_end(ctx, _with_rows(ctx, events))

    return job


def undo_last_write() -> Job:
    """Put back the genres the last applied batch replaced."""
    return undo_write(None)


@dataclass(frozen=True)
class HistoryReady(JobEvent):
    """The tag-writing batches, newest first."""

    batches: tuple[BatchSummary, ...]


def tag_history() -> Job:
    """The list of tag-writing batches, for the history dialog."""

    def job(ctx: JobContext) -> Iterator[object]:
        yield HistoryReady(tuple(backend.tag_batches(ctx)))

    return job
