"""The track table as shown: the rows in the sidebar's category that match the search, sorted.

Not a QSortFilterProxyModel: that one asks Python's filterAcceptsRow once per row, a quarter of
a second per keystroke on 50,000 tracks. Here the shown rows are a numpy array of source rows:
a filter change is one pass over the table's precomputed search texts, a sort one Python sort
of plain keys, and the source rows never move (reordering 50,000 Python objects and their id
index cost more than the sort itself). Worker updates are matched row by row.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from itertools import groupby

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from gui.item_models.track_table import (
    HEADERS,
    NUMERIC_COLUMNS,
    TrackTableModel,
    contiguous_runs,
    search_text,
    sort_values,
)
from library.categories import Category, in_category
from library.categories import category as category_of
from library.records import BrowseRow

Index = QModelIndex | QPersistentModelIndex
Entry = tuple[str, str | None]  # a sidebar entry: (Category key, genre or None)


def matches(row: BrowseRow, words: tuple[str, ...], entry: Entry) -> bool:
    """Whether a row is in the sidebar entry's category and contains every search word."""
    text = search_text(row)
    return in_category(row, *entry) and all(word in text for word in words)


def narrows(old: tuple[str, ...], new: tuple[str, ...]) -> bool:
    """Whether every row matching `new` also matches `old` (typing on: search only the shown)."""
    return all(any(w in n for n in new) for w in old)


def sort_keys(values: list[float | str | None], numeric: bool) -> np.ndarray:
    """Floats that sort like `values`, NaN for empty ones (None)."""
    if numeric:
        return np.array(values, dtype=float)  # None becomes NaN
    # Text: each distinct value's rank. Python sorts only the distinct values (few genres and
    # statuses, a title repeated by many tracks); numpy sorts the 50,000 ranks.
    rank: dict[float | str | None, float] = {
        v: float(k) for k, v in enumerate(sorted({v for v in values if v is not None}))}
    rank[None] = math.nan
    return np.fromiter(map(rank.__getitem__, values), dtype=float, count=len(values))


