"""The main window end to end: real workers and threads, the real scanner, the real default
model bundle, the real tag planner, a real library file and real audio."""

from __future__ import annotations

import shutil
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from library.folders import add_folder
from workflows import classify_run, scan as scan_flow
from workflows.classify_run import ClassifyOptions
from workflows.events import Events
from gui.item_models.track_table import Column
from gui.main_window import MainWindow
from gui.settings import AppSettings
from gui.workers import Outcome
from library import browse, categories
from library.categories import Category
from library.db import create_db_engine, session_factory
from library.models import Folder, Prediction, TagBatch, Track
from tests.gui.conftest import wait_idle

BROAD_LABELS = {"Rock", "Pop", "Electronic", "Disco", "Hip-Hop", "R&B/Soul", "Funk", "Jazz",
                "Blues", "Country", "Folk", "Metal", "Punk", "Classical", "Ambient", "Reggae"}
SLOW_JOB_MS = 300_000  # the real model on a loaded 2-core CI machine


def db_rows(db_path: Path) -> list:  # type: ignore[type-arg]
    engine = create_db_engine(db_path)
    with session_factory(engine)() as session:
        rows = [r for page in browse.iter_row_pages(session) for r in page]
    engine.dispose()
    return rows


def predictions(db_path: Path) -> list[Prediction]:
    engine = create_db_engine(db_path)
    with session_factory(engine)() as session:
        rows = list(session.scalars(select(Prediction)))
        session.expunge_all()
    engine.dispose()
    return rows


def file_bytes(root: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.slow
def test_add_scan_classify_browse_and_plan_with_the_real_model(  # type: ignore[no-untyped-def]
    qtbot: QtBot, make_window, db_path: Path, music: Path, settings: AppSettings
) -> None:
    settings.save_classify_options(ClassifyOptions(device="cpu", clips_per_track=3))
    before = file_bytes(music)
    window = make_window(db_path)
    outcomes: list[Outcome] = []
    window.runner.job_finished.connect(outcomes.append)
    window.add_folders([str(music)])
    wait_idle(qtbot, window, timeout=SLOW_JOB_MS)
    # and after the classify, one SQL count for the sidebar's Review entry
    assert [(o.name, o.error) for o in outcomes] == [("scan", None), ("classify", None),
                                                     ("review-count", None)]
    assert window.stack.currentWidget() is window.browser
    assert window.table.rowCount() == 8

    stored = predictions(db_path)  # 6 GTZAN excerpts and the speech clip; not the broken file
    assert len(stored) == 7 and {p.bundle for p in stored} == {"broad"}
    # 3 clips, or 2 when they settled the track early (classifier/early_exit.py)
    assert all(len(p.clip_probabilities) == len(p.clip_starts) in (2, 3) for p in stored)
    counts = window.sidebar_model.entries()
    assert counts[(Category.ALL, None)] == 8 and counts[(Category.ERRORS, None)] == 1
    assert window.table.tally.counts() == categories.count_sidebar(db_rows(db_path))
    predicted = Counter(g for p in stored for g in p.top_genres)
    shown = {name: n for (kind, name), n in counts.items() if kind == Category.GENRE}
    assert shown == dict(predicted) and set(shown) <= BROAD_LABELS  # the bundle's own labels
    assert counts[(Category.UNCERTAIN, None)] == sum(p.uncertain and not p.not_music for p in stored)
    assert counts[(Category.NOT_MUSIC, None)] == sum(p.not_music for p in stored) == 1  # the speech

    window.search.setText("classical.0")  # filters as you type (debounced)
    qtbot.waitUntil(lambda: window.proxy.rowCount() == 1)
    window.track_view.selectRow(0)
    picture = window.details.mel
    qtbot.waitUntil(lambda: picture.pixmap() is not None and not picture.pixmap().isNull(),
                    timeout=60000)
    assert window.details.title.text().startswith("classical.00000")
    assert window.details.chart.bars and window.details.timeline.segments
    selected = next(p for p in stored if p.track_id == window.details.track_id)
    assert len(window.details.timeline.segments) == len(selected.clip_starts)  # one per clip
    assert picture.pixmap().width() > 0 and picture.pixmap().height() > 0
    row = window.table.row(window.table.row_of(window.details.track_id))
    assert "Classical" in row.predicted  # the real network, on real GTZAN classical

    window.search.setText("")
    qtbot.waitUntil(lambda: window.proxy.rowCount() == 8)
    window.track_view.clearSelection()  # the view's 8 tracks (a selected row: just that one)
    dialog = window.open_write_dialog()  # the dry-run diff, from a plan worker
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 8, timeout=20000)
    assert "of 8 tracks get a genre" in dialog.summary.text() and dialog.apply.isEnabled()
    planned = {Path(r.path).name: r for r in dialog.model.plan}
    assert planned["broken.flac"].action == "skip"
    classical = planned["classical.00000.flac"]
    assert classical.action == "write" and "Classical" in (classical.new_genres or ())
    dialog.reject()
    wait_idle(qtbot, window)
    assert file_bytes(music) == before  # a dry run writes nothing
    engine = create_db_engine(db_path)
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(TagBatch)) == 0
    engine.dispose()


