"""Who classifies what: concurrent classify runs on one library split the tracks.

Each run claims its next few tracks (per bundle) in one short write transaction, just
before decoding them, and skips tracks another run has claimed or has already given a
current prediction meanwhile. Claims are released when the run ends; those of a run that
crashed expire after CLAIM_TTL, so its tracks are classified by the next run.
A track the decoder cannot read although it is unchanged since the scan (a cut-off FLAC or
MP3 whose header looks whole) gets status "error" with the decoder's reason, so it shows
among the errors instead of being retried by every run.

A live run renews its claims (a heartbeat every quarter of the expiry), so the expiry can be
short: a crashed run of another host (whose pid this host cannot check) holds its tracks
for a few minutes at most, while a slow but live run keeps them. GENRELENS_CLAIM_TTL
(seconds) sets the expiry; every run on a library should use the same.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Iterable, Iterator, Sequence
from datetime import timedelta

from sqlalchemy import and_, delete, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from library.dialect import insert_new, is_sqlite
from library.models import ClassifyClaim, Prediction, Track, utcnow
from library.records import TrackStatus, TrackToClassify

CLAIM_TTL = timedelta(minutes=3)  # renewed every TTL/4 by a live run: 45 s by default
TTL_ENV_VAR = "GENRELENS_CLAIM_TTL"
CLAIM_BATCH = 8  # tracks claimed per transaction: small, so two runs interleave finely
UNREADABLE = "cannot decode"  # how the decoder's verdict on a file starts
log = logging.getLogger(__name__)


def claim_ttl() -> timedelta:
    """How long a claim lasts without renewal: $GENRELENS_CLAIM_TTL seconds, or CLAIM_TTL."""
    value = os.environ.get(TTL_ENV_VAR, "")
    try:
        seconds = float(value)
    except ValueError:
        return CLAIM_TTL
    return timedelta(seconds=seconds) if seconds > 0 else CLAIM_TTL


class WorkClaims:
    """One classify run's claims on the tracks of one bundle."""

    def __init__(self, sessions: sessionmaker[Session], bundle: str, version: str,
                 ttl: timedelta | None = None) -> None:
        self.sessions, self.bundle, self.version = sessions, bundle, version
        # "<host>:<pid>-<random>": on a shared server, only runs of this host can be judged
        # dead by their pid; other hosts' claims expire after the TTL unless renewed.
        self.run = f"{_HOST}:{os.getpid()}-{uuid.uuid4().hex[:12]}"
        self.started = utcnow()
        self.ttl = ttl or claim_ttl()
        self.taken = 0  # tracks this run claimed (and so classified, unless stopped)
        self._released = threading.Event()
        self._heartbeat: threading.Thread | None = None

    def take(self, todo: Sequence[TrackToClassify]) -> Iterator[TrackToClassify]:
        """The tracks of `todo` this run gets to classify, claimed a few at a time."""
        self._start_heartbeat()
        for start in range(0, len(todo), CLAIM_BATCH):
            mine = self._claim(todo[start:start + CLAIM_BATCH])
            self.taken += len(mine)
            yield from mine

    def _start_heartbeat(self) -> None:
        # A thread, not the loop that commits: an actor's chunk or one long file can keep
        # that loop away for longer than the TTL. Its writes are one short UPDATE of this
        # run's own rows (SQLite's busy timeout queues it behind any other writer).
        if self._heartbeat is None and not self._released.is_set():
            self._heartbeat = threading.Thread(target=self._beat, name="claims-heartbeat",
                                               daemon=True)
            self._heartbeat.start()

    def _beat(self) -> None:
        while not self._released.wait(self.ttl.total_seconds() / 4):
            try:
                self.renew()
            except SQLAlchemyError as exc:  # busy or unreachable: the next beat tries again
                log.warning("could not renew the classify claims of run %s: %s", self.run, exc)

    def renew(self) -> None:
        """Mark this run's claims as alive now, so other runs do not take them over."""
        with self.sessions.begin() as session:
            session.execute(update(ClassifyClaim).where(ClassifyClaim.run == self.run)
                            .values(claimed_at=utcnow().replace(tzinfo=None)))

    def _claim(self, batch: Sequence[TrackToClassify]) -> list[TrackToClassify]:
        ids = [t.id for t in batch]
        now = utcnow().replace(tzinfo=None)
        with self.sessions.begin() as session:
            session.execute(delete(ClassifyClaim).where(  # a crashed run's claims expire
                ClassifyClaim.track_id.in_(ids), ClassifyClaim.bundle == self.bundle,
                ClassifyClaim.claimed_at < now - self.ttl))
            self._drop_dead(session, ids)
            done = self._predicted_meanwhile(session, batch)
            free = [i for i in _lockable(session, ids) if i not in done]
            insert_new(session, ClassifyClaim, [
                {"track_id": i, "bundle": self.bundle, "run": self.run, "claimed_at": now}
                for i in free])
            mine = set(session.scalars(select(ClassifyClaim.track_id).where(
                ClassifyClaim.track_id.in_(free), ClassifyClaim.bundle == self.bundle,
                ClassifyClaim.run == self.run)))
        return [t for t in batch if t.id in mine]

    def _drop_dead(self, session: Session, ids: list[int]) -> None:
        """Claims of runs whose process is gone (killed, crashed) end now, not after the TTL."""
        runs = set(session.scalars(select(ClassifyClaim.run).where(
            ClassifyClaim.track_id.in_(ids), ClassifyClaim.bundle == self.bundle)))
        dead = [run for run in runs if run != self.run and not _alive(run)]
        if dead:
            session.execute(delete(ClassifyClaim).where(ClassifyClaim.run.in_(dead)))

    def _predicted_meanwhile(self, session: Session, batch: Sequence[TrackToClassify]
                             ) -> set[int]:
        """Tracks another run has predicted (with this bundle version) since this one began."""
        return set(session.scalars(select(Prediction.track_id).where(
            Prediction.track_id.in_([t.id for t in batch]), Prediction.bundle == self.bundle,
            Prediction.bundle_version == self.version, Prediction.created_at >= self.started)))

    def release(self) -> None:
        """Give up every claim of this run (its results are stored by now)."""
        self._released.set()
        if self._heartbeat is not None and self._heartbeat is not threading.current_thread():
            self._heartbeat.join()
        with self.sessions.begin() as session:
            session.execute(delete(ClassifyClaim).where(ClassifyClaim.run == self.run))


