"""At start: a library that cannot be opened is explained, with a way out.

The words come from library.db_errors (the CLI prints the same); the dialog offers to open
another library, to move a damaged one aside and start afresh (the file is renamed, never
deleted), to try again (a busy library), or to quit.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMessageBox, QPushButton, QWidget

from library.db import create_db_engine
from library.db_errors import DbProblem, explain, move_aside
from library.write_lock import file_for, holder

Ask = Callable[[DbProblem, Path], str]  # -> "open" | "move" | "retry" | "quit"
Pick = Callable[[Path], Path | None]


class DatabaseProblemDialog(QMessageBox):
    """The problem in words and the choices that make sense for it."""

    def __init__(self, problem: DbProblem, path: Path, parent: QWidget | None = None) -> None:
        super().__init__(QMessageBox.Icon.Warning, "GenreLens cannot open the library",
                         problem.message, parent=parent)
        self.setInformativeText(f"Library file: {path}")
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


def ask_user(problem: DbProblem, path: Path) -> str:
    """Show the dialog modally; the user's choice."""
    dialog = DatabaseProblemDialog(problem, path)
    dialog.exec()
    return dialog.choice()


def pick_library(path: Path) -> Path | None:
    """A file dialog for another (or a new) library file."""
    chosen, _ = QFileDialog.getSaveFileName(
        None, "Open or create a library", str(path.parent), "GenreLens library (*.sqlite3)",
        options=QFileDialog.Option.DontConfirmOverwrite)
    return Path(chosen) if chosen else None


def open_library(path: Path, ask: Ask = ask_user, pick: Pick = pick_library) -> Path | None:
    """The library to open: `path`, or what the user chose instead; None to quit."""
    while True:
        try:
            create_db_engine(path).dispose()  # create or migrate before any window shows
            return path
        except Exception as error:
            problem = explain(error, str(path), holder(file_for(path)))
            if problem is None:
                raise
            choice = ask(problem, path)
        if choice == "open":
            path = pick(path) or path
        elif choice == "move":
            move_aside(path)
        elif choice != "retry":
            return None
