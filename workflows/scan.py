"""Scan workflows: watch folders, bring the library up to date with the disk, forget what
is gone. The CLI and the GUI run the same generators and render their events."""

from __future__ import annotations

import logging
import threading
from collections.abc import Generator, Sequence

from sqlalchemy.orm import Session, sessionmaker

from library import browse, folders
from library.folders import FolderError, SameShareError
from library.records import FolderRecord, ScanOutcome
from workflows.browse import ModelInUse, row_pages, with_rows
from workflows.events import (
    Events,
    FoldersChanged,
    RowsRemoved,
    SameShareFound,
    ScanStep,
    Total,
    TrackDone,
)

__all__ = ["FolderError", "add_and_scan", "folders_to_scan", "forget_missing",
           "remove_folder", "scan_steps"]

log = logging.getLogger(__name__)

SCAN_COMMIT_EVERY = 50  # the scanner's batch in the app: new rows show up this often


def folders_to_scan(sessions: sessionmaker[Session], paths: Sequence[str]
                    ) -> tuple[list[FolderRecord], list[str]]:
    """The folders to scan: the given ones, watched from now on (none given: every watched
    folder), and why each refused path was refused."""
    with sessions() as session:
        if not paths:
            return folders.list_folders(session), []
        found, refused = [], []
        for path in paths:
            try:
                found.append(folders.add_folder(session, path))
            except FolderError as exc:
                refused.append(str(exc))
        return found, refused


def scan_steps(sessions: sessionmaker[Session], watched: Sequence[FolderRecord],
               cancel: threading.Event | None = None, commit_every: int | None = None) -> Events:
    """The scanner's steps (with their Total), and TrackDone for each track that was not
    unchanged, once the scanner has committed its row (so a read sees the new state)."""
    written: list[int] = []  # tracks of the steps so far, rows not yet committed
    committed: list[int] = []

    def on_commit() -> None:
        committed.extend(written)
        written.clear()

    from library.scanner import BATCH_SIZE, scan  # mutagen, tag readers: loaded by the worker

    steps = scan(sessions, watched, cancel=cancel, on_commit=on_commit,
                 batch_size=commit_every or BATCH_SIZE)
    total = None
    try:
        for step in steps:
            yield from map(TrackDone, committed)
            committed.clear()
            if step.total != total:
                total = step.total
                yield Total(total)
            yield ScanStep(step)
            changed = step.outcome != ScanOutcome.UNCHANGED and not step.again
            if step.track_id is not None and changed:
                written.append(step.track_id)
    finally:
        if isinstance(steps, Generator):
            steps.close()  # the scanner commits what it has, on this thread
    yield from map(TrackDone, committed + written)


def scan_events(sessions: sessionmaker[Session], cancel: threading.Event, paths: Sequence[str]
                ) -> Events:
    """scan_steps for the watched folders among `paths`, committing as the app does."""
    with sessions() as session:
        watched = [f for f in (folders.get_folder(session, p) for p in paths) if f is not None]
    return scan_steps(sessions, watched, cancel, SCAN_COMMIT_EVERY)


def add_and_scan(sessions: sessionmaker[Session], cancel: threading.Event, paths: Sequence[str],
                 model: ModelInUse, as_root: str | None = None) -> Events:
    """Add the folders (if new; `as_root`: as that existing root, mounted here), scan them,
    yield progress and the changed rows. A folder that is a known share mounted elsewhere is
    not added: SameShareFound asks the user about `as_root`."""
    added: list[str] = []
    with sessions() as session:
        before = browse.all_track_ids(session)
        for path in paths:
            try:
                folders.add_folder(session, path, as_root)
            except SameShareError as exc:
                yield SameShareFound(exc.path, exc.root.name, exc.root.recorded,
                                     exc.root.local if exc.found_here else None)
                continue
            except FolderError:
                if folders.get_folder(session, path) is None:
                    raise  # a new folder must exist: the job fails, saying why
                # A watched folder not here (a drive unplugged): nothing to rescan, and its
                # tracks wait as they are, not "missing" (classify says the root is away).
                log.info("not rescanned: %s is not found on this machine", path)
                continue
            added.append(path)
        session.commit()
        yield FoldersChanged(tuple(folders.list_folders(session)))
        if as_root is not None and added:  # every row of the root has a new local path
            yield from row_pages(session, model)
    yield from with_rows(sessions, scan_events(sessions, cancel, added), model)
    with sessions() as session:
        gone = before - browse.all_track_ids(session)
    if gone:
        yield RowsRemoved(frozenset(gone))


def remove_folder(sessions: sessionmaker[Session], folder_id: int) -> Events:
    """Stop watching a folder and forget its tracks (the files stay on disk)."""
    with sessions() as session:
        before = browse.all_track_ids(session)
        paths = [f.path for f in folders.list_folders(session) if f.id == folder_id]
        if paths:
            folders.remove_folder(session, paths[0], forget_tracks=True)
        session.commit()
        yield RowsRemoved(frozenset(before - browse.all_track_ids(session)))
        yield FoldersChanged(tuple(folders.list_folders(session)))


def forget_missing(sessions: sessionmaker[Session], track_ids: Sequence[int] | None = None
                   ) -> Events:
    """Forget the tracks whose files a scan found missing (or those of `track_ids` that are
    missing); nothing on disk changes."""
    with sessions() as session:
        gone = folders.forget_missing(session, track_ids)
        session.commit()
    log.info("forgot %d missing tracks", len(gone))
    yield RowsRemoved(frozenset(gone))
