"""The track table's columns: a readable first layout for the space there is, a menu to show
and hide columns, and the user's widths, order and sort kept between runs.

The first layout (no saved one) puts what a genre app is for first: Title, Artist, Genre,
Confidence, Status, then Album, Length and Tag genre. Each column gets at least what its
header needs (Title 180 px, Genre 150 px); Tag genre, Length and Album, in that order, start
hidden when they do not fit, and the header's context menu shows them again. Later, the
Title column takes up what a resized window gives or takes.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QByteArray, QPoint, Qt
from PySide6.QtWidgets import QHeaderView, QMenu, QTableView

from gui.item_models.track_table import HEADERS, Column

FIRST_ORDER = (Column.TITLE, Column.ARTIST, Column.PREDICTED, Column.CONFIDENCE, Column.STATUS,
               Column.ALBUM, Column.DURATION, Column.TAG_GENRE)
OPTIONAL = (Column.TAG_GENRE, Column.DURATION, Column.ALBUM)  # hidden first when space is short
# The least a column should get, and the least it gets when space is very short.
WANTED = {Column.TITLE: 180, Column.ARTIST: 110, Column.PREDICTED: 150, Column.ALBUM: 100,
          Column.TAG_GENRE: 100}
FLOOR = {Column.TITLE: 100, Column.ARTIST: 70, Column.PREDICTED: 100}
WIDEST_CELL = {Column.STATUS: "Not classified", Column.DURATION: "00:00", Column.CONFIDENCE: ""}
CELL_PADDING = 28  # the item's stylesheet padding, both sides, and some air
# Extra room goes mostly to the names.
SHARES = {Column.TITLE: 0.45, Column.ARTIST: 0.25, Column.ALBUM: 0.15, Column.PREDICTED: 0.15}


def needed_width(view: QTableView, column: Column) -> int:
    """What a column needs: its header with the sort arrow, or its widest usual cell."""
    header = view.horizontalHeader()
    cell = WIDEST_CELL.get(column)
    cells = view.fontMetrics().horizontalAdvance(cell) + CELL_PADDING if cell else 0
    return max(header.sectionSizeFromContents(column).width(), cells, WANTED.get(column, 0))


def first_widths(view: QTableView, available: int) -> dict[Column, int]:
    """Widths of the columns the first layout shows in `available` pixels (pure sizing)."""
    widths = {c: needed_width(view, c) for c in FIRST_ORDER}
    for column in OPTIONAL:
        if sum(widths.values()) <= available:
            break
        del widths[column]
    short = sum(widths.values()) - available
    if short > 0:  # still too wide: squeeze the names towards their floors
        room = {c: widths[c] - f for c, f in FLOOR.items()}
        total = sum(room.values()) or 1
        for column, spare in room.items():
            widths[column] -= min(spare, short * spare // total)
        widths[Column.TITLE] -= max(0, min(sum(widths.values()) - available,
                                           widths[Column.TITLE] - FLOOR[Column.TITLE]))
    else:  # spread what is left, mostly to the names
        shares = {c: s for c, s in SHARES.items() if c in widths}
        scale = sum(shares.values())
        for column, share in shares.items():
            widths[column] += int(-short * share / scale)
    return widths


def apply_first_layout(view: QTableView, available: int) -> None:
    """Order, show and size the columns for `available` pixels of table."""
    header = view.horizontalHeader()
    for position, column in enumerate(FIRST_ORDER):
        header.moveSection(header.visualIndex(column), position)
    widths = first_widths(view, available)
    for column in Column:
        header.setSectionHidden(column, column not in widths)
        if column in widths:
            header.resizeSection(column, widths[column])


def usable_width(view: QTableView) -> int:
    """The table's width for columns, with room kept for the vertical scroll bar: it appears
    once rows arrive, and must not push the last column out of view."""
    bar = view.verticalScrollBar()
    return view.viewport().width() - (0 if bar.isVisible() else bar.sizeHint().width())


def fill_with_title(view: QTableView) -> None:
    """Let the Title column take up (or give back) the space the others leave, down to its
    floor (100 px): past that, the table scrolls sideways."""
    header = view.horizontalHeader()
    if header.isSectionHidden(Column.TITLE):
        return
    others = header.length() - header.sectionSize(Column.TITLE)
    wanted = max(FLOOR[Column.TITLE], usable_width(view) - others)
    if wanted != header.sectionSize(Column.TITLE):
        header.resizeSection(Column.TITLE, wanted)


def restore(header: QHeaderView, state: QByteArray | bytes | None) -> bool:
    """Put back saved widths, order, hidden columns and sort; False if there is none that fits."""
    if not state:
        return False
    ok = header.restoreState(QByteArray(state))
    return ok and header.count() == len(HEADERS)


def column_menu(view: QTableView, at: QPoint) -> QMenu:
    """The header's context menu: a check per column to show or hide it (one always stays)."""
    header = view.horizontalHeader()
    menu = QMenu(view)
    visible = [c for c in Column if not header.isSectionHidden(c)]
    for column in _in_visual_order(header, Column):
        action = menu.addAction(HEADERS[column])
        action.setCheckable(True)
        action.setChecked(column in visible)
        action.setEnabled(visible != [column])
        action.toggled.connect(lambda on, c=column: _show(view, c, on))
    menu.popup(header.mapToGlobal(at))
    return menu


def _show(view: QTableView, column: Column, on: bool) -> None:
    header = view.horizontalHeader()
    header.setSectionHidden(column, not on)
    if on and header.sectionSize(column) < needed_width(view, column):
        header.resizeSection(column, needed_width(view, column))
    fill_with_title(view)  # make room (or take it) in Title, before the table scrolls sideways


def _in_visual_order(header: QHeaderView, columns: Iterable[Column]) -> list[Column]:
    return sorted(columns, key=header.visualIndex)


def sort_of(header: QHeaderView) -> tuple[int, Qt.SortOrder]:
    """The column sorted by (-1: none) and its direction."""
    return header.sortIndicatorSection(), header.sortIndicatorOrder()
