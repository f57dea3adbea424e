"""The track table people can read: at 1280x800 the names and genres get room, at 1024x640
the genre columns are still on screen, the user's columns come back after a restart, and
untagged tracks show names from their path, muted."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

import main
from gui.item_models.track_table import GUESSED_COLOR, Column, guessed_names
from gui.main_window import MainWindow
from gui.settings import AppSettings
from gui.widgets.views import TrackView
from tests.gui.conftest import wait_idle


@pytest.fixture
def scanned(db_path: Path, music: Path) -> Path:
    """The music folder scanned (not classified) into the library by the CLI."""
    assert main.main(["--db", str(db_path), "scan", "--quiet", str(music)]) == 1  # broken.flac
    return db_path


@pytest.fixture
def open_window(qtbot: QtBot, settings: AppSettings) -> Callable[..., MainWindow]:
    def open_at(db_path: Path, width: int, height: int) -> MainWindow:
        window = MainWindow(db_path, settings, rescan_on_start=False)
        qtbot.addWidget(window)
        window.resize(width, height)  # before showing, as a window manager would
        window.show()
        qtbot.waitExposed(window)
        wait_idle(qtbot, window)
        qtbot.waitUntil(lambda: not window.track_view.first_layout_pending)
        return window

    return open_at


def visible_width(view: TrackView, column: Column) -> int:
    """How many pixels of a column one sees without scrolling."""
    header = view.horizontalHeader()
    if header.isSectionHidden(column):
        return 0
    left = header.sectionViewportPosition(column)
    right = min(left + header.sectionSize(column), view.viewport().width())
    return max(0, right - max(left, 0))


def test_at_1280x800_titles_and_genres_are_readable(open_window, scanned: Path) -> None:  # type: ignore[no-untyped-def]
    view = open_window(scanned, 1280, 800).track_view
    assert visible_width(view, Column.TITLE) >= 150
    assert visible_width(view, Column.PREDICTED) >= 150
    header = view.horizontalHeader()
    assert [header.logicalIndex(i) for i in range(2)] == [Column.TITLE, Column.ARTIST]
    for column in (Column.ARTIST, Column.CONFIDENCE, Column.STATUS):  # whole, header unclipped
        assert visible_width(view, column) == header.sectionSize(column)
        assert header.sectionSize(column) >= header.sectionSizeFromContents(column).width()
    assert view.horizontalScrollBar().maximum() == 0  # nothing shown is off to the side


def test_at_1024x640_genre_confidence_and_status_are_on_screen(open_window, scanned: Path) -> None:  # type: ignore[no-untyped-def]
    view = open_window(scanned, 1024, 640).track_view
    header = view.horizontalHeader()
    for column in (Column.PREDICTED, Column.CONFIDENCE, Column.STATUS):
        assert visible_width(view, column) == header.sectionSize(column) > 0
    assert visible_width(view, Column.TITLE) >= 100


def test_widths_order_and_sort_come_back_after_a_restart(  # type: ignore[no-untyped-def]
    qtbot: QtBot, open_window, scanned: Path
) -> None:
    window = open_window(scanned, 1280, 800)
    header = window.track_view.horizontalHeader()
    header.resizeSection(Column.ARTIST, 222)
    header.moveSection(header.visualIndex(Column.STATUS), 0)  # Status first
    header.setSectionHidden(Column.DURATION, False)  # from the header's menu
    window.track_view.sortByColumn(Column.TITLE, Qt.SortOrder.DescendingOrder)
    window.close()

    again = open_window(scanned, 1280, 800)
    header = again.track_view.horizontalHeader()
    assert header.sectionSize(Column.ARTIST) == 222
    assert header.logicalIndex(0) == Column.STATUS
    assert not header.isSectionHidden(Column.DURATION)
    assert (header.sortIndicatorSection(), header.sortIndicatorOrder()) == (
        Column.TITLE, Qt.SortOrder.DescendingOrder)
    titles = [again.proxy.index(r, Column.TITLE).data() for r in range(again.proxy.rowCount())]
    assert titles == sorted(titles, key=str.casefold, reverse=True)  # the rows, too


def test_untagged_tracks_show_file_and_folder_names_muted(open_window, scanned: Path, music: Path) -> None:  # type: ignore[no-untyped-def]
    window = open_window(scanned, 1280, 800)
    table = window.table
    (at,) = [i for i, r in enumerate(table.rows()) if r.path.endswith("jazz.00000.flac")]
    assert table.rows()[at].title is None and table.rows()[at].album is None  # no tags
    title, album = table.index(at, Column.TITLE), table.index(at, Column.ALBUM)
    assert title.data() == "jazz.00000.flac" and album.data() == "jazz"
    assert table.index(at, Column.ARTIST).data() == ""  # "Music" is the watched folder itself
    for index in (title, album):
        assert index.data(Qt.ItemDataRole.ForegroundRole) == GUESSED_COLOR
    assert table.index(at, Column.STATUS).data(Qt.ItemDataRole.ForegroundRole) != GUESSED_COLOR


def test_guessed_names_stop_at_the_watched_folder() -> None:
    path = "/home/a/Music/Miles Davis/Kind of Blue/01 So What.flac"
    assert guessed_names(path, "/home/a/Music") == ("01 So What.flac", "Miles Davis", "Kind of Blue")
    assert guessed_names(path, "/home/a/Music/Miles Davis") == ("01 So What.flac", "", "Kind of Blue")
    assert guessed_names(path, "/home/a/Music/Miles Davis/Kind of Blue") == ("01 So What.flac", "", "")
    assert guessed_names("/m/x.flac", None) == ("x.flac", "", "m")
