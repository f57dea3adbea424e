"""Start the Qt application."""

from __future__ import annotations

import gc
import importlib
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QMessageLogContext, QRect, Qt, QtMsgType, qInstallMessageHandler
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QApplication, QSplashScreen

from gui.main_window import MainWindow
from gui.theme import apply_theme
from gui.dialogs.db_problem import open_library
from library.db import is_read_only
from resources import RESOURCES_DIR

# What the workers import. Importing these in a worker while the window runs holds the
# interpreter lock for 0.1-0.6 s at a time (mapping libtorch, unmarshalling large modules,
# building mutagen's classes), so the GUI froze for up to 638 ms when the first classification
# began and 192 ms when the first scan did (bench/gui_stall.py). Imported up front, before the
# window shows, they cost nothing later.
WORKER_MODULES = ("workflows.classify", "classifier.bundle", "classifier.features",
                  "gui.colormap", "library.scanner", "library.tagwriter", "library.tag_history")


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


def load_worker_modules() -> None:
    """Import everything the scan, classify, tag and spectrogram workers need, on this thread,
    then move the objects made so far out of the garbage collector's sight."""
    for name in WORKER_MODULES:
        importlib.import_module(name)
    # Those ~220,000 objects live as long as the app. A full collection, which any thread's
    # allocations can trigger, walks them all with the interpreter lock held: 170 ms here, a
    # GUI stall. Frozen, a full collection walks only what came later.
    gc.collect()
    gc.freeze()


def splash_picture() -> QPixmap:
    """The theme's background, the icon and the app's name."""
    pixmap = QPixmap(360, 220)
    pixmap.fill(QColor("#17191f"))
    painter = QPainter(pixmap)
    painter.drawPixmap(130, 28, QIcon(str(RESOURCES_DIR / "genrelens.svg")).pixmap(100, 100))
    font = QFont(painter.font())
    font.setPointSize(16)
    painter.setFont(font)
    painter.setPen(QColor("#e6e9ef"))
    painter.drawText(QRect(0, 136, 360, 32), Qt.AlignmentFlag.AlignCenter, "GenreLens")
    painter.end()
    return pixmap


def show_splash(app: QApplication) -> QSplashScreen:
    """A splash screen saying what the wait is for, while the model libraries load."""
    splash = QSplashScreen(splash_picture())
    splash.showMessage("Loading the genre model…",
                       Qt.AlignmentFlag.AlignBottom | Qt.AlignmentFlag.AlignHCenter,
                       QColor("#7c8595"))
    splash.show()
    app.processEvents()  # paint it now: the imports that follow keep this thread busy
    return splash


def run_gui(db_path: Path, argv: Sequence[str]) -> int:
    """Show the main window and run the event loop until it closes."""
    qInstallMessageHandler(log_qt_message)
    sys.excepthook = log_uncaught
    app = QApplication.instance() or QApplication(list(argv))
    app.setApplicationName("GenreLens")
    app.setOrganizationName("GenreLens")
    app.setDesktopFileName("genrelens")
    apply_theme(app)  # type: ignore[arg-type]
    opened = open_library(db_path)  # a damaged, newer or busy library: explained, a way out
    if opened is None:
        return 1
    db_path = opened
    splash = show_splash(app)  # type: ignore[arg-type]
    load_worker_modules()
    window = MainWindow(db_path)
    if is_read_only(db_path):
        window.setWindowTitle(f"{window.windowTitle()} (read-only library)")
    window.show()
    splash.finish(window)
    return app.exec()
