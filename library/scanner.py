"""Scan watched folders into the library: a cancellable generator of progress events.

Incremental: a file whose size and mtime match the library is not opened at all; a changed
one is re-read; one that vanished becomes "missing" (its record and predictions stay); one
that reappears elsewhere with the same size and first 64 KiB is "moved" and keeps its record.
A changed or moved file whose audio payload is the one its predictions were made from (only
its tags changed) keeps them current.
Every problem is recorded with a readable reason and the scan goes on. Writes are committed
in batches, and whatever was handled before a cancel (or a closed generator) is kept. Each
event names its track's id; `on_commit` says when the rows of the events so far are committed.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict
from typing import Any, BinaryIO, cast

from sqlalchemy import Row, Table, insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from library.dialect import is_sqlite, reserve_ids
from library.models import Folder, Prediction, Track, utcnow
from library.predictions import same_audio_updates
from library.records import FolderRecord, ScanCounts, ScanEvent, ScanOutcome, TrackStatus
from library.roots import local_paths
from library.search_text import search_text
from library.tags import FileInfo, TagError, read_file
from library.walk import FolderProblem, FoundFile, walk_audio

log = logging.getLogger(__name__)

HEAD_BYTES = 64 * 1024
BATCH_SIZE = 500
LOCK_SECONDS = 2.0  # commit sooner on slow disks: other programs wait for a write lock we hold
Reader = Callable[[str, BinaryIO], FileInfo]  # path, and the file open at it
OnCommit = Callable[[], None]
_TRACKS = Track.__table__.c
_INSERT = insert(cast(Table, Track.__table__))
_KNOWN_COLUMNS = (_TRACKS.id, _TRACKS.root_id, _TRACKS.path, _TRACKS.size, _TRACKS.mtime_ns,
                  _TRACKS.status, _TRACKS.folder_id, _TRACKS.head_hash, _TRACKS.error)


def head_hash(path: str) -> str:
    """sha1 of the first 64 KiB: with the size, what recognises a moved file."""
    with open(path, "rb") as handle:
        return hashlib.sha1(handle.read(HEAD_BYTES)).hexdigest()


def _described(exc: OSError) -> str:
    return f"cannot read: {exc.strerror or exc}"


class _Scan:
    """The state of one scan run; `events()` does the work."""

    def __init__(self, session: Session, folders: Sequence[FolderRecord],
                 cancel: threading.Event | None, reader: Reader, batch_size: int,
                 on_commit: OnCommit | None = None) -> None:
        self.session, self.folders, self.cancel = session, folders, cancel
        self.reader, self.batch_size, self.on_commit = reader, batch_size, on_commit
        self.counts: dict[str, int] = dict.fromkeys(asdict(ScanCounts()), 0)
        self.total = 0
        self.inserts: list[dict[str, Any]] = []
        self.next_id: int | None = None  # the batch's next free track id, once it holds one
        self.locked_at = 0.0  # when the batch took the database's write lock
        self.reserved: list[int] = []  # ids from PostgreSQL's sequence, not yet handed out
        self.sqlite = is_sqlite(session)
        self.updates: list[dict[str, Any]] = []
        self.kept_predictions: list[dict[str, Any]] = []  # changed tags, same audio
        self.unreadable_folders: list[str] = []
        # Core, not ORM, rows: loading 100,000 of them is most of an unchanged rescan.
        self.known: dict[str, Row[*tuple[Any, ...]]] = {}
        # The id of an untouched file in place, by what it looks like: one dict lookup per file.
        self.untouched: dict[tuple[str, int, int, int | None], int] = {}
        # Stored paths are relative to their roots; this scan compares this machine's.
        self.roots = local_paths(session)
        local = self.roots.local
        for row in session.connection().execute(select(*_KNOWN_COLUMNS)):
            track_id, root_id, stored, size, mtime_ns, status, folder_id, *_ = row
            self.known[path := local(root_id, stored)] = row
            # An unreadable file is reported again each scan, as an error.
            if status == TrackStatus.OK:
                self.untouched[path, size, mtime_ns, folder_id] = track_id

    def cancelled(self) -> bool:
        return self.cancel is not None and self.cancel.is_set()

    def event(self, path: str, outcome: ScanOutcome, **extra: Any) -> ScanEvent:
        """Count an outcome and describe it."""
        self.counts["errors" if outcome == ScanOutcome.ERROR else outcome] += 1
        counts = ScanCounts(*self.counts.values())  # positional: this runs once per file
        return ScanEvent(path, outcome, counts, self.total, **extra)

    def events(self) -> Iterator[ScanEvent]:
        """Walk, compare with the library, write, and say what happened to each file."""
        found: dict[str, tuple[FoundFile, int]] = {}
        for folder in self.folders:
            for item in walk_audio(folder.path, self.cancel):
                if isinstance(item, FolderProblem):
                    self.unreadable_folders.append(item.path)
                    yield self.event(item.path, ScanOutcome.ERROR, error=item.reason,
                                     is_folder=True)
                else:
                    found.setdefault(item.path, (item, folder.id))
        if self.cancelled():
            return  # an unfinished listing says nothing about missing files
        vanished = self._vanished(found)
        self.total = len(found) + len(vanished)
        newcomers: list[tuple[FoundFile, int]] = []
        untouched = self.untouched
        for path, (item, folder_id) in found.items():
            if self.cancelled():
                return
            track_id = untouched.get((path, item.size, item.mtime_ns, folder_id))
            if track_id is not None:
                yield self.event(path, ScanOutcome.UNCHANGED, track_id=track_id)  # the common case
                continue
            known = self.known.get(path)
            if known is None:
                newcomers.append((item, folder_id))
            else:
                yield self._known_file(item, known, folder_id)
            self._maybe_flush()
        yield from self._newcomers(newcomers, vanished)
        if not self.cancelled():
            yield from self._missing(vanished)
            self._mark_folders_scanned()

    def _vanished(self, found: dict[str, tuple[FoundFile, int]]) -> dict[str, Row[Any]]:
        """Known tracks of the scanned folders that the listing did not find."""
        scanned = {folder.id for folder in self.folders}
        prefixes = tuple(p.rstrip(os.sep) + os.sep for p in self.unreadable_folders)
        return {
            path: row for path, row in self.known.items()
            if row.folder_id in scanned and path not in found
            and not (prefixes and path.startswith(prefixes))  # unlisted, not gone
        }

    def _known_file(self, item: FoundFile, known: Row[Any], folder_id: int) -> ScanEvent:
        if item.error is None and (item.size, item.mtime_ns) == (known.size, known.mtime_ns):
            fixes: dict[str, Any] = {}
            # Back where it was, untouched: no need to read it.
            if known.status == TrackStatus.MISSING:
                fixes["status"] = TrackStatus.ERROR if known.error else TrackStatus.OK
            if known.folder_id != folder_id:  # its folder was removed and watched again
                fixes["folder_id"] = folder_id
            if fixes:
                self.updates.append({"id": known.id, **fixes})
            if known.error:  # still the file that could not be read: the same error, unread
                return self.event(item.path, ScanOutcome.ERROR, error=known.error,
                                  track_id=known.id, again=True)
            return self.event(item.path, ScanOutcome.UNCHANGED, track_id=known.id)
        row = self._read(item)
        self.updates.append({"id": known.id, "folder_id": folder_id, **row})
        self._keep_predictions(known.id, item, row)
        return self._outcome(item.path, row, ScanOutcome.CHANGED, track_id=known.id)

    def _keep_predictions(self, track_id: int, item: FoundFile, row: dict[str, Any]) -> None:
        """A file whose tags were edited elsewhere keeps predictions of its unchanged audio."""
        if row["status"] == TrackStatus.OK:
            self.kept_predictions.extend(same_audio_updates(
                self.session, track_id, item.path, (item.size, item.mtime_ns)))

    def _newcomers(self, newcomers: list[tuple[FoundFile, int]],
                   vanished: dict[str, Row[Any]]) -> Iterator[ScanEvent]:
        """New files, unless one is a vanished (or long-missing) track that moved."""
        candidates = {
            (row.size, row.head_hash): (path, row) for path, row in self.known.items()
            if row.head_hash and (path in vanished or row.status == TrackStatus.MISSING)
        }
        for item, folder_id in newcomers:
            if self.cancelled():
                return
            row = self._read(item)
            row["folder_id"] = folder_id
            old_path, previous = candidates.pop((item.size, row["head_hash"]), (None, None))
            stored = dict(zip(("root_id", "path"), self.roots.split(item.path)))
            if previous is not None and row["head_hash"]:
                vanished.pop(old_path or "", None)
                self.updates.append({"id": previous.id, **stored, **row})
                self._keep_predictions(previous.id, item, row)
                yield self._outcome(item.path, row, ScanOutcome.MOVED, old_path=old_path,
                                    track_id=previous.id)
            else:
                track_id = self._insert({**stored, **row})
                yield self._outcome(item.path, row, ScanOutcome.NEW, track_id=track_id)
            self._maybe_flush()

    def _missing(self, vanished: dict[str, Row[Any]]) -> Iterator[ScanEvent]:
        for path, row in vanished.items():
            if row.status != TrackStatus.MISSING:
                self.updates.append({"id": row.id, "status": TrackStatus.MISSING})
            yield self.event(path, ScanOutcome.MISSING, track_id=row.id)
            self._maybe_flush()

    def _outcome(self, path: str, row: dict[str, Any], outcome: ScanOutcome, **extra: Any
                 ) -> ScanEvent:
        if row["status"] == TrackStatus.ERROR:
            return self.event(path, ScanOutcome.ERROR, error=row["error"], **extra)
        return self.event(path, outcome, **extra)

    def _read(self, item: FoundFile) -> dict[str, Any]:
        """The track columns for a file, with the search text of its tags and path."""
        row = self._read_file(item)
        stored = self.roots.split(item.path)[1]  # as search sees it: root-relative, if rooted
        row["search_text"] = search_text(row["artist"], row["title"], row["album"], stored)
        return row

    def _read_file(self, item: FoundFile) -> dict[str, Any]:
        """The track columns for a file: hash and tags, or the reason they are unknown."""
        row: dict[str, Any] = {"size": item.size, "mtime_ns": item.mtime_ns,
                               "scanned_at": utcnow(), "head_hash": None}
        empty = dict.fromkeys(FileInfo.__slots__, None) | {"genres": []}
        try:
            if item.error:
                raise TagError(item.error)
            with open(item.path, "rb") as handle:  # once: hash, sniff and tags alike
                row["head_hash"] = hashlib.sha1(handle.read(HEAD_BYTES)).hexdigest()
                info = self.reader(item.path, handle)
        except OSError as exc:
            return row | empty | {"status": TrackStatus.ERROR, "error": _described(exc)}
        except TagError as exc:
            return row | empty | {"status": TrackStatus.ERROR, "error": str(exc)}
        values = {name: getattr(info, name) for name in FileInfo.__slots__}
        return row | values | {"genres": list(info.genres), "status": TrackStatus.OK,
                               "error": None}

    def _insert(self, values: dict[str, Any]) -> int:
        """Queue a new track for the batch's insert and return the id it will have.

        Without a query per file: the batch's first new track is inserted at once, SQLite
        gives it max(id) + 1, and the write lock that insert takes keeps every other writer
        out until our commit, so the ids after it are ours to hand out. PostgreSQL has no such
        lock (several scans write at once): there the ids come from its sequence.
        """
        if not self.sqlite:
            if not self.reserved:
                self.reserved = reserve_ids(self.session, "tracks", min(self.batch_size, 1000))
            self.inserts.append({"id": self.reserved.pop(0), **values})
            return int(self.inserts[-1]["id"])
        if self.next_id is None:
            self.locked_at = time.monotonic()
            key = self.session.connection().execute(_INSERT, values).inserted_primary_key
            assert key is not None  # a single-row INSERT always reports its key
            self.next_id = int(key[0]) + 1
            return self.next_id - 1
        track_id, self.next_id = self.next_id, self.next_id + 1
        self.inserts.append({"id": track_id, **values})
        return track_id

    def _maybe_flush(self) -> None:
        inserted_at_once = self.next_id is not None  # the batch's first new track
        too_long = inserted_at_once and time.monotonic() - self.locked_at > LOCK_SECONDS
        if too_long or len(self.inserts) + len(self.updates) + inserted_at_once >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        """Write and commit what is pending."""
        if self.inserts:  # Core, not the ORM's bulk insert: its per-row bookkeeping costs
            self.session.connection().execute(_INSERT, self.inserts)
        if self.updates:
            self.session.execute(update(Track), self.updates)
        if self.kept_predictions:
            self.session.execute(update(Prediction), self.kept_predictions)
        self.session.commit()
        self.inserts, self.updates, self.next_id = [], [], None
        self.kept_predictions = []
        if self.on_commit is not None:
            self.on_commit()

    def _mark_folders_scanned(self) -> None:
        """Stamp the folders that could be listed (an unmounted one was not scanned)."""
        ids = [f.id for f in self.folders if f.path not in self.unreadable_folders]
        self.session.execute(
            update(Folder).where(Folder.id.in_(ids)).values(last_scanned_at=utcnow())
        )


def scan(
    sessions: sessionmaker[Session],
    folders: Sequence[FolderRecord],
    *,
    cancel: threading.Event | None = None,
    reader: Reader = read_file,
    batch_size: int = BATCH_SIZE,
    on_commit: OnCommit | None = None,
) -> Iterator[ScanEvent]:
    """Scan `folders` and yield one ScanEvent per file (and per unlistable folder).

    Stop it with `cancel.set()` or by closing the generator; work done so far is committed.
    `on_commit()` runs after each commit: the tracks of every event yielded before it can
    then be read from other sessions.
    """
    with sessions() as session:
        run = _Scan(session, folders, cancel, reader, batch_size, on_commit)
        try:
            yield from run.events()
        finally:
            run.flush()
            # The one INFO line of a scan, from the CLI or the app (a cancelled one too).
            log.info("scan of %s: %s", ", ".join(f.path for f in folders),
                     ", ".join(f"{n} {what}" for what, n in run.counts.items()))
