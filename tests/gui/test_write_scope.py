"""Write Tags plans what the user sees: the selected rows (one or many), else the view's rows
(sidebar genre, search), and the whole library only when chosen by name in the dialog.
Real GTZAN files copied to a tmp folder, a real SQLite library, the real window, workers and
tag writer; genres come from the user's labels, so no model runs."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import QItemSelectionModel
from pytestqt.qtbot import QtBot
from sqlalchemy.orm import Session, sessionmaker

from gui.dialogs.tag_write import TagWriteDialog
from gui.main_window import MainWindow
from gui.track_scope import scope_of, whole_library
from library.categories import Category
from library.db import create_db_engine, session_factory
from tests.gui.conftest import wait_idle
from tests.tagging_support import label, plain_genres, scan_into

# folder -> (excerpts, the genre the user set for each; None: no label)
LIBRARY = {"jazz": (3, "Jazz"), "blues": (3, "Blues"), "rock": (2, None)}


@pytest.fixture
def labelled(tmp_path: Path, shared_data: Path, db_path: Path) -> Path:
    """8 real excerpts in three folders, scanned; the jazz and blues ones labelled by the
    user (which makes them 'Jazz' and 'Blues' in the sidebar and gives them a planned write)."""
    root = tmp_path / "Music"
    sessions: sessionmaker[Session] = session_factory(create_db_engine(db_path))
    for folder, (count, _) in LIBRARY.items():
        (root / folder).mkdir(parents=True)
        for n in range(count):
            name = f"{folder}.0000{n}.flac"
            shutil.copy(shared_data / "gtzan-mini" / folder / name, root / folder / name)
            (root / folder / name).chmod(0o644)
    scan_into(sessions, root)
    for folder, (count, genre) in LIBRARY.items():
        for n in range(count if genre else 0):
            label(sessions, str(root / folder / f"{folder}.0000{n}.flac"), [genre])
    return root


def ids_of(window: MainWindow, folder: str) -> set[int]:
    return {r.id for r in window.table.rows() if Path(r.path).parent.name == folder}


def planned(qtbot: QtBot, dialog: TagWriteDialog, count: int) -> set[int]:
    """The track ids of the plan the dialog shows, once it shows `count` rows."""
    qtbot.waitUntil(lambda: dialog.model.rowCount() == count
                    and dialog.summary.text() != "Planning…", timeout=20000)
    return {r.track_id for r in dialog.model.plan}


def show_genre(qtbot: QtBot, window: MainWindow, genre: str) -> None:
    window.proxy.set_category(Category.GENRE, genre)
    qtbot.waitUntil(lambda: window.proxy.category == (Category.GENRE, genre))


def select(window: MainWindow, rows: list[int]) -> None:
    selection = window.track_view.selectionModel()
    selection.clearSelection()
    for row in rows:
        selection.select(window.proxy.index(row, 0), QItemSelectionModel.SelectionFlag.Select
                         | QItemSelectionModel.SelectionFlag.Rows)


def md5s(root: Path) -> dict[Path, str]:
    return {p: hashlib.md5(p.read_bytes()).hexdigest() for p in sorted(root.rglob("*.flac"))}


def test_one_selected_row_plans_and_writes_that_track_only(  # type: ignore[no-untyped-def]
    qtbot: QtBot, make_window, db_path: Path, labelled: Path
) -> None:
    window = make_window(db_path)
    show_genre(qtbot, window, "Jazz")
    assert window.proxy.rowCount() == 3
    select(window, [1])
    chosen = window.track_view.selected_ids()
    before = md5s(labelled)
    dialog = window.open_write_dialog()
    assert "1 selected track" in dialog.windowTitle()
    assert planned(qtbot, dialog, 1) == set(chosen)
    assert dialog.summary.text().startswith("1 of 1 selected tracks get a genre")
    qtbot.waitUntil(dialog.apply.isEnabled)
    dialog.apply.click()
    wait_idle(qtbot, window)
    written = {p for p, digest in md5s(labelled).items() if before[p] != digest}
    path = next(Path(r.path) for r in window.table.rows() if r.id == chosen[0])
    assert written == {path} and plain_genres(path) == ["Jazz"]


def test_several_selected_rows_plan_exactly_those(  # type: ignore[no-untyped-def]
    qtbot: QtBot, make_window, db_path: Path, labelled: Path
) -> None:
    window = make_window(db_path)
    select(window, [0, 3, 6])  # in the All tracks view: across folders
    chosen = set(window.track_view.selected_ids())
    assert len(chosen) == 3
    dialog = window.open_write_dialog()
    assert "3 selected tracks" in dialog.windowTitle()
    assert planned(qtbot, dialog, 3) == chosen
    dialog.reject()


def test_no_selection_in_a_genre_view_plans_the_view(  # type: ignore[no-untyped-def]
    qtbot: QtBot, make_window, db_path: Path, labelled: Path
) -> None:
    window = make_window(db_path)
    show_genre(qtbot, window, "Blues")
    window.track_view.selectionModel().clearSelection()
    dialog = window.open_write_dialog()
    assert dialog.windowTitle().endswith("3 tracks in Blues")
    assert planned(qtbot, dialog, 3) == ids_of(window, "blues")
    assert dialog.summary.text() == "3 of 3 tracks in Blues get a genre"
    dialog.reject()


def test_a_search_plans_the_matching_tracks_and_the_whole_library_is_a_choice(  # type: ignore[no-untyped-def]
    qtbot: QtBot, make_window, db_path: Path, labelled: Path
) -> None:
    window = make_window(db_path)
    window.search.setText("rock.0000")
    qtbot.waitUntil(lambda: window.proxy.rowCount() == 2)
    dialog = window.open_write_dialog()
    assert dialog.windowTitle().endswith("2 tracks matching “rock.0000”")
    assert planned(qtbot, dialog, 2) == ids_of(window, "rock")
    assert not dialog.apply.isEnabled()  # no label, no prediction: nothing to write

    dialog.scope.setCurrentIndex(dialog.scope.findText("Whole library (8 tracks)"))
    assert "Whole library" in dialog.windowTitle()
    assert planned(qtbot, dialog, 8) == {r.id for r in window.table.rows()}
    assert dialog.summary.text().startswith("6 of 8 tracks in the library get a genre")
    dialog.reject()


def test_an_empty_view_plans_nothing_rather_than_everything(  # type: ignore[no-untyped-def]
    qtbot: QtBot, make_window, db_path: Path, labelled: Path
) -> None:
    window = make_window(db_path)
    window.search.setText("no such track")
    qtbot.waitUntil(lambda: window.proxy.rowCount() == 0)
    dialog = window.open_write_dialog()
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: dialog.summary.text() != "Planning…")
    assert dialog.model.rowCount() == 0 and not dialog.apply.isEnabled()
    assert dialog.summary.text().startswith("No tracks matching")


def test_scope_words() -> None:
    assert scope_of([7], [1, 2, 7], (Category.GENRE, "Jazz")).label == "1 selected track"
    view = scope_of([], [1, 2], (Category.GENRE, "Jazz"), ("miles",))
    assert (view.track_ids, view.label) == ((1, 2), "2 tracks in Jazz matching “miles”")
    assert view.noun == "tracks in Jazz matching “miles”"
    assert scope_of([], [4], (Category.UNCERTAIN, None)).label == "1 uncertain track"
    assert scope_of([], [1, 2, 3], (Category.ALL, None)).label == "3 tracks"
    library = whole_library(189)
    assert library.track_ids is None and library.label == "Whole library (189 tracks)"
