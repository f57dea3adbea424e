"""The sidebar does not move under the mouse: while a job changes the counts, its entries stay
where they are and the chosen one stays chosen. Real files, real scans, the real window."""

from __future__ import annotations

import shutil
from pathlib import Path

from mutagen.flac import FLAC
from PySide6.QtCore import QModelIndex, QPoint
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from gui import jobs
from gui.item_models.sidebar import COUNT_ROLE, KEY_ROLE
from gui.main_window import MainWindow
from library.categories import Category
from tests.gui.conftest import wait_idle


def _copy(shared_data: Path, music: Path, genre: str, n: int, tag: str) -> Path:
    path = Path(shutil.copy(shared_data / "gtzan-mini" / genre / f"{genre}.0000{n}.flac", music))
    _tag(path, tag)
    return path


def _tag(path: Path, genre: str) -> None:
    audio = FLAC(path)
    audio["genre"] = genre
    audio.save()


def _tag_entries(window: MainWindow) -> list[tuple[str, int]]:
    group = window.sidebar_model.tags
    return [(group.child(r).text(), group.child(r).data(COUNT_ROLE))
            for r in range(group.rowCount())]


def _index_of(window: MainWindow, genre: str) -> QModelIndex:
    group = window.sidebar_model.tags
    row = next(r for r in range(group.rowCount()) if group.child(r).text() == genre)
    return group.child(row).index()


def _chosen(window: MainWindow) -> object:
    return window.sidebar.currentIndex().data(KEY_ROLE)


def test_entries_stay_put_under_the_mouse_while_counts_change(  # type: ignore[no-untyped-def]
    qtbot: QtBot, make_window, db_path: Path, tmp_path: Path, shared_data: Path
) -> None:
    music = tmp_path / "Music"
    music.mkdir()
    blues = _copy(shared_data, music, "blues", 0, "Blues")
    for n in range(2):
        _copy(shared_data, music, "jazz", n, "Jazz")
    window: MainWindow = make_window(db_path)
    window.add_folders([str(music)])
    window.runner.cancel(jobs.CLASSIFY)  # the model is not this test's business
    wait_idle(qtbot, window)
    assert _tag_entries(window) == [("Blues", 1), ("Jazz", 2)]
    jazz = _index_of(window, "Jazz")
    window.sidebar.setCurrentIndex(jazz)  # the Jazz view
    assert window.proxy.rowCount() == 2
    place = window.sidebar.visualRect(jazz)
    QTest.mouseMove(window.sidebar.viewport(), place.center())  # the pointer on Jazz
    qtbot.waitUntil(lambda: window.sidebar_model.held)

    _tag(blues, "Afrobeat")  # a genre that sorts first arrives, Blues empties ...
    _copy(shared_data, music, "jazz", 2, "Jazz")  # ... and Jazz grows
    window.rescan(classify_after=False)
    wait_idle(qtbot, window)
    assert _tag_entries(window) == [("Blues", 0), ("Jazz", 3)]  # counts in place, no move
    assert window.sidebar.visualRect(_index_of(window, "Jazz")) == place
    assert window.sidebar.indexAt(place.center()).data(KEY_ROLE) == (Category.TAG, "Jazz")
    assert _chosen(window) == (Category.TAG, "Jazz") and window.proxy.rowCount() == 3

    QTest.mouseMove(window.track_view.viewport(), QPoint(5, 5))  # the pointer leaves
    qtbot.waitUntil(lambda: not window.sidebar_model.held)
    assert _tag_entries(window) == [("Afrobeat", 1), ("Jazz", 3)]  # now in order
    assert _chosen(window) == (Category.TAG, "Jazz")  # still the chosen view

    window.sidebar.setCurrentIndex(_index_of(window, "Afrobeat"))
    _tag(blues, "Blues")  # the chosen genre empties while the user is in it
    window.rescan(classify_after=False)
    wait_idle(qtbot, window)
    assert _tag_entries(window) == [("Afrobeat", 0), ("Blues", 1), ("Jazz", 3)]
    assert _chosen(window) == (Category.TAG, "Afrobeat") and window.proxy.rowCount() == 0