def test_set_genre_shows_in_sidebar_table_and_plan(  # type: ignore[no-untyped-def]
    qtbot: QtBot, make_window, db_path: Path, music: Path, quick_classify: AppSettings
) -> None:
    window = make_window(db_path)
    window.add_folders([str(music)])
    wait_idle(qtbot, window, timeout=SLOW_JOB_MS)
    ids = [r.id for r in window.table.rows() if r.status == "ok"][:2]
    window.set_genre_of(ids, ["Ambient"])
    wait_idle(qtbot, window)
    assert window.sidebar_model.entries()[(Category.GENRE, "Ambient")] == 2
    cell = window.table.index(window.table.row_of(ids[0]), Column.PREDICTED)
    assert cell.data() == "✓ Ambient" and cell.data(Qt.ItemDataRole.FontRole).bold()
    dialog = window.open_write_dialog()
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 8, timeout=20000)
    planned = {r.track_id: r for r in dialog.model.plan}
    assert planned[ids[0]].new_genres == ("Ambient",) and planned[ids[0]].reason == "user label"
    dialog.reject()


@pytest.fixture
def more_music(music: Path, shared_data: Path) -> Path:
    """The music folder and 20 more GTZAN excerpts: time to cancel in."""
    for genre in ("blues", "rock", "pop", "disco"):
        for source in sorted((shared_data / "gtzan-mini" / genre).glob("*.flac")):
            (music / "more" / genre).mkdir(parents=True, exist_ok=True)
            shutil.copy(source, music / "more" / genre / source.name)
    return music


def test_cancel_mid_scan_leaves_a_consistent_library(  # type: ignore[no-untyped-def]
    qtbot: QtBot, make_window, db_path: Path, more_music: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_scan = scan_flow.scan_events

    def paced(sessions: sessionmaker[Session], cancel: threading.Event, paths: list[str]
              ) -> Events:
        for event in real_scan(sessions, cancel, paths):  # a slow disk: time to cancel
            time.sleep(0.05)
            yield event

    monkeypatch.setattr(scan_flow, "scan_events", paced)
    monkeypatch.setattr(scan_flow, "SCAN_COMMIT_EVERY", 4)  # rows show while the scan runs
    window = make_window(db_path)
    window.add_folders([str(more_music)])
    qtbot.waitUntil(lambda: window.table.rowCount() > 0, timeout=30000)
    with qtbot.waitSignal(window.runner.job_finished, timeout=30000) as blocker:
        window.cancel_jobs()
    outcome: Outcome = blocker.args[0]
    assert outcome.name == "scan" and outcome.cancelled
    wait_idle(qtbot, window)
    assert not window.runner.queued()  # the classify queued after the scan was dropped too
    engine = create_db_engine(db_path)
    with engine.connect() as conn:
        stored = conn.scalar(select(func.count()).select_from(Track))
        orphans = conn.scalar(select(func.count()).select_from(Track).where(Track.folder_id.is_(None)))
        assert conn.scalar(select(func.count()).select_from(Folder)) == 1
        assert conn.scalar(select(func.count()).select_from(Prediction)) == 0
    engine.dispose()
    assert 0 < stored < 28 and orphans == 0
    assert window.table.rowCount() == stored  # the table shows exactly what was committed


@pytest.mark.slow
def test_cancel_mid_classify_keeps_whole_predictions_and_a_rerun_continues(  # type: ignore[no-untyped-def]
    qtbot: QtBot, make_window, db_path: Path, more_music: Path, quick_classify: AppSettings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(classify_run, "CLASSIFY_COMMIT_EVERY", 2)  # several commits in 27 tracks
    window = make_window(db_path)
    window.add_folders([str(more_music)])
    qtbot.waitUntil(lambda: any(r.confidence is not None for r in window.table.rows()),
                    timeout=SLOW_JOB_MS)
    with qtbot.waitSignal(window.runner.job_finished, timeout=SLOW_JOB_MS) as blocker:
        window.cancel_jobs()
    assert blocker.args[0].name == "classify" and blocker.args[0].cancelled
    wait_idle(qtbot, window)
    first = {p.track_id: p for p in predictions(db_path)}
    assert 0 < len(first) < 27  # 27 readable files; the broken one is never classified
    for p in first.values():  # every stored row is a whole prediction of the real bundle
        assert len(p.probabilities) == 16 and len(p.clip_probabilities) == len(p.clip_starts) == 1
        assert len(p.clip_probabilities[0]) == 16 and p.track_size > 0 and p.track_mtime_ns > 0
    shown = {r.id for r in window.table.rows() if r.confidence is not None}
    assert shown == set(first)  # the table shows exactly what was committed

    window.classify()  # the rerun does only the rest
    wait_idle(qtbot, window, timeout=SLOW_JOB_MS)
    again = {p.track_id: p for p in predictions(db_path)}
    assert len(again) == 27
    assert all(again[i].created_at == first[i].created_at for i in first)


def test_dropping_a_folder_adds_it(  # type: ignore[no-untyped-def]
    qtbot: QtBot, make_window, db_path: Path, music: Path, quick_classify: AppSettings
) -> None:
    before = file_bytes(music)
    window = make_window(db_path)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(music)), QUrl.fromLocalFile(str(music / "broken.flac"))])
    event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime,
                       Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    window.dropEvent(event)
    wait_idle(qtbot, window, timeout=SLOW_JOB_MS)
    assert [f.path for f in window.folders] == [str(music.resolve())]
    assert window.table.rowCount() == 8
    (action,) = window.remove_folder_menu.actions()
    action.trigger()  # File > Remove Folder > the folder: it asks first, saying what goes
    question = window.removal_question
    assert question is not None and "its 8 tracks" in question.informativeText()
    question.remove_button.click()  # its tracks leave the table in place
    wait_idle(qtbot, window)
    assert window.folders == () and window.table.rowCount() == 0
    assert window.sidebar_model.entries()[(Category.ALL, None)] == 0
    assert window.stack.currentWidget() is window.empty
    assert file_bytes(music) == before  # files untouched


