"""The genre sidebar's model: two groups of (category, count) entries, updated in place."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QStandardItem, QStandardItemModel

from library.categories import AFTER_GENRES, BEFORE_GENRES, QUEUED, Category
from library.records import SidebarCounts

KEY_ROLE = Qt.ItemDataRole.UserRole + 1  # (kind, value) of an entry; None on group headers
COUNT_ROLE = Qt.ItemDataRole.UserRole + 2


def _entry(text: str, key: tuple[str, str | None], count: int = 0) -> QStandardItem:
    item = QStandardItem(text)
    item.setEditable(False)
    item.setData(key, KEY_ROLE)
    item.setData(count, COUNT_ROLE)
    return item


def _header(text: str) -> QStandardItem:
    item = QStandardItem(text)
    item.setEditable(False)
    item.setSelectable(False)
    font = QFont()
    font.setPointSizeF(font.pointSizeF() * 0.85)
    font.setBold(True)
    item.setFont(font)
    item.setForeground(QColor("#7c8595"))
    return item


class SidebarModel(QStandardItemModel):
    """Library group (the categories placed before the genres, the predicted genres, those
    placed after: library/categories.py) and tags group.

    Genres are in alphabetical order. While the mouse is over the sidebar (`hold`), counts
    change in place but no entry comes or goes: a classify finding a new genre must not move
    the entry about to be clicked (issue #20). The chosen entry (`keep`) stays, at 0, when its
    genre empties, so the view the user is in does not vanish from under them."""

    def __init__(self, parent: object | None = None) -> None:
        super().__init__(parent)  # type: ignore[arg-type]
        self.held = False
        self.filled = False  # the window's first load is in (set by the window): hold from then
        self.keep: tuple[str, str | None] | None = None
        self._latest: SidebarCounts | None = None
        self.library = _header("LIBRARY")
        self.tags = _header("IN YOUR FILES' TAGS")
        for fixed in BEFORE_GENRES + QUEUED + AFTER_GENRES:
            self.library.appendRow(_entry(fixed.label, (fixed, None)))
        self.appendRow(self.library)
        self.appendRow(self.tags)

    def hold(self, held: bool) -> None:
        """Keep the entries where they are (True) or let them follow the counts again."""
        self.held = held
        if not held and self._latest is not None:
            self.update_counts(self._latest)

    def loaded(self, counts: SidebarCounts) -> None:
        """The window's load is in: show its genres even under the pointer, and from now on
        keep entries in place while held."""
        held, self.held = self.held, False
        self.update_counts(counts)
        self.held, self.filled = held, True

    def update_counts(self, counts: SidebarCounts) -> None:
        """Set every count; add and remove genre entries without resetting the model (only
        counts while held)."""
        self._latest = counts
        fixed = dict(counts.fixed)
        for row in range(self.library.rowCount()):
            item = self.library.child(row)
            kind, _ = item.data(KEY_ROLE)
            if kind in fixed:
                self._set_count(item, fixed[kind])
        # Before the load is in nothing is held: a window opening under the pointer kept an
        # empty sidebar until the pointer left (the load's entries move nothing yet seen).
        if self.held and self.filled:
            self._count_in_place(self.library, Category.GENRE, dict(counts.predicted))
            self._count_in_place(self.tags, Category.TAG, dict(counts.tagged))
            return
        first = len(BEFORE_GENRES + QUEUED)
        last = self.library.rowCount() - len(AFTER_GENRES)
        self._sync_genres(self.library, first, last, Category.GENRE, dict(counts.predicted))
        self._sync_genres(self.tags, 0, self.tags.rowCount(), Category.TAG, dict(counts.tagged))

    def set_queue_count(self, kind: Category, count: int) -> None:
        """Set the count of a queue's entry (Review): its queue, not the table, counts it."""
        for row in range(self.library.rowCount()):
            item = self.library.child(row)
            if item.data(KEY_ROLE)[0] == kind:
                self._set_count(item, count)

    @staticmethod
    def _set_count(item: QStandardItem, count: int) -> None:
        if item.data(COUNT_ROLE) != count:
            item.setData(count, COUNT_ROLE)

    def _count_in_place(self, group: QStandardItem, kind: str, counts: dict[str, int]) -> None:
        """Set the counts of the group's genre entries that exist; 0 for a genre gone."""
        for row in range(group.rowCount()):
            item = group.child(row)
            key = item.data(KEY_ROLE)
            if key is not None and key[0] == kind:
                self._set_count(item, counts.get(key[1], 0))

    def _sync_genres(self, group: QStandardItem, first: int, end: int, kind: str,
                     counts: dict[str, int]) -> None:
        """Keep the group's genre entries (rows first..end) equal to `counts`, alphabetically."""
        if self.keep is not None and self.keep[0] == kind and self.keep[1] is not None:
            counts.setdefault(self.keep[1], 0)  # the chosen entry stays while it is chosen
        row = first
        for genre in sorted(counts, key=str.casefold):
            while row < end and group.child(row).text().casefold() < genre.casefold():
                group.removeRow(row)  # a genre nobody has any more
                end -= 1
            item = group.child(row) if row < end else None
            if item is not None and item.text() == genre:
                self._set_count(item, counts[genre])
            else:
                group.insertRow(row, [_entry(genre, (kind, genre), counts[genre])])
                end += 1
            row += 1
        while row < end:
            group.removeRow(row)
            end -= 1

    def entries(self) -> dict[tuple[str, str | None], int]:
        """Every entry's key and count (for tests and the status line)."""
        found: dict[tuple[str, str | None], int] = {}
        for group in (self.library, self.tags):
            for row in range(group.rowCount()):
                item = group.child(row)
                found[item.data(KEY_ROLE)] = item.data(COUNT_ROLE)
        return found
