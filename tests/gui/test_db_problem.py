"""The start-up dialog for a library that cannot be opened: real files, a real dialog."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from gui.dialogs.db_problem import DatabaseProblemDialog, LibraryChooser, ask_user, open_library
from library.db import HEAD_USER_VERSION, create_db_engine
from library.db_errors import DbProblem
from tests.postgres_server import PgServer


def _click(text: str, seen: list[str]) -> None:
    """Once the modal dialog is up, note its text and press the button called `text`."""
    def press() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, DatabaseProblemDialog)
        seen.append(dialog.text())
        seen.extend(b.text() for b in dialog.buttons())
        next(b for b in dialog.buttons() if b.text() == text).click()
    QTimer.singleShot(0, press)


def test_a_corrupt_library_is_moved_aside_and_a_fresh_one_opens(
        qtbot: QtBot, tmp_path: Path) -> None:
    db = tmp_path / "library.sqlite3"
    db.write_text("not a database\n" * 100)
    seen: list[str] = []
    _click("Move It Aside and Start Afresh", seen)

    assert open_library(db, ask=ask_user) == db

    assert "is damaged or is not a GenreLens library" in seen[0]
    assert "Open Another Library…" in seen and "Quit" in seen
    [moved] = tmp_path.glob("library.sqlite3.damaged-*")
    assert moved.read_text().startswith("not a database")  # kept, not deleted
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == HEAD_USER_VERSION


def test_a_newer_library_offers_another_one(qtbot: QtBot, tmp_path: Path) -> None:
    db = tmp_path / "library.sqlite3"
    create_db_engine(db).dispose()
    conn = sqlite3.connect(db)
    conn.execute(f"PRAGMA user_version={HEAD_USER_VERSION + 5}")
    conn.close()
    other = tmp_path / "other.sqlite3"
    seen: list[str] = []
    _click("Open Another Library…", seen)

    assert open_library(db, ask=ask_user, pick=lambda _: other) == other
    assert "written by a newer GenreLens" in seen[0] and other.exists()


def test_quit_opens_nothing(qtbot: QtBot, tmp_path: Path) -> None:
    db = tmp_path / "library.sqlite3"
    db.write_bytes(b"\0" * 4096)
    assert open_library(db, ask=lambda problem, path: "quit") is None


def test_a_busy_library_offers_to_try_again(qtbot: QtBot) -> None:
    dialog = DatabaseProblemDialog(DbProblem("locked", "busy", 75), Path("x.sqlite3"))
    qtbot.addWidget(dialog)
    assert {b.text() for b in dialog.buttons()} == {"Open Another Library…", "Try Again",
                                                    "Quit"}


def test_a_read_only_library_opens_for_browsing(make_window, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from tests.test_db_errors import TRACKS, _filled
    from tests.test_write_hardening import _read_only_bind

    folder = tmp_path / "ro"
    folder.mkdir()
    db = _filled(folder / "library.sqlite3")
    with _read_only_bind(folder):
        assert open_library(db, ask=lambda problem, path: "quit") == db
        window = make_window(db)
        assert window.proxy.rowCount() == TRACKS


def test_a_second_tag_writer_is_told_who_holds_the_library() -> None:
    from library.db_errors import EXIT_BUSY, explain
    from library.write_lock import WriteLocked

    problem = explain(WriteLocked("another GenreLens is writing tags to this library "
                                  "(pid 7, writing tags); try again when it has finished"), "x")
    assert problem is not None and problem.exit_code == EXIT_BUSY
    assert "pid 7, writing tags" in problem.message


def _type_into_chooser(text: str, seen: list[str]) -> None:
    """Once the library chooser is up, note what it offers, type `text` and press Open."""
    def fill() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, LibraryChooser):  # the problem dialog is still closing
            QTimer.singleShot(10, fill)
            return
        seen.append(dialog.edit.text())
        dialog.edit.setText(text)
        dialog.accept()
    QTimer.singleShot(0, fill)


def test_a_server_that_cannot_be_reached_offers_another_library_by_url(
        qtbot: QtBot, pg_server: PgServer) -> None:
    unreachable = f"postgresql+psycopg://someone:s3cret@/genrelens?host={pg_server.base}/nowhere"
    reachable = pg_server.fresh_library()
    seen: list[str] = []

    def press_open() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, DatabaseProblemDialog)
        seen.extend([dialog.text(), dialog.informativeText()])
        _type_into_chooser(reachable, seen)
        next(b for b in dialog.buttons() if b.text() == "Open Another Library…").click()
    QTimer.singleShot(0, press_open)

    assert open_library(unreachable, ask=ask_user) == reachable
    assert "cannot be reached" in seen[0] and seen[1].startswith("Library server: ")
    assert "s3cret" not in " ".join(seen)  # neither shown nor offered for editing
    assert seen[2] == ""


def test_the_chooser_takes_a_file_or_a_url(qtbot: QtBot, tmp_path: Path) -> None:
    chooser = LibraryChooser(tmp_path / "library.sqlite3")
    qtbot.addWidget(chooser)
    assert chooser.location() == tmp_path / "library.sqlite3"
    chooser.edit.setText("postgresql+psycopg://me@dbhost/music")
    assert chooser.location() == "postgresql+psycopg://me@dbhost/music"
    chooser.edit.setText(f"sqlite:///{tmp_path}/other.sqlite3")
    assert chooser.location() == tmp_path / "other.sqlite3"
    chooser.edit.setText("  ")
    assert chooser.location() is None


def test_a_malformed_url_typed_in_is_explained_without_its_password(
        qtbot: QtBot, tmp_path: Path) -> None:
    """The chooser takes whatever is typed; opening it explains the URL in words (a real
    dialog), and neither the words, the details nor the title show the password."""
    damaged = tmp_path / "library.sqlite3"
    damaged.write_text("not a database\n" * 100)
    malformed = "postgresql+psycopg://me:s3cret@dbhost:port/music"
    answers = iter(["open", "quit"])
    seen: list[str] = []

    def ask(problem: DbProblem, path: object) -> str:
        dialog = DatabaseProblemDialog(problem, path)  # type: ignore[arg-type]
        qtbot.addWidget(dialog)
        seen.extend([dialog.text(), dialog.informativeText(), dialog.windowTitle()])
        return next(answers)

    assert open_library(damaged, ask=ask, pick=lambda _: malformed) is None
    assert "is not a database URL GenreLens can read" in seen[3]
    assert seen[4] == "Library server: postgresql+psycopg://me:***@dbhost:port/music"
    assert "s3cret" not in " ".join(seen)
