"""Rows behave like a music app's (issue #23): Enter or a double-click plays the row in the
preview player, Space pauses, a context menu acts on the rows, playlists export the view or the
selection, an optional Folder column, and the Help menu. Real files, a real SQLite library, the
real window offscreen (Qt Multimedia plays with no audio device: its state is checked)."""

from __future__ import annotations

import shutil
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest
from mutagen.flac import FLAC
from PySide6.QtCore import QItemSelectionModel, QPoint, QRect, Qt, QTimer, QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QApplication, QFileDialog, QMenu, QMessageBox
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from gui import jobs
from gui.dialogs.help import ShortcutsDialog, about_text, app_version
from gui.dialogs.set_genre import SetGenreDialog
from gui.dialogs.tag_write import TagWriteDialog
from gui.item_models.track_table import Column
from gui.main_window import MainWindow
from gui.widgets import table_layout
from library.categories import Category
from library.db import create_db_engine, session_factory
from library.models import Track
from tests.gui.conftest import wait_idle

TAGGED = ("jazz.00000.flac", "jazz.00001.flac", "jazz.00002.flac")


@pytest.fixture
def window(qtbot: QtBot, make_window: Callable[..., MainWindow], db_path: Path, tmp_path: Path,
           shared_data: Path) -> MainWindow:
    """Three jazz clips tagged Jazz and one blues clip, scanned (not classified)."""
    music = tmp_path / "Music"
    for folder, names in (("jazz", TAGGED), ("blues", ("blues.00000.flac",))):
        (music / folder).mkdir(parents=True)
        for name in names:
            copy = Path(shutil.copy(shared_data / "gtzan-mini" / folder / name, music / folder))
            audio = FLAC(copy)
            audio["genre"] = folder.capitalize()
            audio.save()
    window = make_window(db_path)
    window.resize(1280, 800)
    window._start(jobs.SCAN, jobs.scan_folders([str(music)], model=window.model()))
    wait_idle(qtbot, window)
    assert window.table.rowCount() == 4
    return window


def _at(window: MainWindow, row: int) -> QPoint:
    return window.track_view.visualRect(window.proxy.index(row, Column.TITLE)).center()


def _path(window: MainWindow, row: int) -> str:
    return window.proxy.row(row).path


def _entry(menu: QMenu, text: str):  # type: ignore[no-untyped-def]
    found = [a for a in menu.actions() if a.text().replace("&", "") == text]
    assert found, [a.text() for a in menu.actions()]
    return found[0]


def test_double_click_and_enter_play_and_space_pauses_only_in_the_table(
    qtbot: QtBot, window: MainWindow
) -> None:
    view, player = window.track_view, window.details.player
    assert player.media is not None, "Qt Multimedia loads here"
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=_at(window, 0))
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=_at(window, 0))
    # QTest's double-click leaves the button down in Qt's eyes (mouseButtons() says so): the
    # release a real mouse sends, or the next test's window sees no hover (an implicit grab).
    qtbot.mouseRelease(view.viewport(), Qt.MouseButton.LeftButton, pos=_at(window, 0))
    assert QApplication.mouseButtons() == Qt.MouseButton.NoButton
    qtbot.waitUntil(player.is_playing, timeout=10000)
    assert player.media.source() == QUrl.fromLocalFile(_path(window, 0))

    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: not player.is_playing(), timeout=5000)
    assert view.selectionModel().isRowSelected(0)  # Space paused; it did not touch the selection
    qtbot.keyClick(view, Qt.Key.Key_Space)
    qtbot.waitUntil(player.is_playing, timeout=5000)

    window.search.setFocus()  # typing a space in the search box is typing
    qtbot.keyClick(window.search, Qt.Key.Key_Space)
    assert window.search.text() == " " and player.is_playing()
    window.search.clear()

    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Down)  # the next row, then Enter
    qtbot.keyClick(view, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: player.media.source() == QUrl.fromLocalFile(_path(window, 1))
                    and player.is_playing(), timeout=10000)
    assert window.details.track_id == window.proxy.row(1).id


@pytest.mark.parametrize("size", [(1280, 800), (1024, 640)])
def test_the_player_is_in_sight_when_a_row_plays(qtbot: QtBot, window: MainWindow,
                                                 size: tuple[int, int]) -> None:
    window.resize(*size)
    qtbot.wait(50)
    window.track_view.selectRow(0)
    window.details.verticalScrollBar().setValue(window.details.verticalScrollBar().maximum())
    assert window.row_actions.play_index(window.proxy.index(0, 0))
    qtbot.wait(50)
    viewport, player = window.details.viewport(), window.details.player
    where = QRect(player.mapTo(viewport, QPoint(0, 0)), player.size())
    assert viewport.rect().contains(where), (size, where, viewport.rect())


