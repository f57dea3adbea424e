"""At start: a library that cannot be opened is explained, with a way out.

The words come from library.db_errors (the CLI prints the same); the dialog offers to open
another library (a file, or a server URL typed in), to move a damaged one aside and start
afresh (the file is renamed, never deleted), to try again (a busy library), or to quit.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from library.db import DbLocation, create_db_engine, db_location, is_url, shown_location
from library.db_errors import DbProblem, explain, lock_holder, move_aside

Ask = Callable[[DbProblem, DbLocation], str]  # -> "open" | "move" | "retry" | "quit"
Pick = Callable[[DbLocation], DbLocation | None]


class DatabaseProblemDialog(QMessageBox):
    """The problem in words and the choices that make sense for it."""

    def __init__(self, problem: DbProblem, path: DbLocation,
                 parent: QWidget | None = None) -> None:
        super().__init__(QMessageBox.Icon.Warning, "GenreLens cannot open the library",
                         problem.message, parent=parent)
        kind = "Library server" if is_url(path) else "Library file"
        self.setInformativeText(f"{kind}: {shown_location(path)}")  # never the password
        self.choices: dict[object, str] = {}
        self._add("Open Another Library…", QMessageBox.ButtonRole.AcceptRole, "open")
        if problem.can_move_aside:
            self._add("Move It Aside and Start Afresh", QMessageBox.ButtonRole.ActionRole,
                      "move")
        if problem.kind == "locked":
            self._add("Try Again", QMessageBox.ButtonRole.ActionRole, "retry")
        self.setEscapeButton(self._add("Quit", QMessageBox.ButtonRole.RejectRole, "quit"))

    def _add(self, text: str, role: QMessageBox.ButtonRole, choice: str) -> QPushButton:
        button = self.addButton(text, role)
        self.choices[button] = choice
        return button

    def choice(self) -> str:
        """What the user picked (after exec)."""
        return self.choices.get(self.clickedButton(), "quit")


def ask_user(problem: DbProblem, path: DbLocation) -> str:
    """Show the dialog modally; the user's choice."""
    dialog = DatabaseProblemDialog(problem, path)
    dialog.exec()
    return dialog.choice()


class LibraryChooser(QDialog):
    """Another library: a file (typed or browsed for, created if new) or a server URL."""

    def __init__(self, current: DbLocation, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Open or create a library")
        self.current = current
        self.edit = QLineEdit(str(current) if not is_url(current) else "")
        self.edit.setPlaceholderText("/path/library.sqlite3 or postgresql+psycopg://user@host/db")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.edit)
        row.addWidget(browse)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Open
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("A library file, or the URL of a library on a server:"))
        layout.addLayout(row)
        layout.addWidget(buttons)

    def _browse(self) -> None:
        start = Path(self.edit.text()).parent if self.edit.text() and not is_url(
            self.edit.text()) else Path.home()
        chosen, _ = QFileDialog.getSaveFileName(
            self, "Open or create a library", str(start), "GenreLens library (*.sqlite3)",
            options=QFileDialog.Option.DontConfirmOverwrite)
        if chosen:
            self.edit.setText(chosen)

    def location(self) -> DbLocation | None:
        """What was typed or picked (a file path or a URL), None when nothing was."""
        text = self.edit.text().strip()
        return db_location(text) if text else None


def pick_library(path: DbLocation) -> DbLocation | None:
    """Ask for another (or a new) library: a file or a server URL; None when cancelled."""
    dialog = LibraryChooser(path)
    return dialog.location() if dialog.exec() == QDialog.DialogCode.Accepted else None


def open_library(path: DbLocation, ask: Ask = ask_user,
                 pick: Pick = pick_library) -> DbLocation | None:
    """The library to open: `path`, or what the user chose instead; None to quit."""
    while True:
        try:
            create_db_engine(path).dispose()  # create or migrate before any window shows
            return path
        except Exception as error:
            problem = explain(error, str(path), lock_holder(path))
            if problem is None:
                raise
            choice = ask(problem, path)
        if choice == "open":
            path = pick(path) or path
        elif choice == "move":
            move_aside(path)
        elif choice != "retry":
            return None
