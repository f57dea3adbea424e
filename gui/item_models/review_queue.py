"""The review queue's table model: the core's ReviewItems in its order, with the table's title
and artist of each track and the reason asking about it helps."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from enum import IntEnum

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from library.records import BrowseRow, ReviewItem, display_path

Index = QModelIndex | QPersistentModelIndex
RowOf = Callable[[int], BrowseRow | None]  # the table's row of a track id, if loaded


class QueueColumn(IntEnum):
    """The review list's columns, in order."""

    TRACK = 0
    ARTIST = 1
    SHOWN = 2
    CHOICES = 3
    REASON = 4


HEADERS = {QueueColumn.TRACK: "Track", QueueColumn.ARTIST: "Artist", QueueColumn.SHOWN: "Shows",
           QueueColumn.CHOICES: "Best guesses", QueueColumn.REASON: "Why ask"}


def shown_genre(item: ReviewItem) -> tuple[str, ...]:
    """What Enter accepts: the genre shown now, else (uncertain) the model's best guess."""
    if item.shown:
        return item.shown
    return (item.choices[0][0],) if item.choices else ()


def choices_text(item: ReviewItem) -> str:
    """'Jazz 62% · Blues 20%'."""
    return " · ".join(f"{genre} {p:.0%}" for genre, p in item.choices)


class ReviewQueueModel(QAbstractTableModel):
    """The questions still open, most helpful first; answered ones leave, undone ones return."""

    def __init__(self, row_of: RowOf, parent: object | None = None) -> None:
        super().__init__(parent)  # type: ignore[arg-type]
        self.items: list[ReviewItem] = []
        self._row_of = row_of

    def rowCount(self, parent: Index | None = None) -> int:  # noqa: N802 (Qt's name)
        return 0 if parent is not None and parent.isValid() else len(self.items)

    def columnCount(self, parent: Index | None = None) -> int:  # noqa: N802
        return 0 if parent is not None and parent.isValid() else len(QueueColumn)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return HEADERS[QueueColumn(section)]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or role not in (Qt.ItemDataRole.DisplayRole,
                                               Qt.ItemDataRole.ToolTipRole):
            return None
        return self.text(self.items[index.row()], QueueColumn(index.column()))

    def text(self, item: ReviewItem, column: QueueColumn) -> str:
        """A cell's text."""
        row = self._row_of(item.track_id)
        if column == QueueColumn.TRACK:
            return (row.title or display_path(row.path).rsplit("/", 1)[-1]) if row else \
                f"track {item.track_id}"
        if column == QueueColumn.ARTIST:
            return row.artist or "" if row else ""
        if column == QueueColumn.SHOWN:
            return ", ".join(item.shown) or "uncertain"
        return choices_text(item) if column == QueueColumn.CHOICES else item.reason

    def set_items(self, items: Sequence[ReviewItem]) -> None:
        """Show a new queue (a reset: the list is short and comes whole)."""
        self.beginResetModel()
        self.items = list(items)
        self.endResetModel()

    def take(self, track_id: int) -> int | None:
        """Remove a track's question (answered or skipped); its former position, if it was
        listed."""
        at = self.position(track_id)
        if at is not None:
            self.beginRemoveRows(QModelIndex(), at, at)
            del self.items[at]
            self.endRemoveRows()
        return at

    def put(self, at: int, item: ReviewItem) -> None:
        """Insert a question at a position (an undone answer's track, back where it was)."""
        at = max(0, min(at, len(self.items)))
        self.beginInsertRows(QModelIndex(), at, at)
        self.items.insert(at, item)
        self.endInsertRows()

    def position(self, track_id: int) -> int | None:
        """Where a track's question is listed (None: not listed)."""
        return next((i for i, it in enumerate(self.items) if it.track_id == track_id), None)

    def refresh_rows(self) -> None:
        """The table's rows changed (titles read late): draw the cells anew."""
        if self.items:
            self.dataChanged.emit(self.index(0, 0),
                                  self.index(len(self.items) - 1, len(QueueColumn) - 1))
