"""Start the Qt application."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtWidgets import QApplication

from gui.main_window import MainWindow
from gui.theme import apply_theme
from library.db import create_db_engine


def run_gui(db_path: Path, argv: Sequence[str]) -> int:
    """Show the main window and run the event loop until it closes."""
    create_db_engine(db_path).dispose()  # create or migrate before any window shows
    app = QApplication.instance() or QApplication(list(argv))
    app.setApplicationName("GenreLens")
    app.setOrganizationName("GenreLens")
    app.setDesktopFileName("genrelens")
    apply_theme(app)  # type: ignore[arg-type]
    window = MainWindow(db_path)
    window.show()
    return app.exec()