_HOST = socket.gethostname()[:24]


def _lockable(session: Session, ids: list[int]) -> list[int]:
    """The tracks of `ids` no other run is claiming at this moment.

    SQLite lets one writer in at a time, so all are. On PostgreSQL two runs claim at once:
    SELECT … FOR UPDATE SKIP LOCKED locks the track rows till commit and passes over those
    another run's claim transaction holds, so the two never wait for or double each other.
    """
    if is_sqlite(session):
        return ids
    return list(session.scalars(select(Track.id).where(Track.id.in_(ids)).order_by(Track.id)
                                .with_for_update(skip_locked=True)))


def _alive(run: str) -> bool:
    """Whether the process of a run id ("<host>:<pid>-<random>") still runs; a run of
    another host (or a form not understood) counts as alive: its heartbeat and the TTL decide."""
    host, _, local = run.rpartition(":")
    if host and host != _HOST:
        return True
    try:
        pid = int(local.split("-", 1)[0])
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (ValueError, PermissionError, OverflowError):
        return True  # not ours to judge: let the TTL decide
    return True


def record_unreadable(sessions: sessionmaker[Session],
                      failures: Iterable[tuple[TrackToClassify, str]]) -> int:
    """Give tracks the decoder could not read status "error" with its reason; how many.

    Only while the file is as scanned: a file that changed or vanished is the scan's to judge.
    """
    marked = 0
    with sessions.begin() as session:
        for track, reason in failures:
            if not reason.startswith(UNREADABLE):
                continue
            try:
                info = os.stat(track.path)
            except OSError:
                continue
            if (info.st_size, info.st_mtime_ns) != (track.size, track.mtime_ns):
                continue
            result = session.execute(update(Track).where(and_(
                Track.id == track.id, Track.size == track.size,
                Track.mtime_ns == track.mtime_ns)).values(status=TrackStatus.ERROR, error=reason))
            marked += result.rowcount  # type: ignore[attr-defined]
    return marked
