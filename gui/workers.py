"""Background work: a job (a generator function) runs in a QObject worker on its own QThread.

Every job has a kind (JobKind: its name, its progress label, whether it writes the library),
declared once in gui/jobs.py. The runner holds the one-writer rule: a writer job submitted
while another writer runs waits in the runner's queue, whoever submits it.

The worker owns the thread's database engine (rule 3: no ORM object crosses threads), checks
a cancel flag between items, and hands items to the GUI in batches, at most every
`batch_seconds`, with progress (count, rate, ETA: each event's `units` of work). A job runs a
workflow (workflows/), which yields workflows/events.py events and checks `ctx.cancelled`
between items: only the workflow knows where stopping is safe.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot
from sqlalchemy.orm import Session, sessionmaker

from gui import warmup
from library.db import DbLocation, create_db_engine, session_factory
from library.db_errors import explain
from workflows.events import Event, Total

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobContext:
    """What a job gets on its thread: its own sessions and the cancel flag to check."""

    sessions: sessionmaker[Session]
    cancelled: threading.Event


Job = Callable[[JobContext], Iterator[Event]]  # a workflow run on the job's thread


@dataclass(frozen=True)
class JobKind:
    """What a job is: its name, the words its progress shows (None: no progress shown),
    whether it writes the library (writers run one at a time, in the order submitted) and
    whether it needs the model libraries (it then waits for gui/warmup.py to load them)."""

    name: str
    label: str | None = None
    writer: bool = False
    needs_model: bool = True

    def describe(self) -> str:
        """The words a user reads for this kind of job."""
        return self.label or self.name.capitalize()


@dataclass(frozen=True)
class Progress:
    """Where a job stands: done of total, items per second, seconds left (None: unknown)."""

    kind: JobKind
    done: int
    total: int | None
    rate: float
    eta: float | None


@dataclass(frozen=True)
class Outcome:
    """How a job ended."""

    kind: JobKind
    done: int
    cancelled: bool
    error: str | None = None

    @property
    def name(self) -> str:
        """The job kind's name."""
        return self.kind.name

    def in_words(self) -> str | None:
        """What the status bar says of it (None: nothing, a job the user does not follow)."""
        what = self.kind.describe()
        if self.error:  # the traceback is in the log
            return f"{what} failed: {self.error} (Help → Show Log has the details)"
        if not self.kind.label:
            return None
        state = "cancelled after" if self.cancelled else "finished:"
        return f"{what} {state} {self.done:,} items"


def measure(kind: JobKind, done: int, total: int | None, elapsed: float) -> Progress:
    """Progress with rate and ETA from a count and the time spent (pure)."""
    rate = done / elapsed if elapsed > 0 else 0.0
    eta = (total - done) / rate if total is not None and rate > 0 else None
    return Progress(kind, done, total, rate, max(eta, 0.0) if eta is not None else None)


def in_words(exc: BaseException) -> str:
    """An exception as a user reads it: its message, else what kind of failure it was."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


class GeneratorWorker(QObject):
    """Runs one job on the thread it was moved to; emits its items in batches."""

    batch = Signal(list)
    progress = Signal(object)  # Progress
    finished = Signal(object)  # Outcome

    def __init__(self, kind: JobKind, job: Job, db_path: DbLocation, batch_seconds: float = 0.1,
                 batch_size: int = 1000) -> None:
        super().__init__()
        self.kind, self._job, self._db_path = kind, job, db_path
        self._batch_seconds, self._batch_size = batch_seconds, batch_size
        self._cancel = threading.Event()
        self.done = 0  # items produced so far (read by the worker's own thread)
        self.ended = False  # set just before `finished`: the job no longer runs

    @property
    def name(self) -> str:
        """The job kind's name."""
        return self.kind.name

    def cancel(self) -> None:
        """Ask the job to stop after its current item (thread-safe)."""
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        """Whether cancel() was called."""
        return self._cancel.is_set()

    @Slot()
    def run(self) -> None:
        """Run the job to its end, its failure or its cancellation."""
        if self.kind.needs_model and not warmup.is_ready():
            self.progress.emit(measure(self.kind, 0, None, 0.0))  # started, not stuck
            warmup.wait(self._cancel)  # its imports, made here, would freeze the GUI
        if self._cancel.is_set():  # cancelled before it began (Esc while the model loads)
            self.ended = True
            self.finished.emit(Outcome(self.kind, 0, True, None))
            return
        engine = create_db_engine(self._db_path)
        error = None
        try:
            self._drain(self._job(JobContext(session_factory(engine), self._cancel)))
        except Exception as exc:  # any failure ends this job only: in words for the user,
            log.exception("job %r failed", self.name)  # with its traceback for the log
            problem = explain(exc, str(self._db_path))  # a database failure in words
            error = problem.message if problem else in_words(exc)
        finally:
            engine.dispose()
        self.ended = True
        self.finished.emit(Outcome(self.kind, self.done, self._cancel.is_set(), error))

    def _drain(self, items: Iterator[Event]) -> None:
        start = last = time.monotonic()
        pending: list[Event] = []
        total = None
        try:
            for item in items:
                if isinstance(item, Total):
                    total = item.count
                self.done += item.units if isinstance(item, Event) else 1  # a test's bare item
                pending.append(item)
                now = time.monotonic()
                if now - last >= self._batch_seconds or len(pending) >= self._batch_size:
                    self._flush(pending, measure(self.kind, self.done, total, now - start))
                    pending, last = [], now
        finally:
            if isinstance(items, Generator):
                items.close()  # runs the job's finally blocks (commit or roll back) on this thread
            self._flush(pending, measure(self.kind, self.done, total, time.monotonic() - start))

    def _flush(self, pending: list[Event], progress: Progress) -> None:
        if pending:
            self.batch.emit(pending)
        self.progress.emit(progress)


