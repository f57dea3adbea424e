"""Help → Show Log shows the newest lines of the log file the app writes."""

from __future__ import annotations

import logging
from pathlib import Path

from pytestqt.qtbot import QtBot

from gui.dialogs.log_dialog import LogDialog, log_tail
from workflows.logs import log_file, setup_logging


def test_help_show_log_shows_the_log_files_newest_lines(  # type: ignore[no-untyped-def]
    qtbot: QtBot, make_window, db_path: Path
) -> None:
    setup_logging()
    logging.getLogger("tests").warning("the line to find")
    for handler in logging.getLogger().handlers:
        handler.flush()
    window = make_window(db_path)
    (help_menu,) = [a.menu() for a in window.menuBar().actions() if a.text() == "&Help"]
    (show,) = [a for a in help_menu.actions() if a.text() == "Show &Log…"]
    show.trigger()
    (dialog,) = window.findChildren(LogDialog)
    assert dialog.path == log_file() is not None
    assert "the line to find" in dialog.text.toPlainText()
    dialog.close()


def test_log_tail_keeps_whole_lines_and_says_when_there_is_no_file(tmp_path: Path) -> None:
    path = tmp_path / "x.log"
    path.write_text("".join(f"line {i}\n" for i in range(1000)))
    tail = log_tail(path, limit=100)
    assert tail.endswith("line 999\n") and tail.splitlines()[0].startswith("line ")
    assert len(tail) <= 100
    assert "no log file" in log_tail(None)
    assert "Cannot read" in log_tail(tmp_path / "missing.log")


def test_qt_messages_go_to_the_log_not_the_terminal(caplog) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import qInstallMessageHandler, qWarning

    from gui.app import log_qt_message

    previous = qInstallMessageHandler(log_qt_message)
    try:
        with caplog.at_level(logging.DEBUG, logger="qt"):
            qWarning("a plugin could not be loaded")
    finally:
        qInstallMessageHandler(previous)
    (record,) = [r for r in caplog.records if r.name == "qt"]
    assert record.levelno == logging.INFO  # the file has it; the terminal only with --verbose
    assert "a plugin could not be loaded" in record.getMessage()
