"""A tag write that could not change some files says so in the window, file by file, instead
of "finished": real GTZAN copies (one of them read-only, as a file copied from a read-only
share is), a real SQLite library, the real window, workers and tag writer, and Undo after."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from tests.gui.conftest import wait_idle
from tests.gui.test_write_scope import labelled, md5s, planned, show_genre  # noqa: F401 (fixture)


def test_a_write_names_the_files_it_could_not_change(  # type: ignore[no-untyped-def]
    qtbot: QtBot, make_window, db_path: Path, labelled: Path  # noqa: F811
) -> None:
    locked = labelled / "jazz" / "jazz.00001.flac"
    locked.chmod(0o444)
    before = md5s(labelled)
    window = make_window(db_path)
    show_genre(qtbot, window, "Jazz")
    dialog = window.open_write_dialog()
    assert len(planned(qtbot, dialog, 3)) == 3
    qtbot.waitUntil(dialog.apply.isEnabled)
    dialog.apply.click()
    wait_idle(qtbot, window)

    changed = {p for p, digest in md5s(labelled).items() if before[p] != digest}
    assert changed == {labelled / "jazz" / f"jazz.0000{n}.flac" for n in (0, 2)}
    box = window.batch_report.box
    assert isinstance(box, QMessageBox) and box.isVisible()
    assert box.text().startswith("Wrote genres to 2 files (batch ")
    assert "jazz.00001.flac" in box.informativeText()
    assert "read-only" in box.informativeText()  # the reason, in words
    status = window.statusBar().currentMessage()
    assert status.startswith("Wrote genres to 2 files") and "1 could not be changed" in status
    box.close()

    window.undo_last_write()
    wait_idle(qtbot, window)
    assert md5s(labelled) == before  # undo gives back every byte
    assert window.statusBar().currentMessage().startswith("Put back the genres of 2 files")
