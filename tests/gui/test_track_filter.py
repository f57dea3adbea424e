"""The filter model against a plain-Python reference, under QAbstractItemModelTester, in a
real table view and in the window: filter, sort and in-place updates keep selection, current
row, scroll and the details pane."""

from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtTest import QAbstractItemModelTester
from pytestqt.qtbot import QtBot

from gui.item_models.track_filter import TrackFilterModel, matches, narrows
from gui.item_models.track_table import HEADERS, Column, TrackTableModel, sort_values
from workflows.events import RowsChanged
from gui.widgets.views import TrackView
from library.categories import Category, in_category
from library.records import BrowseRow
from tools.demo_library import populate

FATAL = QAbstractItemModelTester.FailureReportingMode.Fatal
ROWS = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
WORDS = ("blue", "train", "so", "what", "night", "midnight")
CATEGORIES = ((Category.ALL, None), (Category.GENRE, "jazz"), (Category.GENRE, "rock"),
              (Category.TAG, "Rock"), (Category.UNCERTAIN, None), (Category.UNCLASSIFIED, None),
              (Category.ERRORS, None))
SEARCHES = ("", "b", "bl", "blue", "blue tr", "NIGHT", "midnight", "jazz", "/m/1", "zzz")


def random_row(rng: random.Random, track_id: int) -> BrowseRow:
    """A row with a random title, status, prediction, label and tag."""
    confidence = rng.choice((None, 0.3, 0.9))
    return BrowseRow(
        id=track_id, path=f"/m/{track_id}.flac", status=rng.choice(("ok", "ok", "ok", "error", "missing")),
        title=" ".join(rng.sample(WORDS, 2)), artist=rng.choice(("Miles", None)),
        duration=rng.choice((None, 90.0, 200.0)), tag_genres=rng.choice(((), ("Rock",))),
        predicted=(rng.choice(("jazz", "rock")),) if confidence else (), confidence=confidence,
        uncertain=confidence == 0.3, stale=rng.random() < 0.1,
        user_genres=("jazz",) if rng.random() < 0.1 else (),
    )


def shown_ids(proxy: TrackFilterModel) -> list[int]:
    return [proxy.row(r).id for r in range(proxy.rowCount())]


def selected_ids(selection: QItemSelectionModel) -> set[int]:
    model = selection.model()
    assert isinstance(model, TrackFilterModel)
    return {model.row(i.row()).id for i in selection.selectedIndexes()}


def random_step(rng: random.Random, table: TrackTableModel, proxy: TrackFilterModel,
                next_id: int) -> tuple[int, int, bool] | None:
    """One of the things the app does to the models: filter, sort, update, add, remove.
    Returns the sort (column, descending) if it sorted."""
    ids = [r.id for r in table.rows()]
    match rng.randrange(6):
        case 0:
            proxy.set_category(*rng.choice(CATEGORIES))
        case 1:
            proxy.set_search(rng.choice(SEARCHES))
        case 2:
            column, descending = rng.randrange(len(HEADERS)), rng.random() < 0.5
            order = Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder
            proxy.sort(column, order)
            return column, descending
        case 3:  # a worker's batch: changed rows (joining or leaving the filter) and new ones
            batch = [random_row(rng, i) for i in rng.sample(ids, min(len(ids), 8))]
            table.upsert_rows(batch + [random_row(rng, next_id + k) for k in range(rng.randrange(4))])
        case 4:
            table.remove_ids(rng.sample(ids, min(len(ids), rng.randrange(6))))
        case _:
            table.upsert_rows([replace(table.rows()[0], title="blue night")] if ids else [])
    return None


def expected_order(order: list[int], table: TrackTableModel,
                   sort: tuple[int, int, bool] | None) -> list[int]:
    """Every track id in display order: changed rows stay put, new ones go last, a sort is
    stable with empty cells last."""
    rows = {r.id: r for r in table.rows()}
    order = [i for i in order if i in rows] + [i for i in rows if i not in order]
    if sort is None:
        return order
    column, descending = sort
    value = dict(zip(order, sort_values([rows[i] for i in order], column)))
    present = sorted((i for i in order if value[i] is not None), key=value.__getitem__,
                     reverse=descending)
    return present + [i for i in order if value[i] is None]


@pytest.mark.parametrize("seed", [4, 5])
def test_the_tables_genre_index_is_the_genre_rule_through_random_changes(qtbot: QtBot,
                                                                         seed: int) -> None:
    """rows_in_genre (what the filter shows for a genre) is in_category(row, GENRE, genre) for
    every row, as rows are added, changed (joining and leaving genres) and removed."""
    rng = random.Random(seed)
    table = TrackTableModel()
    table.upsert_rows([random_row(rng, i) for i in range(1, 41)])
    proxy = TrackFilterModel(table)
    for step in range(120):
        random_step(rng, table, proxy, 100 + step * 4)
        for genre in ("jazz", "Jazz", "rock", "blues"):
            assert table.rows_in_genre(genre) == [
                i for i, row in enumerate(table.rows()) if in_category(row, Category.GENRE, genre)]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_filter_model_equals_a_plain_filter_through_random_changes(qtbot: QtBot,
                                                                    seed: int) -> None:
    rng = random.Random(seed)
    table = TrackTableModel()
    table.upsert_rows([random_row(rng, i) for i in range(1, 41)])
    proxy = TrackFilterModel(table)
    testers = [QAbstractItemModelTester(m, FATAL) for m in (table, proxy)]
    selection = QItemSelectionModel(proxy)
    order = [r.id for r in table.rows()]
    for step in range(150):
        if rng.random() < 0.3 and proxy.rowCount():
            selection.select(proxy.index(rng.randrange(proxy.rowCount()), 0), ROWS)
        before = selected_ids(selection)
        order = expected_order(order, table, random_step(rng, table, proxy, 100 + step * 4))
        rows = {r.id: r for r in table.rows()}
        want = [i for i in order if matches(rows[i], proxy.words, proxy.category)]
        assert shown_ids(proxy) == want  # the same rows, in the same order
        assert selected_ids(selection) == before & set(want)  # selection follows its tracks
    assert testers  # the testers checked every signal above (Fatal: they raise)


