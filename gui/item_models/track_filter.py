"""The rows of the track table that are in the sidebar's category and match the search.

Not a QSortFilterProxyModel: that one asks Python's filterAcceptsRow once per row, which costs
a quarter of a second per keystroke on 50,000 tracks. Here a filter change is one pass over the
table's precomputed search texts into an array of shown source rows (in source order, so
sorting stays the source's job), and a batch of changed rows is matched row by row only.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from gui.item_models.track_table import (
    HEADERS,
    TrackTableModel,
    contiguous_runs,
    search_text,
)
from library import browse
from library.records import BrowseRow

Index = QModelIndex | QPersistentModelIndex
Category = tuple[str, str | None]


def matches(row: BrowseRow, words: tuple[str, ...], category: Category) -> bool:
    """Whether a row is in the sidebar category and contains every search word."""
    text = search_text(row)
    return browse.in_category(row, *category) and all(word in text for word in words)


def narrows(old: tuple[str, ...], new: tuple[str, ...]) -> bool:
    """Whether every row matching `new` also matches `old` (typing on: search only the shown)."""
    return all(any(w in n for n in new) for w in old)


class TrackFilterModel(QAbstractTableModel):
    """The track table filtered by sidebar category and search words; sorting asks the source."""

    def __init__(self, source: TrackTableModel, parent: object | None = None) -> None:
        super().__init__(parent)  # type: ignore[arg-type]
        self._source = source
        self._category: Category = (browse.ALL, None)
        self._words: tuple[str, ...] = ()
        self._shown = np.arange(source.rowCount(), dtype=np.int64)  # source rows, ascending
        self._removing: tuple[int, int] | None = None  # shown slice of a pending source removal
        self._layout_ids: list[tuple[QModelIndex, int]] = []  # persistent index, its track
        source.dataChanged.connect(self._on_data_changed)
        source.rowsInserted.connect(self._on_rows_inserted)
        source.rowsAboutToBeRemoved.connect(self._on_rows_about_to_be_removed)
        source.rowsRemoved.connect(self._on_rows_removed)
        source.layoutAboutToBeChanged.connect(self._begin_layout)
        source.layoutChanged.connect(lambda *_: self._end_layout(self._matching()))
        source.modelAboutToBeReset.connect(self.beginResetModel)
        source.modelReset.connect(self._on_reset)

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

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort the source; its layout change reaches this model and the views."""
        self._source.sort(column, order)

    def row(self, proxy_row: int) -> BrowseRow:
        """The record shown at a row of this model."""
        return self._source.row(int(self._shown[proxy_row]))

    def row_of(self, track_id: int) -> int | None:
        """The row a track is shown at, if it is shown."""
        source_row = self._source.row_of(track_id)
        return None if source_row is None else self._shown_at(source_row)

    def _shown_at(self, source_row: int) -> int | None:
        at = int(np.searchsorted(self._shown, source_row))
        return at if at < len(self._shown) and self._shown[at] == source_row else None

    # ---- filtering ----------------------------------------------------------------------------
    @property
    def category(self) -> Category:
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
            self._refilter(self._matching())

    def set_search(self, text: str) -> None:
        """Show only rows containing every word of `text` (case-insensitive)."""
        words = tuple(text.casefold().split())
        if words != self._words:
            shown = self._shown.tolist() if narrows(self._words, words) else None
            self._words = words
            self._refilter(self._matching(shown))

    def _matching(self, candidates: Iterable[int] | None = None) -> np.ndarray:
        """Source rows in the category containing every word (among `candidates` if given)."""
        rows, texts = self._source.rows(), self._source.search_texts()
        kind, value = self._category
        if candidates is None:
            candidates = range(len(rows))
            if kind != browse.ALL:  # the category test is the costly one: only where needed
                candidates = [i for i in candidates if browse.in_category(rows[i], kind, value)]
        for word in self._words:  # one cheap `in` per row and word, in a comprehension
            candidates = [i for i in candidates if word in texts[i]]
        return np.fromiter(candidates, dtype=np.int64)

    def _accepts(self, source_row: int) -> bool:
        text = self._source.search_texts()[source_row]
        return (browse.in_category(self._source.row(source_row), *self._category)
                and all(word in text for word in self._words))

    def _refilter(self, shown: np.ndarray) -> None:
        self._begin_layout()
        self._end_layout(shown)

    # A filter change or a source sort is a layout change: selection and current row follow
    # their tracks (or go, when filtered out), the view keeps its place.
    def _begin_layout(self, *_: object) -> None:
        self.layoutAboutToBeChanged.emit()
        self._layout_ids = [(i, self.row(i.row()).id) for i in self.persistentIndexList()]

    def _end_layout(self, shown: np.ndarray) -> None:
        self._shown = shown
        old = [index for index, _ in self._layout_ids]
        new = [self._index_of(track_id, index.column()) for index, track_id in self._layout_ids]
        self._layout_ids = []
        self.changePersistentIndexList(old, new)
        self.layoutChanged.emit()

    def _index_of(self, track_id: int, column: int) -> QModelIndex:
        at = self.row_of(track_id)
        return QModelIndex() if at is None else self.index(at, column)

    # ---- following the source ---------------------------------------------------------------
    def _on_data_changed(self, top_left: QModelIndex, bottom_right: QModelIndex,
                         *_: object) -> None:
        """Changed rows may join or leave the filter: insert or remove them, repaint the rest."""
        first, last = top_left.row(), bottom_right.row()
        lo, hi = self._slice(first, last)
        was = set(self._shown[lo:hi].tolist())
        now = {s for s in range(first, last + 1) if self._accepts(s)}
        for a, b in reversed(contiguous_runs(was - now)):
            at = self._shown_at(a)
            assert at is not None
            self.beginRemoveRows(QModelIndex(), at, at + b - a)
            self._shown = np.delete(self._shown, np.s_[at : at + b - a + 1])
            self.endRemoveRows()
        for a, b in contiguous_runs(now - was):
            self._insert(a, b)
        lo, hi = self._slice(first, last)
        if hi > lo:
            self.dataChanged.emit(self.index(lo, 0), self.index(hi - 1, len(HEADERS) - 1))

    def _slice(self, first: int, last: int) -> tuple[int, int]:
        """The shown rows [lo, hi) that show source rows first..last."""
        return (int(np.searchsorted(self._shown, first)),
                int(np.searchsorted(self._shown, last, side="right")))

    def _insert(self, first: int, last: int) -> None:
        """Show source rows first..last (all matching, none shown yet)."""
        at = int(np.searchsorted(self._shown, first))
        self.beginInsertRows(QModelIndex(), at, at + last - first)
        self._shown = np.insert(self._shown, at, np.arange(first, last + 1))
        self.endInsertRows()

    def _on_rows_inserted(self, _parent: QModelIndex, first: int, last: int) -> None:
        self._shown[self._shown >= first] += last - first + 1  # rows below move down
        for a, b in contiguous_runs(s for s in range(first, last + 1) if self._accepts(s)):
            self._insert(a, b)

    def _on_rows_about_to_be_removed(self, _parent: QModelIndex, first: int, last: int) -> None:
        lo, hi = self._slice(first, last)
        self._removing = (lo, hi) if hi > lo else None
        if self._removing:
            self.beginRemoveRows(QModelIndex(), lo, hi - 1)

    def _on_rows_removed(self, _parent: QModelIndex, first: int, last: int) -> None:
        lo, hi = self._slice(first, last)
        self._shown = np.concatenate([self._shown[:lo], self._shown[hi:] - (last - first + 1)])
        if self._removing:
            self._removing = None
            self.endRemoveRows()

    def _on_reset(self) -> None:
        self._shown = self._matching()
        self.endResetModel()
