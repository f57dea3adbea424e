"""Start the Qt application."""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from types import TracebackType

from PySide6.QtCore import QMessageLogContext, Qt, QtMsgType, qInstallMessageHandler
from PySide6.QtWidgets import QApplication

from gui import warmup
from gui.dialogs.db_problem import open_library
from gui.main_window import MainWindow
from gui.theme import apply_theme
from gui.workers import Outcome
from library.db import DbLocation, is_read_only

LOADING_MODEL = "Loading the genre model…"

# Qt's own messages (plugins it could not load, a window manager without a feature) are for
# the log: the terminal gets them only with --verbose, Qt's criticals always.
QT_LEVELS = {QtMsgType.QtDebugMsg: logging.DEBUG, QtMsgType.QtInfoMsg: logging.DEBUG,
             QtMsgType.QtWarningMsg: logging.INFO, QtMsgType.QtCriticalMsg: logging.WARNING,
             QtMsgType.QtFatalMsg: logging.CRITICAL}
qt_log = logging.getLogger("qt")


def log_qt_message(kind: QtMsgType, context: QMessageLogContext, message: str) -> None:
    """Qt's message handler: Qt's messages go to the log, tagged with their category."""
    qt_log.log(QT_LEVELS.get(kind, logging.WARNING), "%s: %s", context.category or "qt", message)


def log_uncaught(kind: type[BaseException], exc: BaseException,
                 tb: TracebackType | None) -> None:
    """An exception no slot caught: into the log with its traceback; the app runs on."""
    logging.getLogger("gui").error("uncaught %s: %s", kind.__name__, exc, exc_info=(kind, exc, tb))


def warm_up_after_load(window: MainWindow) -> None:
    """Once the library is in the table, load the model libraries (gui/warmup.py); meanwhile
    the status bar says so, and Settings, whose bundle list needs them, waits."""
    settings = window.action_by_name["settings"]

    def on_finished(outcome: Outcome) -> None:
        if outcome.name == "load" and not warmup.is_ready():
            window.statusBar().showMessage(LOADING_MODEL)
            warmup.start()

    def on_ready() -> None:
        settings.setEnabled(True)
        if window.statusBar().currentMessage() == LOADING_MODEL:
            window.statusBar().clearMessage()

    settings.setEnabled(False)
    warmup.notifier.ready.connect(on_ready, Qt.ConnectionType.QueuedConnection)
    window.runner.job_finished.connect(on_finished)


def run_gui(db_path: DbLocation, argv: Sequence[str]) -> int:
    """Show the main window and run the event loop until it closes; `db_path` is an SQLite
    file or a database server's URL (library/db.py `DbLocation`)."""
    qInstallMessageHandler(log_qt_message)
    sys.excepthook = log_uncaught
    running = QApplication.instance()  # a test's, or None: typed as the base QCoreApplication
    app = running if isinstance(running, QApplication) else QApplication(list(argv))
    app.setApplicationName("GenreLens")
    app.setOrganizationName("GenreLens")
    app.setDesktopFileName("genrelens")
    apply_theme(app)
    opened = open_library(db_path)  # a damaged, newer or busy library: explained, a way out
    if opened is None:
        return 1
    db_path = opened
    warmup.expect()  # jobs other than the library's load wait for the model libraries
    window = MainWindow(db_path)
    if is_read_only(db_path):
        window.setWindowTitle(f"{window.windowTitle()} (read-only library)")
    warm_up_after_load(window)
    window.show()
    code = app.exec()
    # Qt's own threads (the preview's FFmpeg) may still log while Python shuts down: to
    # Qt's default handler then, not into a Python function mid-teardown (a crash seen once).
    qInstallMessageHandler(None)
    return code