def test_known_folders_are_rescanned_on_start(  # type: ignore[no-untyped-def]
    qtbot: QtBot, make_window, db_path: Path, music: Path, quick_classify: AppSettings
) -> None:
    window = make_window(db_path)
    window.add_folders([str(music)])
    wait_idle(qtbot, window, timeout=SLOW_JOB_MS)
    window.close()
    gone = music / "jazz" / "jazz.00000.flac"
    gone.unlink()
    again = make_window(db_path, rescan_on_start=True)
    wait_idle(qtbot, again, timeout=SLOW_JOB_MS)
    assert again.folders and again.folders[0].path == str(music.resolve())
    assert again.table.rowCount() == 8  # a vanished file stays, marked missing
    (missing,) = [r for r in again.table.rows() if r.status == "missing"]
    assert missing.path == str(gone)


def test_a_watched_folder_not_here_is_skipped_by_the_rescan_on_start(  # type: ignore[no-untyped-def]
    qtbot: QtBot, make_window, db_path: Path, music: Path, tmp_path: Path,
    settings: AppSettings,
) -> None:
    """A drive unplugged since the last run: the rescan at start fails nothing and marks
    none of its tracks missing; the other folders are rescanned."""
    other = tmp_path / "Other"
    other.mkdir()
    shutil.copy(music / "jazz" / "jazz.00000.flac", other / "a.flac")
    window = make_window(db_path)
    window.add_folders([str(music), str(other)])
    wait_idle(qtbot, window, timeout=SLOW_JOB_MS)
    window.close()
    unplugged = tmp_path / "unplugged"
    music.rename(unplugged)
    (other / "a.flac").unlink()
    again = MainWindow(db_path, settings, rescan_on_start=True)
    qtbot.addWidget(again)
    finished: list[Outcome] = []
    again.runner.job_finished.connect(finished.append)
    again.show()
    wait_idle(qtbot, again, timeout=SLOW_JOB_MS)
    assert [(o.name, o.error) for o in finished if o.name == "scan"] == [("scan", None)]
    statuses = {r.path: r.status for r in again.table.rows()}
    assert statuses.pop(str(other / "a.flac")) == "missing"  # the folder that is here: rescanned
    assert len(statuses) == 8 and "missing" not in statuses.values()


def test_closing_during_the_first_load_starts_no_job_after_it(
    qtbot: QtBot, settings: AppSettings, db_path: Path, music: Path
) -> None:
    engine = create_db_engine(db_path)
    with session_factory(engine).begin() as session:
        add_folder(session, str(music))  # a known folder: the load ends in a rescan
    engine.dispose()
    window = MainWindow(db_path, settings, rescan_on_start=True)
    qtbot.addWidget(window)
    started: list[object] = []
    window.runner.started.connect(started.append)
    window.show()
    window.close()  # at once: the load's end reaches the window after its threads stopped
    qtbot.wait(1000)
    assert started == [] and window.runner.settled()


def test_a_failing_classify_is_reported_not_fatal(  # type: ignore[no-untyped-def]
    qtbot: QtBot, make_window, db_path: Path, settings: AppSettings
) -> None:
    settings.save_classify_options(ClassifyOptions(bundle="no-such-bundle"))
    window = make_window(db_path)
    with qtbot.waitSignal(window.runner.job_finished, timeout=60000,
                          check_params_cb=lambda o: o.name == "classify") as blocker:
        window.classify()
    assert "no-such-bundle" in (blocker.args[0].error or "")
    assert "failed" in window.statusBar().currentMessage()
