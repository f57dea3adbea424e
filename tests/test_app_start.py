"""The app starts: in-process with pytest-qt, and as `python main.py` in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from pytestqt.qtbot import QtBot

from tests.conftest import REPO_ROOT


def test_main_window_shows(qtbot: QtBot, db_path: Path, tmp_path: Path) -> None:
    from PySide6.QtCore import QSettings

    from gui.main_window import MainWindow
    from gui.settings import AppSettings

    # Private settings: the window keeps its layout there when it closes.
    settings = AppSettings(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    window = MainWindow(db_path, settings)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    assert window.windowTitle().startswith("GenreLens")


def test_python_main_py_launches_the_gui(tmp_path: Path) -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", GENRELENS_DB=str(tmp_path / "lib.db"))
    proc = subprocess.Popen(
        [sys.executable, "main.py"], cwd=REPO_ROOT, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 8
        while time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.2)
        assert proc.poll() is None, proc.communicate()[1].decode(errors="replace")
        assert (tmp_path / "lib.db").exists()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_splash_says_what_the_wait_is_for(qtbot: QtBot) -> None:
    from PySide6.QtWidgets import QApplication

    from gui.app import show_splash

    splash = show_splash(QApplication.instance())  # type: ignore[arg-type]
    qtbot.addWidget(splash)
    assert splash.isVisible()
    assert splash.message() == "Loading the genre model…"
    picture = splash.pixmap().toImage()
    assert picture.pixelColor(180, 78) != picture.pixelColor(5, 5)  # the icon is drawn