def test_the_row_menu_copies_opens_and_scopes_to_the_rows(
    qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    view = window.track_view
    view.selectRow(0)
    menu = window.row_actions.show_menu(_at(window, 2))  # outside the selection: it is selected
    assert [i.row() for i in view.selectionModel().selectedRows()] == [2]
    assert [a.text().replace("&", "") for a in menu.actions() if a.text()] == [
        "Play", "Open Containing Folder", "Copy Path", "Set Genre…", "Write Tags for These…",
        "More Like This", "Export as Playlist…", "Forget…"]
    assert not _entry(menu, "Forget…").isEnabled()  # the file is there
    _entry(menu, "Copy Path").trigger()
    assert QGuiApplication.clipboard().text() == _path(window, 2)

    opened: list[QUrl] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    _entry(menu, "Open Containing Folder").trigger()
    assert opened == [QUrl.fromLocalFile(str(Path(_path(window, 2)).parent))]

    _entry(menu, "Play").trigger()
    qtbot.waitUntil(window.details.player.is_playing, timeout=10000)

    _entry(menu, "Write Tags for These…").trigger()
    dialogs = [d for d in window.findChildren(TagWriteDialog) if d.isVisible()]
    assert len(dialogs) == 1 and dialogs[0].scope.currentText() == "1 selected track"
    dialogs[0].close()
    wait_idle(qtbot, window)


def test_set_genre_from_the_row_menu_labels_those_rows(qtbot: QtBot, window: MainWindow) -> None:
    view = window.track_view
    view.selectRow(0)
    flags = QItemSelectionModel.SelectionFlag
    view.selectionModel().select(window.proxy.index(1, 0), flags.Select | flags.Rows)
    assert [i.row() for i in view.selectionModel().selectedRows()] == [0, 1]
    ids = {window.proxy.row(0).id, window.proxy.row(1).id}
    menu = window.row_actions.show_menu(_at(window, 1))  # in the selection: both stay
    assert _entry(menu, "Copy 2 Paths").isEnabled()

    def answer() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, SetGenreDialog)
        dialog.combo.setCurrentText("Cool Jazz")
        dialog.accept()

    QTimer.singleShot(200, answer)
    _entry(menu, "Set Genre…").trigger()
    wait_idle(qtbot, window)
    labelled = {r.id for r in window.table.rows() if r.user_genres == ("Cool Jazz",)}
    assert labelled == ids


def test_export_the_jazz_view_then_a_selection(
    qtbot: QtBot, window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    window.sidebar.category_chosen.emit(Category.TAG, "Jazz")
    window.proxy.sort(Column.TITLE, Qt.SortOrder.DescendingOrder)  # the view's order is kept
    window.track_view.clearSelection()
    shown = [window.proxy.row(r).path for r in range(window.proxy.rowCount())]
    assert len(shown) == 3 and all("/jazz/" in p for p in shown)
    asked: list[str] = []

    def save_as(parent: object, title: str, start: str, filters: str) -> tuple[str, str]:
        asked.append(title)
        return str(tmp_path / "jazz"), filters.split(";;")[0]  # no extension typed: .m3u8

    monkeypatch.setattr(QFileDialog, "getSaveFileName", save_as)
    window.row_actions.export_playlist()
    out = tmp_path / "jazz.m3u8"
    qtbot.waitUntil(out.exists, timeout=10000)
    wait_idle(qtbot, window)
    assert asked == ["Export 3 tracks whose tags say Jazz as a playlist"]
    lines = out.read_text("utf-8").splitlines()
    assert lines[0] == "#EXTM3U" and [x for x in lines if not x.startswith("#")] == shown
    assert "written to" in window.statusBar().currentMessage()

    window.track_view.selectRow(1)
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda *a: (str(tmp_path / "one.xspf"), "XSPF playlist (*.xspf)"))
    _entry(window.row_actions.build_menu(None, []), "Export as Playlist…").trigger()
    qtbot.waitUntil((tmp_path / "one.xspf").exists, timeout=10000)
    ns = "{http://xspf.org/ns/0/}"
    locations = [e.text for e in ET.parse(tmp_path / "one.xspf").iter(f"{ns}location")]
    assert locations == [QUrl.fromLocalFile(shown[1]).toString(QUrl.ComponentFormattingOption
                                                               .FullyEncoded)]
    if shutil.which("mpv"):  # a real player opens every entry of the M3U8, in order
        played = subprocess.run(
            ["mpv", "--no-config", "--ao=null", "--vo=null", "--no-audio-display",
             "--idle=no", f"--playlist={out}", "--length=0.2", "--msg-level=all=no,cplayer=v"],
            capture_output=True, text=True, timeout=120)
        opened = [line.removeprefix("[cplayer] Opening done: ")
                  for line in (played.stdout + played.stderr).splitlines()
                  if line.startswith("[cplayer] Opening done: ")]
        assert opened == shown, played.stdout + played.stderr


