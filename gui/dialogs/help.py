"""The Help menu: keyboard shortcuts (made from the actions table, so it cannot go stale), the
documentation, the log, and About (version, model in use, where the library lives)."""

from __future__ import annotations

from collections.abc import Iterable
from importlib import metadata
from pathlib import Path
from typing import Any

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QMenu,
    QMessageBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gui.dialogs.log_dialog import show_log
from library.db import DbLocation, shown_location

APP = "GenreLens"
DOCS = Path(__file__).resolve().parents[2] / "docs"  # in a source checkout; absent if installed
README = DOCS.parent / "README.md"


def app_version() -> str:
    """The installed package's version (from its metadata), or "unknown" in a bare checkout."""
    try:
        return metadata.version("genrelens")
    except metadata.PackageNotFoundError:
        return "unknown"


def about_text(version: str, model: tuple[str, str] | None, bundle: str | None,
               location: DbLocation) -> str:
    """What About says: version, the model in use and version, the library (password masked)."""
    if model is not None:
        in_use = f"{model[0]} {model[1]}"
    else:  # its bundle.json does not read
        in_use = f"{bundle or 'the default model'} (its bundle.json does not read)"
    return (f"{APP} {version}\n\nClassifies a music library by genre, on this computer.\n\n"
            f"Model in use: {in_use}\nLibrary: {shown_location(location)}")


def show_about(window: Any) -> QMessageBox:
    """Help → About: a window-modal box that does not block."""
    from workflows.classify_run import model_identity  # bundle.json only: no torch

    bundle = window.settings.classify_options().bundle
    model = model_identity(bundle)
    box = QMessageBox(QMessageBox.Icon.Information, f"About {APP}",
                      about_text(app_version(), model, bundle, window.db_path),
                      QMessageBox.StandardButton.Ok, window)
    box.setObjectName("aboutBox")
    box.open()
    return box


def shortcut_rows(actions: Iterable[tuple[str, str]], row_keys: Iterable[tuple[str, str]]
                  ) -> list[tuple[str, str]]:
    """(keys, what they do) per action with a shortcut, then the table rows' own keys."""
    rows = [(QKeySequence(keys).toString(QKeySequence.SequenceFormat.NativeText),
             text.replace("&", "").rstrip("…")) for text, keys in actions if keys]
    return rows + list(row_keys)


class ShortcutsDialog(QDialog):
    """Help → Keyboard Shortcuts: a two-column table."""

    def __init__(self, rows: list[tuple[str, str]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        self.table = QTableWidget(len(rows), 2, self)
        self.table.setHorizontalHeaderLabels(["Keys", "Does"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        for at, (keys, text) in enumerate(rows):
            self.table.setItem(at, 0, QTableWidgetItem(keys))
            self.table.setItem(at, 1, QTableWidgetItem(text))
        self.table.horizontalHeader().setSectionResizeMode(
            0, QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.resize(520, 480)

    def texts(self) -> list[tuple[str, str]]:
        """What the table lists, row by row (for a test, or a copy)."""
        cells = [[self.table.item(r, c) for c in (0, 1)] for r in range(self.table.rowCount())]
        return [(keys.text(), does.text()) for keys, does in cells if keys and does]


def open_docs(window: Any) -> bool:
    """Help → Documentation: the docs folder (else the README) in the desktop's viewer."""
    target = DOCS if DOCS.is_dir() else README if README.is_file() else None
    if target is None:
        window.statusBar().showMessage("The documentation is not installed with this copy: "
                                       "see the project's README online", 8000)
        return False
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(target)))


HELP_KEYS = {"Keyboard Shortcuts": "Ctrl+/", "Documentation": "F1"}


def add_help_menu(window: Any, shortcuts: list[tuple[str, str]]) -> QMenu:
    """The Help menu, in the window's menu bar; `shortcuts` are the other keys to list."""
    menu = window.menuBar().addMenu("&Help")
    menu.setObjectName("helpMenu")
    listed = shortcuts + shortcut_rows(((t, k) for t, k in HELP_KEYS.items()), ())
    entries = (("&Keyboard Shortcuts", lambda: _open(ShortcutsDialog(listed, window))),
               ("&Documentation", lambda: open_docs(window)),
               ("Show &Log…", lambda: show_log(window)),
               (f"&About {APP}", lambda: show_about(window)))
    for text, slot in entries:
        action = menu.addAction(text)
        action.setShortcut(QKeySequence(HELP_KEYS.get(text.replace("&", ""), "")))
        action.triggered.connect(slot)
    menu.insertSeparator(menu.actions()[-1])
    return menu


def _open(dialog: QDialog) -> QDialog:
    dialog.setObjectName("shortcutsDialog")
    dialog.show()
    return dialog
