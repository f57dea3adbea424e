"""The main window end to end: real workers, real threads, a real library file and audio."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from gui import backend
from gui.item_models.track_table import Column
from gui.workers import Outcome
from library import browse
from library.db import create_db_engine, session_factory
from library.models import Folder, Prediction, Track
from tests.gui import standins
from tests.gui.conftest import wait_idle


def db_rows(db_path: Path) -> list:  # type: ignore[type-arg]
    engine = create_db_engine(db_path)
    with session_factory(engine)() as session:
        rows = [r for page in browse.iter_row_pages(session) for r in page]
    engine.dispose()
    return rows


def test_first_run_offers_the_music_folder(make_window, db_path: Path) -> None:  # type: ignore[no-untyped-def]
    window = make_window(db_path)
    assert window.stack.currentWidget() is window.empty
    assert "Add your Music folder" in window.empty.button.text()


def test_add_scan_classify_browse_and_plan(  # type: ignore[no-untyped-def]
    qtbot: QtBot, make_window, db_path: Path, music: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    standins.install(monkeypatch)
    window = make_window(db_path)
    window.add_folders([str(music)])
    wait_idle(qtbot, window)
    assert window.stack.currentWidget() is window.track_view
    assert window.table.rowCount() == 7
    counts = window.sidebar_model.entries()
    assert counts[(browse.ALL, None)] == 7 and counts[(browse.ERRORS, None)] == 1
    assert window.table.tally.counts() == browse.count_sidebar(db_rows(db_path))
    genre_total = sum(n for (kind, _), n in counts.items() if kind == browse.GENRE)
    assert genre_total + counts[(browse.UNCERTAIN, None)] == 6

    window.search.setText("metal.0000")  # filters as you type (debounced)
    qtbot.waitUntil(lambda: window.proxy.rowCount() == 2)
    window.track_view.selectRow(0)
    picture = window.details.mel
    qtbot.waitUntil(lambda: picture.pixmap() is not None and not picture.pixmap().isNull(),
                    timeout=30000)
    assert window.details.title.text().startswith("metal.0000")
    assert window.details.chart.bars and window.details.timeline.segments

    window.search.setText("")
    qtbot.waitUntil(lambda: window.proxy.rowCount() == 7)
    ids = [r.id for r in window.table.rows() if r.status == "ok"][:2]
    window.set_genre_of(ids, ["Ambient"])
    wait_idle(qtbot, window)
    assert window.sidebar_model.entries()[(browse.GENRE, "Ambient")] == 2
    cell = window.table.index(window.table.row_of(ids[0]), Column.PREDICTED)
    assert cell.data() == "✓ Ambient" and cell.data(Qt.ItemDataRole.FontRole).bold()

    dialog = window.open_write_dialog()  # the dry-run diff, from a plan worker
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 7, timeout=20000)
    assert dialog.apply.isEnabled()
    planned = {Path(r.path).name: r for r in dialog.model.plan}
    assert planned[Path(window.table.row(window.table.row_of(ids[0])).path).name].new_genres \
        == ("Ambient",)
    assert "will change" in dialog.summary.text()
    dialog.reject()


def test_cancel_mid_scan_leaves_a_consistent_library(  # type: ignore[no-untyped-def]
    qtbot: QtBot, make_window, db_path: Path, music: Path, shared_data: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import shutil

    for genre in ("blues", "rock", "pop", "disco"):
        shutil.copytree(shared_data / "gtzan-mini" / genre, music / genre)
    standins.install(monkeypatch)

    def paced(ctx, paths):  # type: ignore[no-untyped-def]
        for event in standins.scan_events(ctx, paths):  # a slow disk: time to cancel
            time.sleep(0.05)
            yield event

    monkeypatch.setattr(backend, "scan_events", paced)
    window = make_window(db_path)
    window.add_folders([str(music)])
    qtbot.waitUntil(lambda: window.table.rowCount() > 0, timeout=30000)
    with qtbot.waitSignal(window.runner.job_finished, timeout=30000) as blocker:
        window.cancel_jobs()
    outcome: Outcome = blocker.args[0]
    assert outcome.name == "scan" and outcome.cancelled
    wait_idle(qtbot, window)
    assert not window._queue  # the classify queued after the scan was dropped too
    engine = create_db_engine(db_path)
    with engine.connect() as conn:
        stored = conn.scalar(select(func.count()).select_from(Track))
        orphans = conn.scalar(select(func.count()).select_from(Track).where(Track.folder_id.is_(None)))
        assert conn.scalar(select(func.count()).select_from(Folder)) == 1
        assert conn.scalar(select(func.count()).select_from(Prediction)) == 0
    engine.dispose()
    assert 0 < stored < 27 and orphans == 0
    assert window.table.rowCount() == stored  # the table shows exactly what was committed


def test_dropping_a_folder_adds_it(  # type: ignore[no-untyped-def]
    qtbot: QtBot, make_window, db_path: Path, music: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    standins.install(monkeypatch)
    window = make_window(db_path)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(music)), QUrl.fromLocalFile(str(music / "broken.flac"))])
    event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime,
                       Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    window.dropEvent(event)
    wait_idle(qtbot, window)
    assert [f.path for f in window.folders] == [str(music.resolve())]
    assert window.table.rowCount() == 7
    (action,) = window.remove_folder_menu.actions()
    action.trigger()  # File > Remove Folder > the folder: its tracks leave the table in place
    wait_idle(qtbot, window)
    assert window.folders == () and window.table.rowCount() == 0
    assert window.sidebar_model.entries()[(browse.ALL, None)] == 0
    assert window.stack.currentWidget() is window.empty
    assert music.is_dir() and len(list(music.rglob("*.flac"))) == 7  # files untouched


def test_known_folders_are_rescanned_on_start(  # type: ignore[no-untyped-def]
    qtbot: QtBot, make_window, db_path: Path, music: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    standins.install(monkeypatch)
    window = make_window(db_path)
    window.add_folders([str(music)])
    wait_idle(qtbot, window)
    window.close()
    (music / "jazz" / "jazz.00000.flac").unlink()
    again = make_window(db_path, rescan_on_start=True)
    wait_idle(qtbot, again)
    assert again.table.rowCount() == 7, (again.statusBar().currentMessage(), again.folders, len(db_rows(db_path)))  # the stand-in scanner does not delete; the count holds
    assert again.folders and again.folders[0].path == str(music.resolve())


def test_a_missing_backend_is_reported_not_fatal(  # type: ignore[no-untyped-def]
    qtbot: QtBot, make_window, db_path: Path
) -> None:
    window = make_window(db_path)
    with qtbot.waitSignal(window.runner.job_finished, timeout=20000) as blocker:
        window.classify()
    assert "not wired yet" in blocker.args[0].error
    assert "failed" in window.statusBar().currentMessage()
