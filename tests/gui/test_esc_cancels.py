"""Esc cancels: in the main window whatever has the focus, and on the write dialog its plan;
also a job still waiting for the model libraries to load. Real window, real jobs, real files."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from gui import jobs, warmup
from gui.main_window import MainWindow
from gui.workers import Outcome
from tests.gui.conftest import wait_idle


@pytest.fixture
def model_loading(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """The app's start as the user meets it: the model libraries still loading, so jobs that
    need them wait (gui/warmup.py) until the returned event is set (at the end at the latest).
    Request it after make_window: it ends first, so no worker waits at the window's close."""
    ready, expected = threading.Event(), threading.Event()
    expected.set()
    monkeypatch.setattr(warmup, "_ready", ready)
    monkeypatch.setattr(warmup, "_expected", expected)
    yield ready
    ready.set()


@pytest.fixture
def three_tracks(tmp_path: Path, shared_data: Path) -> Path:
    music = tmp_path / "Music"
    music.mkdir()
    for genre in ("blues", "jazz", "metal"):
        shutil.copy(shared_data / "gtzan-mini" / genre / f"{genre}.00000.flac", music)
    return music


@pytest.mark.parametrize("focus", ["search", "track_view", "sidebar", "details"])
def test_esc_in_the_window_cancels_the_scan_and_the_classify_after_it(  # type: ignore[no-untyped-def]
    qtbot: QtBot, make_window, db_path: Path, three_tracks: Path, focus: str,
    model_loading: threading.Event,
) -> None:
    window: MainWindow = make_window(db_path)  # the library's load needs no model: it ran
    outcomes: list[Outcome] = []
    window.runner.job_finished.connect(outcomes.append)
    window.search.setText("blues")  # a search box with text: Esc is not "clear the box"
    window.add_folders([str(three_tracks)])  # a scan (waiting for the model) and a classify
    assert [w.kind for w in window.runner.running()] == [jobs.SCAN]
    assert window.runner.queued() == [jobs.CLASSIFY]
    widget = getattr(window, focus)
    widget.setFocus()
    QTest.keyClick(widget, Qt.Key.Key_Escape)
    wait_idle(qtbot, window, timeout=20000)  # at once: the model libraries never came
    assert not model_loading.is_set()
    assert [(o.name, o.cancelled, o.done) for o in outcomes] == [("scan", True, 0)]
    assert window.table.rowCount() == 0  # the scan never began; the classify never ran


def test_esc_on_the_write_dialog_cancels_its_plan(  # type: ignore[no-untyped-def]
    qtbot: QtBot, make_window, db_path: Path, model_loading: threading.Event,
) -> None:
    window: MainWindow = make_window(db_path)
    outcomes: list[Outcome] = []
    window.runner.job_finished.connect(outcomes.append)
    dialog = window.open_write_dialog()  # its plan job starts (and waits for the model)
    assert [w.kind for w in window.runner.running()] == [jobs.PLAN]
    QTest.keyClick(dialog, Qt.Key.Key_Escape)  # closes the dialog ...
    wait_idle(qtbot, window, timeout=20000)  # ... and its plan stops with it
    assert [(o.name, o.cancelled) for o in outcomes] == [("plan", True)]
