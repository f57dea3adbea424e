"""Generator workers on real threads: batches, progress, cancel, errors, and a stall figure."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from pytestqt.qtbot import QtBot
from sqlalchemy import func, insert, select

from gui.watchdog import StallWatchdog
from gui.workers import JobContext, JobKind, JobRunner, Outcome, Progress, measure
from workflows.events import Total

from library.db import create_db_engine
from library.models import Track

X, INSERT, BAD, STUCK = (JobKind(n) for n in ("x", "insert", "bad", "stuck"))


def insert_tracks(count: int, started: threading.Event | None = None):  # type: ignore[no-untyped-def]
    """A job writing `count` tracks, committing each 50, stopping early when cancelled."""

    def job(ctx: JobContext) -> Iterator[object]:
        yield Total(count)
        with ctx.sessions() as session:
            for i in range(count):
                if ctx.cancelled.is_set():
                    break
                session.execute(insert(Track), [{"path": f"/m/{i}.flac", "size": i,
                                                 "mtime_ns": i}])
                if i % 50 == 49:
                    session.commit()
                    if started is not None:
                        started.set()
                yield (i, threading.get_ident())
            session.commit()

    return job


@pytest.fixture
def runner(db_path: Path) -> Iterator[JobRunner]:
    create_db_engine(db_path).dispose()
    jobs = JobRunner(db_path)
    yield jobs
    jobs.shutdown()


def test_measure_rate_and_eta() -> None:
    assert measure(X, 50, 100, 10.0) == Progress(X, 50, 100, 5.0, 10.0)
    assert measure(X, 0, None, 0.0).eta is None


def test_job_runs_on_its_own_thread_and_batches(qtbot: QtBot, db_path: Path, runner: JobRunner) -> None:
    worker = runner.start(INSERT, insert_tracks(400), batch_seconds=0.02, batch_size=64)
    batches: list[list[object]] = []
    progress: list[Progress] = []
    worker.batch.connect(batches.append)
    worker.progress.connect(progress.append)
    with qtbot.waitSignal(runner.job_finished, timeout=30000) as blocker:
        pass
    outcome: Outcome = blocker.args[0]
    assert outcome == Outcome(INSERT, 400, False, None)
    items = [item for batch in batches for item in batch if not isinstance(item, Total)]
    assert [i for i, _ in items] == list(range(400))
    assert {t for _, t in items} != {threading.get_ident()}  # not the GUI thread
    assert len(batches) > 1 and all(len(b) <= 64 for b in batches)
    assert progress[-1].done == 400 and progress[-1].total == 400
    with create_db_engine(db_path).connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Track)) == 400
    qtbot.waitUntil(lambda: runner.running() == [])


def test_cancel_mid_run_keeps_committed_work(qtbot: QtBot, db_path: Path, runner: JobRunner) -> None:
    started = threading.Event()
    worker = runner.start(INSERT, insert_tracks(100_000, started))
    assert started.wait(30)
    with qtbot.waitSignal(runner.job_finished, timeout=30000) as blocker:
        worker.cancel()
    outcome: Outcome = blocker.args[0]
    assert outcome.cancelled and outcome.error is None and 0 < outcome.done < 100_000
    with create_db_engine(db_path).connect() as conn:
        stored = conn.scalar(select(func.count()).select_from(Track))
    assert stored == outcome.done  # the job's own commit on the way out kept every item


def test_a_failing_job_reports_its_error_in_words_and_logs_its_traceback(
    qtbot: QtBot, db_path: Path, runner: JobRunner, caplog: pytest.LogCaptureFixture
) -> None:
    def job(ctx: JobContext) -> Iterator[object]:
        yield 1
        raise ValueError("file is not audio")

    worker = runner.start(BAD, job)
    with qtbot.waitSignal(runner.job_finished, timeout=10000) as blocker:
        pass
    assert blocker.args[0].done == 1
    assert blocker.args[0].error == "file is not audio"  # for the status bar
    (record,) = [r for r in caplog.records if r.name == "gui.workers"]
    assert record.levelname == "ERROR" and "'bad'" in record.getMessage()
    assert record.exc_info is not None and record.exc_info[0] is ValueError  # for the log file


def test_stall_watchdog_records_the_gui_thread_while_2000_rows_are_written(
    qtbot: QtBot, db_path: Path, runner: JobRunner
) -> None:
    watchdog = StallWatchdog()
    watchdog.start()
    worker = runner.start(INSERT, insert_tracks(2000))
    with qtbot.waitSignal(runner.job_finished, timeout=60000):
        pass
    longest = watchdog.stop()
    print(f"longest GUI stall while writing 2,000 rows: {longest * 1000:.1f} ms")
    assert watchdog.ticks > 0 and longest >= 0.0  # measured; speed lives in bench/gui_stall.py


def test_shutdown_never_destroys_a_thread_that_still_runs(qtbot: QtBot, db_path: Path) -> None:
    """A job stuck in a step that ignores cancel must not abort the process on close."""
    from gui import workers

    release, entered = threading.Event(), threading.Event()

    def stuck(ctx: JobContext) -> Iterator[object]:
        entered.set()
        release.wait(30)  # like a slow first import: no cancel check in here
        yield "done"

    runner = JobRunner(db_path)
    runner.start(STUCK, stuck)
    assert entered.wait(10)
    runner.shutdown(timeout_ms=50)
    orphans = list(workers._ORPHANS)
    assert len(orphans) == 1 and orphans[0].isRunning()
    release.set()
    qtbot.waitUntil(lambda: not workers._ORPHANS, timeout=10000)


def test_stall_watchdog_notes_a_blocked_gui_thread(qtbot: QtBot) -> None:
    """The figure bench/gui_stall.py prints is real: a 150 ms block of the loop shows up."""
    watchdog = StallWatchdog()
    watchdog.start()
    qtbot.wait(50)
    QTimer.singleShot(0, lambda: time.sleep(0.15))  # the GUI thread busy, as a slow slot would
    qtbot.wait(100)
    qtbot.wait(50)  # the late tick runs after the block
    watchdog.stop()
    assert watchdog.longest >= 0.1
    assert any(late >= 0.1 for _, late in watchdog.stalls)
    assert watchdog.longest_cpu < watchdog.longest  # sleeping is waiting, not GUI work


WRITER_A, WRITER_B = JobKind("a", writer=True), JobKind("b", writer=True)


def gated_job(name: str, log: list[str], gate: threading.Event | None = None):  # type: ignore[no-untyped-def]
    """A job that notes when it starts and ends, waiting for `gate` in between."""

    def job(ctx: JobContext) -> Iterator[object]:
        log.append(f"{name} starts")
        if gate is not None:
            assert gate.wait(30)
        yield name
        log.append(f"{name} ends")

    return job


def test_a_second_writer_waits_in_the_runner_for_the_first(qtbot: QtBot, db_path: Path,
                                                            runner: JobRunner) -> None:
    log: list[str] = []
    gate = threading.Event()
    first = runner.start(WRITER_A, gated_job("a", log, gate))
    assert first is not None
    qtbot.waitUntil(lambda: log == ["a starts"])
    wired: list[JobKind] = []
    assert runner.start(WRITER_B, gated_job("b", log), on_start=lambda w: wired.append(w.kind)) is None
    assert runner.queued() == [WRITER_B] and wired == [] and not runner.settled()
    reader = runner.start(JobKind("reader"), gated_job("reader", log))  # readers never wait
    assert reader is not None
    qtbot.waitUntil(lambda: "reader ends" in log)
    assert "b starts" not in log
    outcomes: list[Outcome] = []
    # The reader's job_finished may still be on its way (queued to this thread after "reader
    # ends"): only the writers' outcomes are this assertion's business.
    runner.job_finished.connect(lambda o: o.kind.writer and outcomes.append(o))
    gate.set()
    qtbot.waitUntil(lambda: [o.kind for o in outcomes] == [WRITER_A, WRITER_B], timeout=10000)
    assert log.index("a ends") < log.index("b starts") and wired == [WRITER_B]
    qtbot.waitUntil(runner.settled)


def test_cancel_all_drops_the_queued_writers(qtbot: QtBot, db_path: Path,
                                             runner: JobRunner) -> None:
    log: list[str] = []
    gate = threading.Event()
    runner.start(WRITER_A, gated_job("a", log, gate))
    runner.start(WRITER_B, gated_job("b", log))
    runner.cancel_all()
    gate.set()
    qtbot.waitUntil(runner.settled, timeout=10000)
    assert runner.queued() == [] and "b starts" not in log
