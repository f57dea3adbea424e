"""Writing and undoing tags in a real worker thread: progress and Cancel act file by file."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy.orm import Session, sessionmaker

from gui import jobs
import workflows.browse
from workflows.events import RowsChanged
from gui.workers import Job, JobContext, JobKind, JobRunner, Outcome, Progress
from library.db import create_db_engine, session_factory
from library.records import BrowseRow, PlanRow
from library.tagplan import TagOptions, plan_tags
from tests.audio_factory import Tags, load_clip, write_audio, write_tags
from tests.tagging_support import plain_genres, predict, scan_into

OPTIONS = TagOptions(policy="replace")
FILES = 5


@pytest.fixture
def plan(tmp_path: Path, db_path: Path, shared_data: Path) -> list[PlanRow]:
    """FILES real FLAC files tagged "Old", scanned, each predicted "New": the plan to write."""
    samples, rate = load_clip(shared_data, seconds=0.5)
    music = tmp_path / "music"
    music.mkdir()
    for number in range(FILES):
        path = write_audio(music / f"{number}.flac", "flac", samples, rate)
        write_tags(path, "flac", Tags(title=str(number)), raw_genres=["Old"])
    sessions: sessionmaker[Session] = session_factory(create_db_engine(db_path))
    scan_into(sessions, music)
    predict(sessions, {str(music / f"{n}.flac"): {"New": 0.9, "Other": 0.1}
                       for n in range(FILES)})
    with sessions() as session:
        rows = plan_tags(session, OPTIONS)
    assert [r.action for r in rows] == ["write"] * FILES
    return rows


@pytest.fixture
def runner(db_path: Path) -> Iterator[JobRunner]:
    jobs_ = JobRunner(db_path)
    yield jobs_
    jobs_.shutdown()


class Watch:
    """Runs a job and, in the worker's own thread at each progress signal (the job is then
    paused between two items), notes the genres every planned file holds on disk."""

    def __init__(self, runner: JobRunner, kind: JobKind, job: Job, paths: list[str],
                 cancel_at: int | None = None) -> None:
        self.paths, self.cancel_at = paths, cancel_at
        self.on_disk: dict[int, list[list[str]]] = {}  # done -> each file's genres
        self.totals: set[int | None] = set()
        self.items: list[object] = []
        gate = threading.Event()

        def gated(ctx: JobContext) -> Iterator[object]:  # starts once we listen
            gate.wait(timeout=30)
            yield from job(ctx)

        # batch_seconds=0: a progress signal per item, so each file's is seen.
        worker = runner.start(kind, gated, batch_seconds=0)
        assert worker is not None  # the runner had no writer running
        self.worker = worker
        # Direct on purpose: the slot must run while the job waits, not after it has ended.
        self.worker.progress.connect(self.seen, Qt.ConnectionType.DirectConnection)
        self.worker.batch.connect(self.items.extend, Qt.ConnectionType.DirectConnection)
        gate.set()

    def seen(self, progress: Progress) -> None:
        self.totals.add(progress.total)
        if progress.done not in self.on_disk:
            self.on_disk[progress.done] = [plain_genres(Path(p)) for p in self.paths]
        if progress.done == self.cancel_at:
            self.worker.cancel()

    def last_rows(self) -> dict[int, tuple[str, ...]]:
        """Each track's genres in the last table row the job sent for it."""
        rows: dict[int, tuple[str, ...]] = {}
        for item in self.items:
            if isinstance(item, RowsChanged):
                rows.update((r.id, r.tag_genres) for r in item.rows if isinstance(r, BrowseRow))
        return rows


def test_apply_reports_each_file_as_written_and_cancel_stops_between_files(
    qtbot: QtBot, runner: JobRunner, plan: list[PlanRow], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(workflows.browse, "ROW_REFRESH_EVERY", 1)  # rows re-read after every file
    paths = [r.path for r in plan]
    with qtbot.waitSignal(runner.job_finished, timeout=60000) as finished:
        watch = Watch(runner, jobs.WRITE_TAGS, jobs.apply_tags(OPTIONS, plan), paths, cancel_at=2)
    outcome: Outcome = finished.args[0]
    assert (outcome.done, outcome.cancelled, outcome.error) == (2, True, None)
    assert watch.totals == {FILES}
    # When progress said 1 of FILES, the first file was written and the others not yet.
    assert watch.on_disk[1] == [["New"]] + [["Old"]] * (FILES - 1)
    assert watch.on_disk[2] == [["New"]] * 2 + [["Old"]] * (FILES - 2)
    assert [plain_genres(Path(p)) for p in paths] == watch.on_disk[2]  # Cancel: no 3rd file
    written = {r.track_id for r in plan[:2]}
    assert watch.last_rows() == dict.fromkeys(written, ("New",))  # as committed, not stale

    with qtbot.waitSignal(runner.job_finished, timeout=60000) as finished:
        undo = Watch(runner, jobs.UNDO, jobs.undo_last_write(), paths)
    outcome = finished.args[0]
    assert (outcome.done, outcome.cancelled, outcome.error) == (2, False, None)
    assert undo.totals == {2}
    assert sorted(undo.on_disk) == [0, 1, 2]  # progress before, between and after the files
    assert undo.on_disk[1].count(["Old"]) == FILES - 1  # one file restored, one still to do
    assert [plain_genres(Path(p)) for p in paths] == [["Old"]] * FILES
    assert undo.last_rows() == dict.fromkeys(written, ("Old",))
