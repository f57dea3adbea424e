"""GUI fixtures: a main window on a fresh library with private settings, and a music folder."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from pytestqt.qtbot import QtBot

from gui.main_window import MainWindow
from gui.settings import AppSettings


@pytest.fixture
def settings(tmp_path: Path) -> AppSettings:
    return AppSettings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))


@pytest.fixture
def make_window(qtbot: QtBot, settings: AppSettings) -> Iterator[Callable[..., MainWindow]]:
    def make(db_path: Path, rescan_on_start: bool = False) -> MainWindow:
        window = MainWindow(db_path, settings, rescan_on_start=rescan_on_start)
        qtbot.addWidget(window)  # closed (workers stopped) at the end of the test
        window.show()
        wait_idle(qtbot, window)
        return window

    yield make


def wait_idle(qtbot: QtBot, window: MainWindow, timeout: int = 60000) -> None:
    """Until no job runs or waits, and the sidebar shows the latest counts."""
    qtbot.waitUntil(lambda: not window.runner.running() and not window._queue
                    and not window.sidebar_timer.isActive(), timeout=timeout)


@pytest.fixture
def music(tmp_path: Path, shared_data: Path) -> Path:
    """A tmp music folder: real GTZAN excerpts of three genres and one broken file."""
    root = tmp_path / "Music"
    for genre in ("classical", "metal", "jazz"):
        (root / genre).mkdir(parents=True)
        for n in range(2):
            name = f"{genre}.0000{n}.flac"
            shutil.copy(shared_data / "gtzan-mini" / genre / name, root / genre / name)
    (root / "broken.flac").write_bytes(b"fLaC" + b"\0" * 100)  # truncated: no audio frames
    return root
