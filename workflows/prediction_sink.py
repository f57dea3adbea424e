"""Where a classify run's results go, local or on Ray: claimed, stored in batches, released.

Both classify paths (workflows/classify.py `classify_stream`, workflows/classify_ray.py
`classify_on_ray`) hand each track's result to one `PredictionSink`; it records unreadable
files, stores predictions (and clip descriptors to cache) a batch at a time, and on leaving
its `with` block stores what is left before it gives up the run's claims, so no other run can
take a finished but unstored track. A crash or Ctrl-C loses at most the batch being stored.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from classifier.model import GenreModel, PipelineStats
from library.claims import WorkClaims, record_unreadable
from library.descriptor_store import save_descriptors
from library.predictions import store_predictions
from library.records import PredictionWrite, TrackToClassify

log = logging.getLogger(__name__)


@dataclass
class ClassifyOutcome:
    """What a classify run did."""

    stored: int = 0
    taken: int = 0  # tracks this run claimed; the rest of its todo another run had
    errors: list[tuple[str, str]] = field(default_factory=list)  # (path, message)
    db_seconds: float = 0.0
    stats: PipelineStats = field(default_factory=PipelineStats)
    descriptors_cached: int = 0  # tracks whose clip descriptors this run computed and stored


def log_outcome(outcome: ClassifyOutcome, bundle: GenreModel, where: str) -> None:
    """The run's one INFO line (CLI and app alike): what was classified, how many failed."""
    log.info("classify: %d of %d tracks classified with %s %s on %s, %d could not be read",
             outcome.stored, outcome.taken, bundle.name, bundle.version, where,
             len(outcome.errors))


class PredictionSink:
    """One run's way into the library: `take` claims, `failed`/`add` per track, `store`."""

    def __init__(self, sessions: sessionmaker[Session], bundle: GenreModel,
                 todo: Sequence[TrackToClassify], outcome: ClassifyOutcome, *,
                 commit_every: int = 64, where: str = "") -> None:
        self.sessions, self.bundle, self.todo, self.outcome = sessions, bundle, todo, outcome
        self.commit_every, self.where = commit_every, where  # `where`: for the log line
        self.claims = WorkClaims(sessions, bundle.name, str(bundle.version))
        self.by_id = {track.id: track for track in todo}
        self.writes: list[PredictionWrite] = []
        self.fresh: list[tuple[int, Any]] = []  # (track id, clip descriptor rows) to cache
        self._store_failed = False

    def take(self) -> Iterator[TrackToClassify]:
        """The tracks of the todo this run gets, claimed as they are reached (and kept alive
        by the claims' heartbeat), so a concurrent run on the library takes the others."""
        return self.claims.take(self.todo)

    def failed(self, track_id: int, message: str) -> None:
        """A track the decoder could not read: recorded now, as this machine names it."""
        track = self.by_id[track_id]
        self.outcome.errors.append((track.path, message))
        record_unreadable(self.sessions, [(track, message)])

    def add(self, write: PredictionWrite, descriptors: Any = None) -> None:
        """A prediction to store with the next batch, with the clip descriptors it computed."""
        self.writes.append(write)
        if descriptors is not None:
            self.fresh.append((write.prediction.track_id, descriptors))

    @property
    def full(self) -> bool:
        """A batch is waiting: time to `store`."""
        return len(self.writes) >= self.commit_every

    @property
    def pending(self) -> bool:
        """Predictions wait to be stored."""
        return bool(self.writes)

    def store(self) -> None:
        """Store the waiting predictions (and descriptors) in one transaction."""
        if not self.writes:
            return
        start = time.perf_counter()
        key = self.bundle.descriptor_key
        self._store_failed = True  # until it commits: leaving must not try it again
        with self.sessions.begin() as session:
            store_predictions(session, self.writes)
            for track_id, rows in self.fresh:  # computed only by a bundle that reads them
                if key is not None:
                    save_descriptors(session, track_id, rows, key)
        self._store_failed = False
        self.outcome.descriptors_cached += len(self.fresh)
        self.outcome.db_seconds += time.perf_counter() - start
        self.outcome.stored += len(self.writes)
        self.fresh.clear()
        self.writes.clear()

    def __enter__(self) -> PredictionSink:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        """Keep what is finished (also after Ctrl-C, a closed generator or a crash), unless the
        store itself failed; then free the claims of the tracks not done, and log the run."""
        try:
            if not self._store_failed:
                self.store()  # before the claims go, or another run could redo a stored track
        finally:
            self.claims.release()
            self.outcome.taken = self.claims.taken
            log_outcome(self.outcome, self.bundle, self.where)
