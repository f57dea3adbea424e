"""What a new user meets: the first-run offer, a click that visibly starts a scan, text that
is not cut off, and Remove Folder asking before it forgets anything."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

import gui.main_window
from gui.dialogs.remove_folder import what_goes
from gui.settings import AppSettings
from gui.widgets.views import EmptyState
from library.records import BrowseRow
from tests.gui.conftest import wait_idle


def test_the_music_folder_is_offered_only_when_it_exists(qtbot: QtBot, tmp_path: Path) -> None:
    missing = EmptyState(tmp_path / "Music")
    qtbot.addWidget(missing)
    assert missing.button.text() == "Add a folder…"
    assert not missing.other.isVisibleTo(missing)
    with qtbot.waitSignal(missing.add_clicked) as clicked:
        missing.button.click()
    assert clicked.args == [""]  # "": the folder chooser
    (tmp_path / "Music").mkdir()
    present = EmptyState(tmp_path / "Music")
    qtbot.addWidget(present)
    assert present.button.text() == f"Add your Music folder ({tmp_path / 'Music'})"
    with qtbot.waitSignal(present.add_clicked) as clicked:
        present.button.click()
    assert clicked.args == [str(tmp_path / "Music")]


def test_the_empty_state_text_is_not_cut_off(qtbot: QtBot, tmp_path: Path) -> None:
    empty = EmptyState(tmp_path)
    qtbot.addWidget(empty)
    empty.resize(780, 660)
    empty.show()
    qtbot.waitExposed(empty)
    text = empty.text
    assert text.height() >= text.heightForWidth(text.width())  # every wrapped line fits


def test_adding_the_music_folder_starts_a_scan_you_can_see(  # type: ignore[no-untyped-def]
    qtbot: QtBot, make_window, db_path: Path, music: Path, quick_classify: AppSettings,
    monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(gui.main_window, "user_music_path", lambda: music)
    window = make_window(db_path)
    assert window.stack.currentWidget() is window.empty
    with qtbot.waitSignal(window.runner.started, check_params_cb=lambda w: w.name == "scan"):
        window.empty.button.click()
    assert window.stack.currentWidget() is window.browser  # at once, not after the scan
    assert "scanning" in window.statusBar().currentMessage()
    wait_idle(qtbot, window, timeout=300_000)
    assert window.table.rowCount() == 8


def test_remove_folder_asks_and_cancel_keeps_everything(  # type: ignore[no-untyped-def]
    qtbot: QtBot, make_window, db_path: Path, music: Path, quick_classify: AppSettings
) -> None:
    window = make_window(db_path)
    window.add_folders([str(music)])
    wait_idle(qtbot, window, timeout=300_000)
    (action,) = window.remove_folder_menu.actions()
    action.trigger()
    question = window.removal_question
    assert question is not None and question.isVisible()
    classified = sum(r.confidence is not None for r in window.table.rows())
    assert classified > 0
    assert str(music.resolve()) in question.text()
    assert f"its 8 tracks and their {classified} genre predictions" in question.informativeText()
    question.reject()  # Cancel, Esc or the window's close button
    wait_idle(qtbot, window)
    assert window.table.rowCount() == 8 and len(window.folders) == 1


def test_what_goes_names_tracks_predictions_and_labels() -> None:
    rows = [BrowseRow(id=1, path="/m/a.flac", status="ok", folder_id=1, confidence=0.5),
            BrowseRow(id=2, path="/m/b.flac", status="ok", folder_id=1, user_genres=("Jazz",)),
            BrowseRow(id=3, path="/n/c.flac", status="ok", folder_id=2, confidence=0.9)]
    assert what_goes(1, rows) == ("its 2 tracks, their 1 genre prediction and the genres you "
                                  "set by hand for 1 track")
    assert what_goes(2, rows) == "its 1 track and their 1 genre prediction"
    assert what_goes(3, rows) == "its 0 tracks"
