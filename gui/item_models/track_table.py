"""The track table's model: BrowseRows by id, updated in place (never reset after loading).

Next to each row it keeps the row's folded search text, so the filter model can match 50,000
rows in one pass over plain strings instead of asking for each row through Qt. Rows stay in
arrival order: the filter model sorts (moving 50,000 row objects here would cost more).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from enum import IntEnum
from functools import lru_cache

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QFont

from gui.interpreter import keep_long_lived
from library.categories import Category, CategoryTally, counts_in_genres
from library.genre_names import canonical_genre, canonical_genres, genre_key
from library.records import NOT_MUSIC, BrowseRow, TrackStatus, display_path, guessed_names

Index = QModelIndex | QPersistentModelIndex
ROW_ROLE = Qt.ItemDataRole.UserRole + 1  # the BrowseRow itself
CONFIRMED_MARK = "✓ "
STATUS_COLORS = {TrackStatus.ERROR.label: QColor("#ff6b6b"),
                 TrackStatus.MISSING.label: QColor("#ff6b6b"),
                 Category.UNCERTAIN.label: QColor("#fcc419"), "Confirmed": QColor("#69db7c"),
                 "Not classified": QColor("#8a94a6"), "Changed": QColor("#fcc419")}
GUESSED_COLOR = QColor("#7c8595")  # a title, artist or album read from names, not tags
OLDER_MODEL = "Older model"  # the genre shown is another model's: classify updates it
STATUS_COLORS[OLDER_MODEL] = GUESSED_COLOR  # muted, like the guessed names
Roots = Mapping[int, str]  # folder id -> the watched folder's path
NO_ROOTS: Roots = {}


class Column(IntEnum):
    """The table's columns, in order."""

    TITLE = 0
    ARTIST = 1
    ALBUM = 2
    DURATION = 3
    TAG_GENRE = 4
    PREDICTED = 5
    CONFIDENCE = 6
    STATUS = 7
    FOLDER = 8  # optional, hidden at first: the header's context menu shows it


HEADERS = ("Title", "Artist", "Album", "Length", "Tag genre", "Genre", "Confidence", "Status",
           "Folder")
# What the Confidence column means, in one line: its header's tooltip and the legend. The
# shipped genre bundles' uncertain_threshold (resources/models/*/bundle.json), unless Settings
# sets another: read here without opening a bundle (that imports torch).
SHIPPED_THRESHOLD = 0.4
CONFIDENCE_LEGEND = ("Confidence: how sure the model is; below {threshold:.0%} it is shown as "
                     "uncertain")
HEADER_TIPS: dict[int, str] = {
    Column.CONFIDENCE: CONFIDENCE_LEGEND.format(threshold=SHIPPED_THRESHOLD),
    Column.FOLDER: "The folder the file is in"}
NUMERIC_COLUMNS = frozenset({Column.DURATION, Column.CONFIDENCE})  # sort_values gives floats


