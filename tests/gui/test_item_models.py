"""The item models under QAbstractItemModelTester: in-place updates, filter, sort, sidebar."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtTest import QAbstractItemModelTester
from pytestqt.qtbot import QtBot

from gui.item_models.sidebar import KEY_ROLE, SidebarModel
from gui.item_models.track_filter import TrackFilterModel
from gui.item_models.track_table import Column, TrackTableModel, contiguous_runs
from library import categories
from library.categories import Category
from library.records import BrowseRow

FATAL = QAbstractItemModelTester.FailureReportingMode.Fatal


def row(i: int, **fields: object) -> BrowseRow:
    base: dict[str, object] = dict(id=i, path=f"/m/{i}.flac", status="ok", title=f"Song {i}",
                                   artist="Artist", duration=100.0 + i)
    base.update(fields)
    return BrowseRow(**base)  # type: ignore[arg-type]


def models(qtbot: QtBot) -> tuple[TrackTableModel, TrackFilterModel]:
    table = TrackTableModel()
    proxy = TrackFilterModel(table)
    testers = [QAbstractItemModelTester(m, FATAL) for m in (table, proxy)]
    table.setProperty("testers", testers)  # keep them alive as long as the model
    return table, proxy


def test_upsert_updates_in_place_and_keeps_selection(qtbot: QtBot) -> None:
    table, proxy = models(qtbot)
    table.upsert_rows([row(i) for i in range(1, 6)])
    selection = QItemSelectionModel(proxy)
    selection.select(proxy.index(2, 0), QItemSelectionModel.SelectionFlag.Select)
    resets: list[int] = []
    table.modelReset.connect(lambda: resets.append(1))
    table.upsert_rows([row(3, predicted=("jazz",), confidence=0.8), row(6)])
    assert table.rowCount() == 6 and resets == []
    assert table.index(table.row_of(3), Column.PREDICTED).data() == "jazz"
    assert [proxy.row(i.row()).id for i in selection.selectedIndexes()] == [3]


def test_remove_ids_and_runs(qtbot: QtBot) -> None:
    table, _ = models(qtbot)
    table.upsert_rows([row(i) for i in range(1, 11)])
    table.remove_ids([2, 3, 4, 9, 42])
    assert [r.id for r in table.rows()] == [1, 5, 6, 7, 8, 10]
    assert table.row_of(10) == 5
    assert contiguous_runs([5, 1, 2, 3, 7]) == [(1, 3), (5, 5), (7, 7)]


def test_filter_by_category_and_search_follows_updates(qtbot: QtBot) -> None:
    table, proxy = models(qtbot)
    table.upsert_rows([
        row(1, title="Blue Train", predicted=("jazz",), confidence=0.9),
        row(2, title="Paranoid", predicted=("metal",), confidence=0.9),
        row(3, title="So What", artist="Miles Davis", predicted=("jazz",), confidence=0.7),
        row(4, status="error", error="bad"),
    ])
    proxy.set_category(Category.GENRE, "jazz")
    assert sorted(proxy.row(r).id for r in range(proxy.rowCount())) == [1, 3]
    proxy.set_search("MILES  what")
    assert [proxy.row(r).id for r in range(proxy.rowCount())] == [3]
    proxy.set_search("")
    table.upsert_rows([row(2, title="Paranoid", user_genres=("jazz",))])  # a user correction
    assert proxy.rowCount() == 3
    proxy.set_category(Category.ERRORS)
    assert [proxy.row(r).id for r in range(proxy.rowCount())] == [4]


def test_sort_puts_empty_cells_last_and_keeps_the_selection(qtbot: QtBot) -> None:
    table, proxy = models(qtbot)
    table.upsert_rows([row(1, confidence=0.2), row(2), row(3, confidence=0.9)])
    selection = QItemSelectionModel(proxy)
    selection.select(proxy.index(0, 0), QItemSelectionModel.SelectionFlag.Select)  # track 1
    proxy.sort(Column.CONFIDENCE, Qt.SortOrder.DescendingOrder)
    assert [proxy.row(r).id for r in range(3)] == [3, 1, 2]  # unclassified last
    proxy.sort(Column.CONFIDENCE, Qt.SortOrder.AscendingOrder)
    assert [proxy.row(r).id for r in range(3)] == [1, 3, 2]
    assert [proxy.row(i.row()).id for i in selection.selectedIndexes()] == [1]


def test_confirmed_genres_show_distinctly(qtbot: QtBot) -> None:
    table, _ = models(qtbot)
    table.upsert_rows([row(1, predicted=("rock",), confidence=0.9, user_genres=("blues",))])
    index = table.index(0, Column.PREDICTED)
    assert index.data() == "✓ blues"
    assert index.data(Qt.ItemDataRole.FontRole).bold()
    assert table.index(0, Column.STATUS).data() == "Confirmed"


def test_sidebar_updates_counts_and_entries_in_place(qtbot: QtBot) -> None:
    sidebar = SidebarModel()
    QAbstractItemModelTester(sidebar, FATAL)
    rows = [row(1, predicted=("rock",), confidence=0.9, tag_genres=("Rock",)),
            row(2, predicted=("jazz",), confidence=0.9), row(3)]
    sidebar.update_counts(categories.count_sidebar(rows))
    entries = sidebar.entries()
    assert entries[(Category.ALL, None)] == 3
    # one spelling (the model's labels): the prediction's "rock" is the tags' "Rock"
    assert entries[(Category.GENRE, "Rock")] == 1 and entries[(Category.TAG, "Rock")] == 1
    assert entries[(Category.UNCLASSIFIED, None)] == 1
    library = [sidebar.library.child(r).data(KEY_ROLE) for r in range(sidebar.library.rowCount())]
    assert library[0] == (Category.ALL, None) and library[-1] == (Category.ERRORS, None)
    assert library[1] == (Category.REVIEW, None)  # counted by the review queue, not the rows
    assert library[2:4] == [(Category.GENRE, "Jazz"), (Category.GENRE, "Rock")]
    sidebar.set_queue_count(Category.REVIEW, 7)
    rows[1] = row(2, predicted=("blues",), confidence=0.9)
    sidebar.update_counts(categories.count_sidebar(rows))
    entries = sidebar.entries()
    assert (Category.GENRE, "Jazz") not in entries and entries[(Category.GENRE, "Blues")] == 1
    sidebar.update_counts(categories.count_sidebar([]))
    assert sidebar.tags.rowCount() == 0 and sidebar.library.rowCount() == 6
    assert sidebar.library.child(3).text() == "Not music"
    assert sidebar.entries()[(Category.REVIEW, None)] == 7  # the rows' counts leave it be
    speech = row(4, confidence=0.03, uncertain=True, not_music=True)
    sidebar.update_counts(categories.count_sidebar(
        [speech, row(5, confidence=0.2, uncertain=True)]))
    entries = sidebar.entries()
    assert entries[(Category.NOT_MUSIC, None)] == 1 and entries[(Category.UNCERTAIN, None)] == 1


def test_a_sidebar_held_before_its_first_counts_still_fills(qtbot: QtBot) -> None:
    sidebar = SidebarModel()  # the window opened under the pointer: held from the start
    sidebar.hold(True)
    rows = [row(1, predicted=("rock",), confidence=0.9, tag_genres=("Rock",))]
    sidebar.update_counts(categories.count_sidebar(rows))
    assert sidebar.entries()[(Category.GENRE, "Rock")] == 1  # the load's fill is not held
    assert sidebar.entries()[(Category.TAG, "Rock")] == 1
    sidebar.loaded(categories.count_sidebar(rows))  # the window's load is in
    assert sidebar.held and sidebar.filled
    rows.append(row(2, predicted=("jazz",), confidence=0.9))
    sidebar.update_counts(categories.count_sidebar(rows))
    assert (Category.GENRE, "Jazz") not in sidebar.entries()  # later ones are, under the mouse
    sidebar.hold(False)
    assert sidebar.entries()[(Category.GENRE, "Jazz")] == 1


def test_table_tally_matches_a_full_count(qtbot: QtBot) -> None:
    table, _ = models(qtbot)
    table.upsert_rows([row(i, predicted=("rock",), confidence=0.8) for i in range(1, 6)])
    table.upsert_rows([row(2, user_genres=("jazz",)), row(3, status="error"), row(6)])
    table.remove_ids([4])
    assert table.tally.counts() == categories.count_sidebar(table.rows())