class TrackFilterModel(QAbstractTableModel):
    """The track table filtered by sidebar category and search words, and sorted."""

    def __init__(self, source: TrackTableModel, parent: object | None = None) -> None:
        super().__init__(parent)  # type: ignore[arg-type]
        self._source = source
        self._category: Entry = (Category.ALL, None)
        self._words: tuple[str, ...] = ()
        self._subset: frozenset[int] | None = None  # the browser's tracks (ids); None: all
        self._set_order(np.arange(source.rowCount(), dtype=np.int64))
        self._set_shown(self._order.copy())
        source.dataChanged.connect(self._on_data_changed)
        source.rowsInserted.connect(self._on_rows_inserted)
        source.rowsAboutToBeRemoved.connect(self._on_rows_about_to_be_removed)
        source.rowsRemoved.connect(self._on_rows_removed)
        source.modelAboutToBeReset.connect(self.beginResetModel)
        source.modelReset.connect(self._on_reset)

    # The shown rows, and the index arrays that make each lookup one array read.
    def _set_order(self, order: np.ndarray) -> None:
        self._order = order  # every source row, in sort order
        self._rank = np.empty_like(order)  # each source row's place in _order
        self._rank[order] = np.arange(len(order))

    def _set_shown(self, shown: np.ndarray) -> None:
        self._shown = shown  # the shown source rows, in sort order
        self._proxy_of = np.full(len(self._order), -1, dtype=np.int64)  # -1: hidden
        self._proxy_of[shown] = np.arange(len(shown))

    # ---- what views ask ---------------------------------------------------------------------
    def rowCount(self, parent: Index | None = None) -> int:  # noqa: N802 (Qt's name)
        return 0 if parent is not None and parent.isValid() else len(self._shown)

    def columnCount(self, parent: Index | None = None) -> int:  # noqa: N802
        return 0 if parent is not None and parent.isValid() else len(HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> object:
        return self._source.headerData(section, orientation, role)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        return self._source.cell(int(self._shown[index.row()]), index.column(), role)

    def row(self, proxy_row: int) -> BrowseRow:
        """The record shown at a row of this model."""
        return self._source.row(int(self._shown[proxy_row]))

    def shown_rows(self) -> list[BrowseRow]:
        """The records of every shown row, in order (one list pass: 50,000 rows in ms)."""
        rows = self._source.rows()
        return [rows[i] for i in self._shown.tolist()]

    def row_of(self, track_id: int) -> int | None:
        """The row a track is shown at, if it is shown."""
        source_row = self._source.row_of(track_id)
        at = -1 if source_row is None else int(self._proxy_of[source_row])
        return None if at < 0 else at

    # ---- filtering and sorting -------------------------------------------------------------------
    @property
    def category(self) -> Entry:
        """The sidebar entry filtered on: (kind, genre or None)."""
        return self._category

    @property
    def words(self) -> tuple[str, ...]:
        """The folded search words every shown row contains."""
        return self._words

    def set_category(self, kind: str, value: str | None = None) -> None:
        """Show only rows of a sidebar entry."""
        if (kind, value) != self._category:
            self._category = (kind, value)
            self._relayout(self._matching())

    def set_search(self, text: str) -> None:
        """Show only rows containing every word of `text` (case-insensitive)."""
        words = tuple(text.casefold().split())
        if words != self._words:
            narrowing = narrows(self._words, words) and self._subset is None
            shown = self._shown.tolist() if narrowing else None
            self._words = words
            self._relayout(self._matching(shown))

    def set_subset(self, track_ids: Collection[int] | None) -> None:
        """Show only these tracks (an artist's or album's), within the other filters."""
        subset = None if track_ids is None else frozenset(track_ids)
        if subset != self._subset:
            self._subset = subset
            self._relayout(self._matching())

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort by a column, empty cells last; ties keep their order (sort by two columns)."""
        if not 0 <= column < len(HEADERS):
            return
        keys = sort_keys(sort_values(self._source.rows(), column, self._source.roots),
                         column in NUMERIC_COLUMNS)
        keys = keys[self._order]  # sorting the current order keeps ties in it, stably
        if order == Qt.SortOrder.DescendingOrder:
            keys = -keys  # NaN stays NaN: empty cells last both ways
        new_order = self._order[np.argsort(keys, kind="stable")]
        self._relayout(new_order[self._proxy_of[new_order] >= 0], new_order)

    def _matching(self, candidates: list[int] | None = None) -> np.ndarray:
        """Shown rows for the filter, in sort order: a pass over all rows or the candidates."""
        texts = self._source.search_texts()
        keep: list[int] | range = candidates if candidates is not None else self._in_category()
        if self._subset is not None and candidates is None:
            keep = self._in_subset(keep)
        for word in self._words:  # one cheap `in` per row and word, in a comprehension
            keep = [i for i in keep if word in texts[i]]
        if candidates is not None:
            return np.array(keep, dtype=np.int64)  # candidates come in sort order already
        wanted = np.zeros(len(self._order), dtype=bool)
        wanted[np.fromiter(keep, dtype=np.int64)] = True
        return self._order[wanted[self._order]]

    def _in_category(self) -> list[int] | range:
        kind, value = self._category
        rows = self._source.rows()
        if kind == Category.ALL:
            return range(len(rows))
        if kind == Category.GENRE and value is not None:
            return self._source.rows_in_genre(value)  # kept by the table as rows change
        rule = category_of(kind).rule  # looked up once, not per row
        return [i for i, row in enumerate(rows) if rule(row, value)]

    def _in_subset(self, rows: list[int] | range) -> list[int]:
        """The rows among `rows` whose track is in the subset (by id: rows move, ids don't)."""
        wanted = np.zeros(len(self._order), dtype=bool)
        at = [self._source.row_of(i) for i in self._subset or ()]
        wanted[np.fromiter((a for a in at if a is not None), dtype=np.int64)] = True
        if isinstance(rows, range):  # all tracks: the subset's rows, in table order
            return np.flatnonzero(wanted).tolist()
        flags = wanted.tolist()  # plain bools: a numpy lookup per row costs more
        return [i for i in rows if flags[i]]

    def _accepts(self, source_row: int) -> bool:
        text = self._source.search_texts()[source_row]
        if self._subset is not None and self._source.row(source_row).id not in self._subset:
            return False
        return (in_category(self._source.row(source_row), *self._category)
                and all(word in text for word in self._words))

    def _relayout(self, shown: np.ndarray, order: np.ndarray | None = None) -> None:
        """Show other rows as a layout change: selection and current row follow their tracks
        (or go, when filtered out) and the view keeps its place."""
        self.layoutAboutToBeChanged.emit()
        old = self.persistentIndexList()
        sources = self._shown[[i.row() for i in old]] if old else self._shown[:0]
        if order is not None:
            self._set_order(order)
        self._set_shown(shown)
        rows = self._proxy_of[sources].tolist()
        self.changePersistentIndexList(old, [self.createIndex(r, i.column()) if r >= 0
                                             else QModelIndex() for r, i in zip(rows, old)])
        self.layoutChanged.emit()

    # ---- following the source ---------------------------------------------------------------
    def _on_data_changed(self, top_left: QModelIndex, bottom_right: QModelIndex,
                         *_: object) -> None:
        """Changed rows may join or leave the filter: insert or remove them, repaint the rest."""
        first, last = top_left.row(), bottom_right.row()
        leaving: list[int] = []
        joining: list[int] = []
        staying: list[int] = []
        # Plain Python per row: a worker's batch arrives as many one-row runs, and numpy's
        # per-call overhead would cost more than the rows themselves.
        shown_at = self._proxy_of[first : last + 1].tolist()
        for source_row, at in zip(range(first, last + 1), shown_at):
            now = self._accepts(source_row)
            if at >= 0 and now:
                staying.append(source_row)  # their shown rows may move while others go
            elif at >= 0:
                leaving.append(at)
            elif now:
                joining.append(source_row)
        self._remove_shown(leaving)
        self._insert_shown(joining)
        # createIndex, not index(): that one asks Python's rowCount and columnCount each time.
        for top, bottom in contiguous_runs(int(self._proxy_of[s]) for s in staying):
            self.dataChanged.emit(self.createIndex(top, 0),
                                  self.createIndex(bottom, len(HEADERS) - 1))

    def _remove_shown(self, proxy_rows: list[int]) -> None:
        """Hide shown rows, one contiguous run at a time, from the bottom up."""
        for first, last in reversed(contiguous_runs(proxy_rows)):
            self.beginRemoveRows(QModelIndex(), first, last)
            # Only the rows below move: patch those, not all 50,000 (a batch has many runs).
            self._proxy_of[self._shown[first : last + 1]] = -1
            self._shown = np.delete(self._shown, np.s_[first : last + 1])
            self._proxy_of[self._shown[first:]] -= last - first + 1
            self.endRemoveRows()

    def _insert_shown(self, source_rows: list[int]) -> None:
        """Show hidden rows where their sort order puts them, one block per place."""
        if not source_rows:
            return
        source_rows = sorted(source_rows, key=self._rank.__getitem__)
        places = np.searchsorted(self._rank[self._shown], self._rank[source_rows]).tolist()
        blocks = [(at, [s for _, s in group]) for at, group
                  in groupby(zip(places, source_rows), key=lambda p: p[0])]
        for at, block in reversed(blocks):  # from the bottom up: earlier places stay right
            self.beginInsertRows(QModelIndex(), at, at + len(block) - 1)
            self._shown = np.insert(self._shown, at, block)
            self._proxy_of[self._shown[at:]] = np.arange(at, len(self._shown))
            self.endInsertRows()

    def _on_rows_inserted(self, _parent: QModelIndex, first: int, last: int) -> None:
        """New rows go last in sort order (until the next sort), shown if they match."""
        count = last - first + 1
        self._order[self._order >= first] += count
        self._shown[self._shown >= first] += count
        self._set_order(np.concatenate([self._order, np.arange(first, last + 1)]))
        self._set_shown(self._shown)
        unfiltered = (self._category == (Category.ALL, None) and not self._words
                      and self._subset is None)  # a library loading: every row is shown
        self._insert_shown(list(range(first, last + 1)) if unfiltered else
                           [s for s in range(first, last + 1) if self._accepts(s)])

    def _on_rows_about_to_be_removed(self, _parent: QModelIndex, first: int, last: int) -> None:
        # Hidden here, while the source still has the rows the views may ask about.
        rows = self._proxy_of[first : last + 1]
        self._remove_shown(rows[rows >= 0].tolist())

    def _on_rows_removed(self, _parent: QModelIndex, first: int, last: int) -> None:
        count = last - first + 1
        order = self._order[(self._order < first) | (self._order > last)]
        order[order > last] -= count
        self._shown[self._shown > last] -= count
        self._set_order(order)
        self._set_shown(self._shown)

    def _on_reset(self) -> None:
        self._set_order(np.arange(self._source.rowCount(), dtype=np.int64))
        self._set_shown(self._matching())
        self.endResetModel()