def test_narrowing_a_search_is_recognised() -> None:
    assert narrows((), ("blue",)) and narrows(("bl",), ("blue",))
    assert narrows(("blue",), ("blue", "train")) and narrows(("a", "b"), ("ab",))
    assert not narrows(("blue",), ("bl",)) and not narrows(("blue", "train"), ("blue",))


def test_table_view_keeps_selection_current_row_and_scroll(qtbot: QtBot) -> None:
    table = TrackTableModel()
    table.upsert_rows([BrowseRow(id=i, path=f"/m/{i}.flac", status="ok", title=f"song {i:03}",
                                 predicted=("jazz" if i % 2 else "rock",), confidence=i / 300)
                       for i in range(1, 301)])
    proxy = TrackFilterModel(table)
    view = TrackView(proxy)
    qtbot.addWidget(view)
    view.resize(800, 400)
    view.show()
    view.sortByColumn(Column.TITLE, Qt.SortOrder.DescendingOrder)
    proxy.set_category(Category.GENRE, "jazz")
    assert proxy.rowCount() == 150 and proxy.row(0).title == "song 299"
    view.selectRow(60)
    view.verticalScrollBar().setValue(50)
    chosen, scroll = view.selected_ids(), view.verticalScrollBar().value()
    assert chosen == [view.current_track_id()] == [299 - 2 * 60]

    # A classify batch: rows below the view join jazz, rows in view change in place.
    joining = [replace(table.row(table.row_of(i)), predicted=("jazz",)) for i in (2, 4, 6)]
    changed = [replace(table.row(table.row_of(i)), confidence=0.99) for i in (179, 177, 175)]
    table.upsert_rows(joining + changed)
    assert proxy.rowCount() == 153 and view.selected_ids() == chosen
    assert view.current_track_id() == chosen[0] and view.verticalScrollBar().value() == scroll

    proxy.set_search("song 1")  # narrows; the selected song 179 still matches
    assert view.selected_ids() == chosen and view.current_track_id() == chosen[0]
    view.sortByColumn(Column.CONFIDENCE, Qt.SortOrder.DescendingOrder)
    assert proxy.row(0).id in (175, 177, 179) and view.selected_ids() == chosen
    assert view.current_track_id() == chosen[0]
    proxy.set_category(Category.GENRE, "rock")  # 179 is jazz: no longer shown, nor selected
    assert view.selected_ids() == [] and view.current_track_id() is None
    assert {proxy.row(r).id % 2 for r in range(proxy.rowCount())} == {0}


def test_window_sidebar_search_sort_and_worker_rows_keep_the_details(  # type: ignore[no-untyped-def]
    qtbot: QtBot, make_window, db_path: Path
) -> None:
    populate(db_path, 400)
    window = make_window(db_path)
    jazz = window.sidebar_model.library.child(
        next(r for r in range(window.sidebar_model.library.rowCount())
             if window.sidebar_model.library.child(r).text() == "Jazz"))
    window.sidebar.setCurrentIndex(jazz.index())  # a click in the sidebar
    assert window.proxy.category == (Category.GENRE, "Jazz")
    shown = [window.proxy.row(r) for r in range(window.proxy.rowCount())]
    assert shown and all("Jazz" in r.genres for r in shown)
    window.track_view.selectRow(3)
    chosen = shown[3]
    assert window.details.track_id == chosen.id and window.track_view.selected_ids() == [chosen.id]

    window.track_view.sortByColumn(Column.TITLE, Qt.SortOrder.AscendingOrder)  # a header click
    titles = [window.proxy.row(r).title or "" for r in range(window.proxy.rowCount())]
    assert titles == sorted(titles, key=str.casefold)
    window._on_items([RowsChanged((replace(chosen, album="Live at Birdland"),))])  # a worker's
    assert window.track_view.selected_ids() == [chosen.id] and window.details.track_id == chosen.id
    assert "Live at Birdland" in window.details.subtitle.text()

    window.search.setText(chosen.title or "")  # search as you type, debounced
    qtbot.waitUntil(lambda: window.proxy.words == tuple((chosen.title or "").casefold().split()))
    assert window.track_view.selected_ids() == [chosen.id]
    assert window.count_label.text() == f"{window.proxy.rowCount():,} of 400 tracks · 1 selected"
