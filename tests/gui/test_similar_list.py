"""The details pane's "Similar tracks" in the real window: a real library classified with the
shipped broad bundle, the list computed by a real worker, a real click on a line."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from pytestqt.qtbot import QtBot

import main
from gui.main_window import MainWindow
from gui.more_like_this import export_similar
from tests.gui.conftest import wait_idle


@pytest.fixture
def classified(tmp_path: Path, shared_data: Path) -> tuple[Path, Path]:
    """(music, library): 3 classical, 2 metal, 1 jazz clip classified; a blues clip not."""
    music, db = tmp_path / "Music", tmp_path / "lib.sqlite3"
    for genre, ids in (("classical", (0, 1, 2)), ("metal", (0, 1)), ("jazz", (0,))):
        (music / genre).mkdir(parents=True)
        for i in ids:
            shutil.copy(shared_data / "gtzan-mini" / genre / f"{genre}.0000{i}.flac",
                        music / genre)
    assert main.main(["--db", str(db), "scan", "--quiet", str(music)]) == 0
    assert main.main(["--db", str(db), "classify", "--device", "cpu"]) == 0
    (music / "blues").mkdir()
    shutil.copy(shared_data / "gtzan-mini" / "blues" / "blues.00000.flac", music / "blues")
    assert main.main(["--db", str(db), "scan", "--quiet", str(music)]) == 0
    return music, db


def select(window: MainWindow, path: Path) -> int:
    """Select the row of the file at `path` as a click would; its track id."""
    ids = [window.table.row(r).id for r in range(window.table.rowCount())
           if window.table.row(r).path == str(path)]
    index = window.proxy.index(window.proxy.row_of(ids[0]) or 0, 0)
    window.track_view.selectionModel().setCurrentIndex(
        index, QItemSelectionModel.SelectionFlag.ClearAndSelect
        | QItemSelectionModel.SelectionFlag.Rows)
    return ids[0]


def test_similar_tracks_follow_the_selection_and_a_click_selects_one(
        qtbot: QtBot, make_window: Callable[..., MainWindow],
        classified: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    music, db = classified
    window = make_window(db)  # idle: the load, then the similar-tracks vectors read ahead
    from library import similarity

    def no_read(*_: object) -> None:
        raise AssertionError("the vectors were not read ahead after the load")

    monkeypatch.setattr(similarity, "embedding_matrix", no_read)
    pane = window.details.similar
    query = select(window, music / "classical" / "classical.00000.flac")
    qtbot.waitUntil(lambda: len(pane.ids()) == 5, timeout=30000)  # every other classified
    assert query not in pane.ids()
    paths = {window.table.row(window.table.row_of(i) or 0).path: i for i in pane.ids()}
    first = window.table.row(window.table.row_of(pane.ids()[0]) or 0)
    assert "/classical/" in first.path  # more like a classical track: classical first
    assert pane.list.item(0).text().endswith("(Classical)")
    assert str(music / "blues" / "blues.00000.flac") not in paths  # not classified

    out = music.parent / "like this.m3u8"  # what the save dialog would return
    assert pane.export.isEnabled()
    export_similar(window, str(out))
    qtbot.waitUntil(lambda: "written" in pane.caption.text(), timeout=30000)
    entries = [line for line in out.read_text("utf-8").splitlines() if not line.startswith("#")]
    listed = [window.table.row(window.table.row_of(i) or 0).path for i in pane.ids()]
    assert entries == [str(music / "classical" / "classical.00000.flac"), *listed]

    item = pane.list.item(1)
    chosen = pane.ids()[1]
    qtbot.mouseClick(pane.list.viewport(), Qt.MouseButton.LeftButton,
                     pos=pane.list.visualItemRect(item).center())
    assert window.track_view.current_track_id() == chosen
    assert window.track_view.selected_ids() == [chosen]
    assert window.details.track_id == chosen
    qtbot.waitUntil(lambda: pane.track_id == chosen and len(pane.ids()) == 5, timeout=30000)
    assert chosen not in pane.ids() and query in pane.ids()  # now the list of the chosen one

    row = window.table.row(window.table.row_of(chosen) or 0)
    menu = window.row_actions.build_menu(row, [row])  # the row menu's entry for it
    [more] = [a for a in menu.actions() if a.text().replace("&", "") == "More Like This"]
    assert more.isEnabled()
    more.trigger()
    assert pane.list.hasFocus() or not window.isActiveWindow()
    assert not window.row_actions.build_menu(None, []).actions()[
        [a.text().replace("&", "") for a in menu.actions()].index("More Like This")].isEnabled()
    wait_idle(qtbot, window)


def test_an_unclassified_track_says_classify_it_first(
        qtbot: QtBot, make_window: Callable[..., MainWindow],
        classified: tuple[Path, Path]) -> None:
    music, db = classified
    window = make_window(db)
    pane = window.details.similar
    select(window, music / "blues" / "blues.00000.flac")
    qtbot.waitUntil(lambda: "classify it first" in pane.caption.text(), timeout=30000)
    assert pane.ids() == [] and not pane.export.isEnabled()
    wait_idle(qtbot, window)