def _db_ids(db_path: Path) -> set[int]:
    engine = create_db_engine(db_path)
    with session_factory(engine)() as session:
        found = set(session.scalars(select(Track.id)))
    engine.dispose()
    return found


def test_forget_from_the_row_menu_asks_and_forgets_only_missing_files(
    qtbot: QtBot, window: MainWindow, db_path: Path
) -> None:
    gone = window.proxy.row(0)
    Path(gone.path).unlink()
    window.rescan(classify_after=False)
    wait_idle(qtbot, window)
    view = window.track_view
    shown = [window.proxy.row(r).id for r in range(window.proxy.rowCount())]
    at = window.proxy.index(shown.index(gone.id), 0)
    present = window.proxy.row(0 if at.row() else 1)
    view.selectAll()
    menu = window.row_actions.show_menu(view.visualRect(at).center())
    forget = _entry(menu, "Forget…")
    assert forget.isEnabled()

    forget.trigger()  # asked first: No changes nothing
    question = window.row_actions.question
    assert question is not None and "1 missing track" in question.text()
    question.button(QMessageBox.StandardButton.Cancel).click()
    wait_idle(qtbot, window)
    assert gone.id in _db_ids(db_path) and window.table.row_of(gone.id) is not None

    _entry(window.row_actions.show_menu(view.visualRect(at).center()), "Forget…").trigger()
    question = window.row_actions.question
    assert question is not None and question.forget_button is not None
    question.forget_button.click()
    wait_idle(qtbot, window)
    assert window.table.row_of(gone.id) is None
    assert _db_ids(db_path) == {r.id for r in window.table.rows()}
    assert present.id in _db_ids(db_path) and len(_db_ids(db_path)) == 3  # selected, kept


def test_folder_column_is_hidden_at_first_and_shown_from_the_header_menu(
    qtbot: QtBot, window: MainWindow
) -> None:
    view, header = window.track_view, window.track_view.horizontalHeader()
    qtbot.waitUntil(lambda: not view.first_layout_pending, timeout=5000)
    assert header.isSectionHidden(Column.FOLDER)
    menu = table_layout.column_menu(view, QPoint(0, 0))
    _entry(menu, "Folder").setChecked(True)
    assert not header.isSectionHidden(Column.FOLDER)
    assert window.proxy.index(0, Column.FOLDER).data() == str(Path(_path(window, 0)).parent)
    tip = window.proxy.headerData(Column.CONFIDENCE, Qt.Orientation.Horizontal,
                                  Qt.ItemDataRole.ToolTipRole)
    assert tip == "Confidence: how sure the model is; below 40% it is shown as uncertain"
    assert window.row_actions.legend.text() == tip


def test_help_menu_about_and_shortcuts(qtbot: QtBot, window: MainWindow, db_path: Path) -> None:
    help_menu = next(m for m in window.menuBar().findChildren(QMenu)
                     if m.objectName() == "helpMenu")
    assert [a.text().replace("&", "") for a in help_menu.actions() if a.text()] == [
        "Keyboard Shortcuts", "Documentation", "Show Log…", "About GenreLens"]
    _entry(help_menu, "About GenreLens").trigger()
    about = QApplication.activeModalWidget()
    assert isinstance(about, QMessageBox)
    assert app_version() in about.text() and str(db_path) in about.text()
    assert "Model in use: broad " in about.text()
    about.close()

    _entry(help_menu, "Keyboard Shortcuts").trigger()
    dialog = next(d for d in window.findChildren(ShortcutsDialog) if d.isVisible())
    listed = dict(dialog.texts())
    assert listed["Ctrl+K"] == "Classify" and listed["Ctrl+T"] == "Write Tags"
    assert listed["Space"].startswith("Pause") and "Play" in listed["Enter, double-click"]
    assert listed["Ctrl+/"] == "Keyboard Shortcuts"
    dialog.close()


def test_about_masks_a_server_password() -> None:
    text = about_text("1.2.3", ("broad", "2.0.0"), None,
                      "postgresql+psycopg://alice:s3cret@db.example/music")
    assert "GenreLens 1.2.3" in text and "broad 2.0.0" in text
    assert "s3cret" not in text and "alice:***@db.example/music" in text


def test_about_names_the_models_version_while_the_model_libraries_load(
        qtbot: QtBot, make_window: Callable[..., MainWindow], db_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from gui import warmup
    from gui.dialogs.help import show_about

    window = make_window(db_path)
    monkeypatch.setattr(warmup, "is_ready", lambda: False)  # torch not in yet: no matter
    box = show_about(window)
    assert "Model in use: broad 2.0.0" in box.text(), box.text()
    box.close()