# Threads still running after their window closed, kept alive until they end (see shutdown).
_ORPHANS: dict[QThread, GeneratorWorker] = {}


class JobRunner(QObject):
    """Starts workers on their own threads and keeps them alive until they finish; writer jobs
    wait in its queue while another writer runs (one writer at a time, rule 3)."""

    started = Signal(object)  # GeneratorWorker
    job_finished = Signal(object)  # Outcome, emitted on the GUI thread

    def __init__(self, db_path: DbLocation, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.db_path = db_path
        self._running: dict[GeneratorWorker, QThread] = {}
        self._queue: list[_Queued] = []  # writer jobs waiting for the one running
        self._shut = False  # after shutdown() no job starts: its thread would outlive the app

    def start(self, kind: JobKind, job: Job, on_start: OnStart | None = None,
              **options: float) -> GeneratorWorker | None:
        """Run `job` in a new worker thread now, or (a writer while another writer runs) once
        the writers before it have ended. `on_start` gets the worker before it runs: connect
        to its signals there. Returns the worker, or None when the job was queued or the
        runner is shut down (e.g. the rescan after a load that ended as the window closed:
        a thread running at exit aborts the process)."""
        if self._shut:
            return None
        if kind.writer and (self._queue or self._writer_running()):
            self._queue.append(_Queued(kind, job, on_start, options))
            return None
        return self._launch(_Queued(kind, job, on_start, options))

    def _launch(self, queued: _Queued) -> GeneratorWorker:
        kind = queued.kind
        worker = GeneratorWorker(kind, queued.job, self.db_path, **queued.options)  # type: ignore[arg-type]
        if queued.on_start is not None:
            queued.on_start(worker)
        thread = QThread(self)
        thread.setObjectName(f"genrelens-{kind.name}")
        worker.moveToThread(thread)
        thread.started.connect(worker.run)
        worker.finished.connect(thread.quit)
        thread.finished.connect(self._forget, Qt.ConnectionType.QueuedConnection)
        # Queued explicitly: PySide runs undecorated Python slots in the emitting thread.
        worker.finished.connect(self._relay_finished, Qt.ConnectionType.QueuedConnection)
        self._running[worker] = thread
        thread.start()
        self.started.emit(worker)
        return worker

    def running(self, kind: JobKind | None = None) -> list[GeneratorWorker]:
        """Workers whose job still runs (of that kind, if given)."""
        return [w for w in self._running if not w.ended and (kind is None or w.kind == kind)]

    def queued(self) -> list[JobKind]:
        """The kinds of the writer jobs waiting their turn, in order."""
        return [q.kind for q in self._queue]

    def settled(self) -> bool:
        """No thread left and none queued: every job ended and its `job_finished` has been
        delivered."""
        return not self._running and not self._queue

    def cancel(self, kind: JobKind) -> None:
        """Ask the running jobs of a kind to stop; drop the queued ones."""
        self._queue = [q for q in self._queue if q.kind != kind]
        for worker in self.running(kind):
            worker.cancel()

    def cancel_all(self) -> None:
        """Drop the queued jobs and ask every running job to stop."""
        self._queue.clear()
        for worker in self._running:
            worker.cancel()

    def wait(self, worker: GeneratorWorker, timeout_ms: int = 30000) -> bool:
        """Block until the worker's thread has ended (or the timeout); True if it has."""
        thread = self._running.get(worker)
        return thread is None or thread.wait(timeout_ms)

    def shutdown(self, timeout_ms: int = 30000) -> None:
        """Cancel everything and wait for the threads (when the window closes).

        A job stuck in one step that cannot be interrupted (a slow first import, a hung
        network share) outlives the wait: its thread is handed to `_ORPHANS` instead of being
        destroyed while it runs, which would abort the whole process.
        """
        self._shut = True
        self.cancel_all()
        for worker, thread in list(self._running.items()):
            thread.quit()
            if not thread.wait(timeout_ms):
                thread.setParent(None)
                _ORPHANS[thread] = worker
                thread.finished.connect(lambda t=thread: _ORPHANS.pop(t, None))
        self._running.clear()

    def _writer_running(self) -> bool:
        return any(w.kind.writer for w in self.running())

    @Slot(object)
    def _relay_finished(self, outcome: Outcome) -> None:
        self.job_finished.emit(outcome)
        if self._queue and not self._writer_running():
            self._launch(self._queue.pop(0))

    @Slot()
    def _forget(self) -> None:
        for worker, thread in list(self._running.items()):
            if thread.isFinished():  # now the worker can go: its thread runs no more
                del self._running[worker]
                thread.deleteLater()


OnStart = Callable[[GeneratorWorker], None]


@dataclass(frozen=True)
class _Queued:
    """A job waiting for its turn, with what to do once its worker exists."""

    kind: JobKind
    job: Job
    on_start: OnStart | None
    options: dict[str, float]