def format_duration(seconds: float | None) -> str:
    """m:ss (or h:mm:ss) for a track length; empty when unknown."""
    if seconds is None:
        return ""
    minutes, secs = divmod(int(round(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def status_text(row: BrowseRow) -> str:
    """A short word for where the track stands: by the sidebar's rules (library.categories),
    so a row under Uncertain says "Uncertain"; a track to classify says why."""
    if row.status != TrackStatus.OK:
        return TrackStatus(row.status).label
    if row.user_genres:
        return "Confirmed"
    if Category.UNCLASSIFIED.rule(row, None):
        return ("Not classified" if row.confidence is None else "Changed" if row.stale
                else OLDER_MODEL)
    for shown in (Category.NOT_MUSIC, Category.UNCERTAIN):
        if shown.rule(row, None):
            return shown.label
    return "Classified"


def genre_text(row: BrowseRow) -> str:
    """The genre column: the user's genres marked as confirmed, else the prediction's."""
    if row.user_genres:
        return CONFIRMED_MARK + ", ".join(row.user_genres)
    if row.not_music:
        return NOT_MUSIC
    if row.uncertain and row.probabilities:
        return f"{row.probabilities[0][0]}?"
    return ", ".join(row.predicted)


def folder_of(path: str) -> str:
    """The folder a file is in, as the user reads it."""
    return display_path(path).rsplit("/", 1)[0]


def _guess(row: BrowseRow, roots: Roots, which: int) -> str:
    return guessed_names(row.path, roots.get(row.folder_id))[which]  # type: ignore[arg-type]


# What each column's cells show, in Column order. A lookup, not a `match` over the columns:
# views and sorting ask 50,000 times, and each enum comparison of a match costs as much.
# Untagged titles, artists and albums fall back to names from the path (shown muted).
CELL_TEXT: tuple[Callable[[BrowseRow, Roots], str], ...] = (
    lambda row, roots: row.title or display_path(row.path).rsplit("/", 1)[-1],
    lambda row, roots: row.artist or _guess(row, roots, 1),
    lambda row, roots: row.album or _guess(row, roots, 2),
    lambda row, roots: format_duration(row.duration),
    lambda row, roots: ", ".join(row.tag_genres),
    lambda row, roots: genre_text(row),
    lambda row, roots: "" if row.confidence is None else f"{row.confidence:.0%}",
    lambda row, roots: status_text(row),
    lambda row, roots: folder_of(row.path),
)
TAG_FIELDS = {Column.TITLE: "title", Column.ARTIST: "artist", Column.ALBUM: "album"}


def display_value(row: BrowseRow, column: int, roots: Roots = NO_ROOTS) -> str:
    """What a cell shows."""
    return CELL_TEXT[column](row, roots)


def is_guessed(row: BrowseRow, column: int) -> bool:
    """Whether a cell shows a name from the path because the tag is empty."""
    field = TAG_FIELDS.get(column)  # type: ignore[call-overload]
    return field is not None and not getattr(row, field)


def search_text(row: BrowseRow) -> str:
    """Everything the search box matches against, folded once."""
    parts = (row.title, row.artist, row.album, display_path(row.path))
    return " ".join(p for p in parts if p).casefold() + genre_words(row.tag_genres, row.genres)


@lru_cache(maxsize=4096)  # a library's rows share a few hundred pairs of genre lists
def genre_words(tag_genres: tuple[str, ...], genres: tuple[str, ...]) -> str:
    """The genres part of a search text, folded, each word after a space."""
    canonical = canonical_genres((*tag_genres, *genres))
    # Each genre also as its spelling-free key: "hiphop", "hip-hop" and "Hip Hop" all find
    # a "Hiphop" tag and the model's "Hip-Hop".
    words = (*tag_genres, *genres, *canonical, *map(genre_key, canonical))
    return "".join(f" {w}" for w in words if w).casefold()


def sort_values(rows: Sequence[BrowseRow], column: int,
                roots: Roots = NO_ROOTS) -> list[float | str | None]:
    """What each row sorts by in a column: a number, folded text, or None when empty."""
    if column == Column.DURATION:
        return [r.duration for r in rows]
    if column == Column.CONFIDENCE:
        return [r.confidence for r in rows]
    text = CELL_TEXT[column]
    return [text(r, roots).removeprefix(CONFIRMED_MARK).casefold() or None for r in rows]


def contiguous_runs(positions: Iterable[int]) -> list[tuple[int, int]]:
    """Sorted (first, last) runs of consecutive row numbers."""
    runs: list[tuple[int, int]] = []
    for pos in sorted(set(positions)):
        if runs and runs[-1][1] == pos - 1:
            runs[-1] = (runs[-1][0], pos)
        else:
            runs.append((pos, pos))
    return runs


class TrackTableModel(QAbstractTableModel):
    """Rows of the track table, addressable by track id."""

    def __init__(self, parent: object | None = None) -> None:
        super().__init__(parent)  # type: ignore[arg-type]
        self._rows: list[BrowseRow] = []
        self._texts: list[str] = []  # search_text of each row, in the same order
        self._position: dict[int, int] = {}
        self.roots: Roots = {}  # where names are guessed up to (see guessed_names)
        self.tally = CategoryTally()  # the sidebar's counts, kept with every change
        # Canonical genre -> the rows under it (Category.GENRE's rule, kept row by row): a
        # genre's rows without asking the rule of 100,000 rows (120 ms of the GUI thread).
        self._in_genre: dict[str, set[int]] = {}
        self._bold = QFont()
        self._bold.setBold(True)
        self._italic = QFont()
        self._italic.setItalic(True)

    # Views call these thousands of times per frame: no default QModelIndex built per call.
    def rowCount(self, parent: Index | None = None) -> int:  # noqa: N802 (Qt's name)
        return 0 if parent is not None and parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index | None = None) -> int:  # noqa: N802
        return 0 if parent is not None and parent.isValid() else len(HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section] if 0 <= section < len(HEADERS) else None
        return HEADER_TIPS.get(section) if role == Qt.ItemDataRole.ToolTipRole else None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        return self.cell(index.row(), index.column(), role) if index.isValid() else None

    def cell(self, source_row: int, column: int, role: int) -> object:
        """A cell's data for a role (the filter model asks here directly, without an index)."""
        row = self._rows[source_row]
        if role == Qt.ItemDataRole.DisplayRole:
            return display_value(row, column, self.roots)
        if role == ROW_ROLE:
            return row
        if role == Qt.ItemDataRole.ForegroundRole and column in TAG_FIELDS:
            return GUESSED_COLOR if is_guessed(row, column) else None
        if role == Qt.ItemDataRole.ForegroundRole and column == Column.PREDICTED:
            return GUESSED_COLOR if row.outdated and not row.user_genres else None
        if role == Qt.ItemDataRole.FontRole and column == Column.PREDICTED:
            return self._bold if row.user_genres else self._italic if row.uncertain else None
        if role == Qt.ItemDataRole.ForegroundRole and column == Column.STATUS:
            return STATUS_COLORS.get(status_text(row))
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row, column)
        if role == Qt.ItemDataRole.TextAlignmentRole and column == Column.DURATION:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    @staticmethod
    def _tooltip(row: BrowseRow, column: int) -> str | None:
        if column == Column.STATUS and row.error:
            return row.error
        if column == Column.PREDICTED and row.user_genres:
            return "Set by you (confirmed); wins over the prediction"
        if column in (Column.PREDICTED, Column.STATUS) and row.outdated:
            return (f"Predicted by {row.predicted_by}, not the model chosen in Settings: "
                    "Classify (Ctrl+K) predicts it again")
        if column in (Column.TITLE, Column.FOLDER):
            return display_path(row.path)
        if is_guessed(row, column) and display_value(row, column):
            return f"From the folder name: the file has no {TAG_FIELDS[column]} tag"  # type: ignore[index]
        return None

    def set_roots(self, roots: Roots) -> None:
        """The watched folders (id -> path): names are guessed from the folders below them."""
        if dict(roots) != dict(self.roots):
            self.roots = dict(roots)
            if self._rows:
                self.dataChanged.emit(self.createIndex(0, Column.ARTIST),
                                      self.createIndex(len(self._rows) - 1, Column.ALBUM))

    def row(self, source_row: int) -> BrowseRow:
        """The record at a row of this model."""
        return self._rows[source_row]

    def rows(self) -> list[BrowseRow]:
        """Every record, in table order (a copy)."""
        return list(self._rows)

    def search_texts(self) -> list[str]:
        """Each row's search_text, in table order (the model's own list: read, don't change)."""
        return self._texts

    def row_of(self, track_id: int) -> int | None:
        """The table row of a track, if present."""
        return self._position.get(track_id)

    def rows_in_genre(self, genre: str) -> list[int]:
        """The rows under a genre's sidebar entry (in_category(row, GENRE, genre)), in order."""
        return sorted(self._in_genre.get(canonical_genre(genre), ()))

    def _index_genres(self, at: int, row: BrowseRow, add: bool = True) -> None:
        if counts_in_genres(row):
            for genre in canonical_genres(row.genres):
                rows = self._in_genre.setdefault(genre, set())
                rows.add(at) if add else rows.discard(at)

    def upsert_rows(self, records: Iterable[BrowseRow]) -> None:
        """Replace the rows of known ids in place and append the new ones in one insert."""
        new: list[BrowseRow] = []
        changed: list[int] = []
        for record in {r.id: r for r in records}.values():  # the newest of each id
            at = self._position.get(record.id)
            self.tally.add(record)
            if at is None:
                new.append(record)
            else:
                self.tally.remove(self._rows[at])
                self._index_genres(at, self._rows[at], add=False)
                self._index_genres(at, record)
                self._rows[at] = record
                self._texts[at] = search_text(record)
                changed.append(at)
        for first, last in contiguous_runs(changed):  # one signal per run, not one huge range
            # createIndex, not index(): that one asks Python's rowCount and columnCount too.
            self.dataChanged.emit(self.createIndex(first, 0),
                                  self.createIndex(last, len(HEADERS) - 1))
        if new:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(new) - 1)
            self._rows.extend(new)
            self._texts.extend(search_text(r) for r in new)
            self._position.update((r.id, first + i) for i, r in enumerate(new))
            for i, record in enumerate(new, start=first):
                self._index_genres(i, record)
            self.endInsertRows()
            keep_long_lived(len(new))  # a library's rows live as long as the window

    def remove_ids(self, track_ids: Iterable[int]) -> None:
        """Remove the rows of these tracks, one contiguous run at a time, from the bottom up."""
        positions = [self._position[i] for i in track_ids if i in self._position]
        for first, last in reversed(contiguous_runs(positions)):
            for gone in self._rows[first : last + 1]:
                self.tally.remove(gone)
            self.beginRemoveRows(QModelIndex(), first, last)
            del self._rows[first : last + 1]
            del self._texts[first : last + 1]
            self.endRemoveRows()
        self._position = {r.id: i for i, r in enumerate(self._rows)}
        if positions:  # the rows below moved up: index them anew
            self._in_genre = {}
            for i, record in enumerate(self._rows):
                self._index_genres(i, record)
