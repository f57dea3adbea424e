"""The browser's two lists: artists, and the chosen artist's albums (with cover thumbnails),
each headed by an "All …" entry. Both are set whole from an ArtistTree a worker built."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QStringListModel, Qt
from PySide6.QtGui import QPixmap

from gui.covers import THUMB, CoverStore
from gui.item_models.sidebar import COUNT_ROLE, KEY_ROLE
from workflows.albums import AlbumEntry, ArtistEntry, ArtistTree

Index = QModelIndex | QPersistentModelIndex
Entry = ArtistEntry | AlbumEntry


class _EntryList(QStringListModel):
    """An "All" row, then one row per entry; KEY_ROLE is the entry's key (None: all).

    A string list underneath, so that how many rows there are is C++'s to answer: the list
    view lays 60,000 albums out in batches, asking rowCount per row, and a Python rowCount
    took the interpreter lock each time, queueing behind any worker running Python (GUI
    stalls of 190-220 ms beside a busy thread; 15-30 ms this way: docs/speed.md)."""

    every = "All"  # the first row's words, with the number of entries

    def __init__(self, parent: object | None = None) -> None:
        super().__init__(parent)  # type: ignore[arg-type]
        self.entries: tuple[Entry, ...] = ()
        self.tracks = 0  # tracks in view under the "All" row
        self._rows: dict[str, int] = {}  # key -> row: 60,000 albums are too many to scan

    def set_entries(self, entries: tuple[Entry, ...], tracks: int) -> None:
        """Show these entries (a reset: the lists are rebuilt whole)."""
        self.entries, self.tracks = entries, tracks
        self._rows = {e.key: row for row, e in enumerate(entries, start=1)}
        self.setStringList([self.every, *(e.name for e in entries)])  # resets the model

    def entry(self, row: int) -> Entry | None:
        """The entry at a row (None: the "All" row or none)."""
        return self.entries[row - 1] if 0 < row <= len(self.entries) else None

    def row_of(self, key: str | None) -> int | None:
        """The row of the entry with this key (None: the "All" row)."""
        if key is None:
            return 0
        return self._rows.get(key)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        entry = self.entry(index.row())
        if role == Qt.ItemDataRole.DisplayRole:
            return entry.name if entry else f"{self.every} ({len(self.entries):,})"
        if role == COUNT_ROLE:
            return entry.count if entry else self.tracks
        if role == KEY_ROLE:
            return entry.key if entry else None
        if role == Qt.ItemDataRole.ToolTipRole:
            count = entry.count if entry else self.tracks
            return f"{entry.name if entry else self.every}: {count:,} tracks in view"
        return None


class ArtistListModel(_EntryList):
    """Every artist with tracks in view."""

    every = "All artists"

    def set_tree(self, tree: ArtistTree) -> None:
        """Show the tree's artists."""
        self.set_entries(tree.artists, tree.tracks)


class AlbumListModel(_EntryList):
    """The albums of the chosen artist (or of all), each with its cover's thumbnail."""

    every = "All albums"

    def __init__(self, covers: CoverStore, parent: object | None = None) -> None:
        super().__init__(parent)
        self.covers = covers
        self.every_artist = False
        self._rows_by_path: dict[str, list[int]] = {}  # a cover's file -> the albums it shows
        self._blank = QPixmap(THUMB, THUMB)
        self._blank.fill(Qt.GlobalColor.transparent)
        covers.cover_ready.connect(self._on_cover)

    def set_albums(self, albums: tuple[AlbumEntry, ...], tracks: int,
                   every_artist: bool = False) -> None:
        """Show these albums (`every_artist`: of every artist, so each names its artist)."""
        self.every_artist = every_artist
        self.set_entries(albums, tracks)
        self._rows_by_path = {}  # filled as covers come (most albums are never shown)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        entry = self.entry(index.row()) if index.isValid() else None
        if role == Qt.ItemDataRole.DisplayRole and self.every_artist and isinstance(
                entry, AlbumEntry):
            return f"{entry.name} — {entry.artist}"  # "Greatest Hits" of whom
        if role == Qt.ItemDataRole.DecorationRole and index.isValid():
            entry = self.entry(index.row())
            # Asked only for the rows on screen: their covers are read, the rest are not.
            cover = (self.covers.thumbnail(entry.cover_path) if isinstance(entry, AlbumEntry)
                     else None)
            return cover or self._blank  # every row as high as a cover, names aligned
        return super().data(index, role)

    def _on_cover(self, path: str) -> None:
        if not self._rows_by_path and self.entries:
            for row, album in enumerate(self.entries, start=1):
                self._rows_by_path.setdefault(album.cover_path, []).append(row)  # type: ignore[union-attr]
        for row in self._rows_by_path.get(path, ()):
            at = self.createIndex(row, 0)  # not index(): that asks Python's rowCount
            self.dataChanged.emit(at, at, [Qt.ItemDataRole.DecorationRole])
