"""Help → Show Log: the end of the app's log file, where it is, and a way to open its folder."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices, QFontDatabase, QTextCursor
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from workflows.logs import log_file

TAIL_BYTES = 256 * 1024  # the newest runs; the file itself holds up to 1 MB


def log_tail(path: Path | None, limit: int = TAIL_BYTES) -> str:
    """The last `limit` bytes of the log as text, or why there is nothing to show."""
    if path is None:
        return "This run writes no log file (its folder could not be written)."
    try:
        with path.open("rb") as f:
            size = f.seek(0, 2)
            f.seek(max(0, size - limit))
            data = f.read()
    except OSError as exc:
        return f"Cannot read {path}: {exc.strerror or exc}"
    text = data.decode("utf-8", "replace")
    return text.split("\n", 1)[-1] if size > limit else text  # no half first line


class LogDialog(QDialog):
    """Shows the log read-only, newest lines in view, to copy into a bug report."""

    def __init__(self, path: Path | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("GenreLens log")
        self.resize(900, 560)
        self.path = path
        where = QLabel(f"Log file: {path}" if path else "No log file", wordWrap=True)
        where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.text = QPlainTextEdit(readOnly=True)
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.text.setPlainText(log_tail(path))
        self.text.moveCursor(QTextCursor.MoveOperation.End)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        if path is not None:
            folder = buttons.addButton("Open Folder", QDialogButtonBox.ButtonRole.ActionRole)
            folder.clicked.connect(self.open_folder)
        layout = QVBoxLayout(self)
        for widget in (where, self.text, buttons):
            layout.addWidget(widget)

    def open_folder(self) -> bool:
        """Show the log's folder in the desktop's file manager."""
        assert self.path is not None
        return QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.path.parent)))


def show_log(parent: QWidget) -> LogDialog:
    """Help → Show Log: the log this run writes, in a dialog that deletes itself on close."""
    dialog = LogDialog(log_file(), parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    return dialog
