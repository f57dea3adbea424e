"""The details pane's "Similar tracks": the tracks that sound most like the shown one.

A job (gui/jobs.py `similar`, workflows/similar.py) computes the list on a worker after the
selection settles; clicking a line asks the window to select that track.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from library.records import display_path, guessed_names
from workflows.events import Event, NoSimilar, Notice, Problem, SimilarFound, SimilarTrack

TRACK_ID = Qt.ItemDataRole.UserRole  # where an item keeps its track's id
NOT_MUSIC = "Not music"


def line_text(item: SimilarTrack, roots: dict[int, str]) -> str:
    """'87%  Artist – Title  (Jazz)': how alike, the names, the genres."""
    track = item.track
    root = roots.get(track.folder_id) if track.folder_id is not None else None
    title, artist, _ = guessed_names(track.path, root)
    name = " – ".join(p for p in (track.artist or artist, track.title or title) if p)
    genres = NOT_MUSIC if item.not_music else ", ".join(item.genres) or "uncertain"
    return f"{item.similarity:.0%}  {name}  ({genres})"


class SimilarList(QWidget):
    """A title, a caption for the state (loading, why none) and the list of similar tracks."""

    track_chosen = Signal(int)  # the id of the clicked track
    export_requested = Signal()  # "Save as Playlist…": the shown track and its similar tracks

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.caption = QLabel()
        self.caption.setObjectName("caption")
        self.caption.setWordWrap(True)
        self.list = QListWidget()
        self.list.setObjectName("similarTracks")
        self.list.setMinimumHeight(120)
        self.list.itemClicked.connect(self._clicked)
        self.list.itemActivated.connect(self._clicked)  # Enter on a line: the keyboard's click
        self.export = QPushButton("Save as Playlist…")
        self.export.setToolTip("Write this track and its similar tracks to an M3U8 or XSPF "
                               "playlist")
        self.export.clicked.connect(self.export_requested)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.caption)
        layout.addWidget(self.list)
        layout.addWidget(self.export, alignment=Qt.AlignmentFlag.AlignRight)
        self.track_id: int | None = None
        self.query_path: str | None = None  # the shown list's track (None: no list)
        self.expect(None)

    def expect(self, track_id: int | None) -> None:
        """Empty the list for the track about to be shown (None: no track)."""
        self.track_id, self.query_path = track_id, None
        self.list.clear()
        self.export.setEnabled(False)
        self.caption.setText("Looking for similar tracks…" if track_id is not None else "")

    def show_found(self, found: SimilarFound) -> None:
        """Fill the list, if it is for the shown track."""
        if found.query.track.id != self.track_id:
            return  # a late answer for a track no longer shown
        self.list.clear()
        roots = dict(found.roots)
        for near in found.tracks:
            item = QListWidgetItem(line_text(near, roots))
            item.setData(TRACK_ID, near.track.id)
            item.setToolTip(display_path(near.track.path))
            self.list.addItem(item)
        self.caption.setText("" if found.tracks else "No other classified track yet.")
        self.query_path = found.query.track.path
        self.export.setEnabled(bool(found.tracks))

    def show_none(self, none: NoSimilar) -> None:
        """Say why there is no list, if it is for the shown track."""
        if none.track_id == self.track_id:
            self.list.clear()
            self.caption.setText(none.text[:1].upper() + none.text[1:] + ".")

    @Slot(list)
    def show_words(self, events: list[Event]) -> None:
        """What a playlist export said (written, or why not)."""
        for event in events:
            if isinstance(event, (Notice, Problem)):
                self.caption.setText(event.text.removeprefix("error: "))

    def ids(self) -> list[int]:
        """The listed tracks' ids, most alike first."""
        return [int(self.list.item(i).data(TRACK_ID)) for i in range(self.list.count())]

    def _clicked(self, item: QListWidgetItem) -> None:
        self.track_chosen.emit(int(item.data(TRACK_ID)))
