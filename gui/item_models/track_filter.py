"""Sidebar choice + search text over the track table, and sorting handed to the source model."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSortFilterProxyModel, Qt

from gui.item_models.track_table import TrackTableModel
from library import browse
from library.records import BrowseRow, display_path


def search_text(row: BrowseRow) -> str:
    """Everything the search box matches against, folded once."""
    parts = (row.title, row.artist, row.album, display_path(row.path), *row.tag_genres,
             *row.genres)
    return " ".join(p for p in parts if p).casefold()


def matches(row: BrowseRow, words: tuple[str, ...], category: tuple[str, str | None]) -> bool:
    """Whether a row is in the sidebar category and contains every search word."""
    if not browse.in_category(row, *category):
        return False
    if not words:
        return True
    text = search_text(row)
    return all(word in text for word in words)


class TrackFilterModel(QSortFilterProxyModel):
    """Filters by sidebar category and search words; sorts by asking the source to reorder.

    Sorting in the source (one Python sort, then a layout change) is far cheaper for 50,000 rows
    than Qt comparing cells through Python; a filter change is one rebuild (invalidate), not
    thousands of row-removal signals.
    """

    def __init__(self, parent: object | None = None) -> None:
        super().__init__(parent)  # type: ignore[arg-type]
        self._category: tuple[str, str | None] = (browse.ALL, None)
        self._words: tuple[str, ...] = ()
        self._texts: dict[int, tuple[BrowseRow, str]] = {}  # id -> (row it was made of, text)
        self.setDynamicSortFilter(True)

    @property
    def category(self) -> tuple[str, str | None]:
        """The sidebar entry filtered on: (kind, genre or None)."""
        return self._category

    def set_category(self, kind: str, value: str | None = None) -> None:
        """Show only rows of a sidebar entry."""
        if (kind, value) != self._category:
            self._category = (kind, value)
            self.invalidate()

    def set_search(self, text: str) -> None:
        """Show only rows containing every word of `text` (case-insensitive)."""
        words = tuple(text.casefold().split())
        if words != self._words:
            self._words = words
            self.invalidate()

    def filterAcceptsRow(self, source_row: int,  # noqa: N802 (Qt's name)
                         source_parent: QModelIndex | QPersistentModelIndex) -> bool:
        source = self.sourceModel()
        assert isinstance(source, TrackTableModel)
        row = source.row(source_row)
        if not browse.in_category(row, *self._category):
            return False
        return not self._words or all(word in self._text(row) for word in self._words)

    def _text(self, row: BrowseRow) -> str:
        cached = self._texts.get(row.id)
        if cached is None or cached[0] is not row:
            cached = self._texts[row.id] = (row, search_text(row))
        return cached[1]

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        source = self.sourceModel()
        if isinstance(source, TrackTableModel):
            source.sort(column, order)

    def row(self, proxy_row: int) -> BrowseRow:
        """The record shown at a row of this model."""
        source = self.sourceModel()
        assert isinstance(source, TrackTableModel)
        return source.row(self.mapToSource(self.index(proxy_row, 0)).row())
