"""GUI fixtures: a main window on a fresh library with private settings, and a music folder."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from pytestqt.qtbot import QtBot

from workflows.classify_run import ClassifyOptions
from gui.main_window import MainWindow
from gui.settings import AppSettings
from gui.warmup import load_worker_modules


@pytest.fixture(scope="session", autouse=True)
def warm_imports() -> None:
    """Import the model libraries up front, as the app does once its window shows."""
    load_worker_modules()


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
    qtbot.waitUntil(lambda: window.runner.settled()
                    and not window.sidebar_timer.isActive(), timeout=timeout)


GENRES = ("blues", "classical", "country", "hiphop", "jazz", "metal")
SPEECH = "198-209-0000.ogg"  # LibriSpeech: a reading, not music


@pytest.fixture
def music(tmp_path: Path, shared_data: Path) -> Path:
    """A tmp music folder: six real GTZAN excerpts of six genres (one folder per genre), a
    speech clip and one broken file. Small on purpose: the real model classifies it."""
    root = tmp_path / "Music"
    for genre in GENRES:
        (root / genre).mkdir(parents=True)
        name = f"{genre}.00000.flac"
        shutil.copy(shared_data / "gtzan-mini" / genre / name, root / genre / name)
    shutil.copy(shared_data / "cc-music" / SPEECH, root / SPEECH)
    (root / "broken.flac").write_bytes(b"fLaC" + b"\0" * 100)  # truncated: no audio frames
    return root


@pytest.fixture
def quick_classify(settings: AppSettings) -> AppSettings:
    """Settings that classify with one clip per track on the CPU: the real model, cheaply,
    for tests about folders and scanning in which classification only comes along."""
    settings.save_classify_options(ClassifyOptions(device="cpu", clips_per_track=1))
    return settings
