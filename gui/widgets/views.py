"""The sidebar tree, the track table, and the first-run empty state."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QItemSelection, QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from gui.item_models.sidebar import KEY_ROLE, SidebarModel
from gui.item_models.track_filter import TrackFilterModel
from gui.item_models.track_table import Column
from gui.widgets.delegates import ConfidenceDelegate, CountBadgeDelegate

# Title stretches into what is left: keep the rest tight so titles stay readable at 1440 px.
WIDTHS = {Column.ARTIST: 108, Column.ALBUM: 108, Column.DURATION: 58, Column.TAG_GENRE: 88,
          Column.PREDICTED: 132, Column.CONFIDENCE: 92, Column.STATUS: 96}


class SidebarView(QTreeView):
    """The genre sidebar; emits the chosen category."""

    category_chosen = Signal(str, object)  # kind, genre or None

    def __init__(self, model: SidebarModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sidebar")
        self.setModel(model)
        self.setHeaderHidden(True)
        self.setRootIsDecorated(False)
        self.setIndentation(10)
        self.setItemsExpandable(False)
        self.setItemDelegate(CountBadgeDelegate(self))
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.expandAll()
        model.rowsInserted.connect(lambda *_: self.expandAll())
        self.selectionModel().selectionChanged.connect(self._on_selection)
        self.setCurrentIndex(model.library.child(0).index())

    def _on_selection(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        indexes = selected.indexes()
        key = indexes[0].data(KEY_ROLE) if indexes else None
        if key is not None:
            self.category_chosen.emit(*key)


class TrackView(QTableView):
    """The track table: sortable, multi-select, confidence drawn as a bar."""

    def __init__(self, model: TrackFilterModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("trackTable")
        self.setModel(model)
        self.setSortingEnabled(True)
        self.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setShowGrid(False)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        self.verticalHeader().hide()
        self.verticalHeader().setDefaultSectionSize(26)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)  # 50k rows
        self.setItemDelegateForColumn(Column.CONFIDENCE, ConfidenceDelegate(self))
        header = self.horizontalHeader()
        header.setHighlightSections(False)
        header.setStretchLastSection(False)
        header.setSectionResizeMode(Column.TITLE, QHeaderView.ResizeMode.Stretch)  # titles get the room
        header.setMinimumSectionSize(48)
        for column, width in WIDTHS.items():
            self.setColumnWidth(column, width)

    def selected_ids(self) -> list[int]:
        """Track ids of the selected rows, in table order."""
        model = self.model()
        assert isinstance(model, TrackFilterModel)
        rows = sorted({i.row() for i in self.selectionModel().selectedRows()})
        return [model.row(r).id for r in rows]

    def current_track_id(self) -> int | None:
        """The id of the row with the keyboard focus, if any."""
        index: QModelIndex = self.currentIndex()
        model = self.model()
        if not index.isValid() or not isinstance(model, TrackFilterModel):
            return None
        return model.row(index.row()).id


class EmptyState(QWidget):
    """What a new user sees: one sentence and one button."""

    add_clicked = Signal(str)  # the folder to add

    def __init__(self, music_dir: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("emptyState")
        self.music_dir = music_dir
        title = QLabel("Your library is empty", objectName="emptyTitle")
        text = QLabel("Add a folder of music. GenreLens reads its tags, listens to a few "
                      "seconds of each track and sorts it by genre. Nothing is written to "
                      "your files unless you ask.", wordWrap=True, objectName="emptyText")
        self.button = QPushButton(f"Add your Music folder ({music_dir})", objectName="primary")
        self.button.clicked.connect(lambda: self.add_clicked.emit(str(self.music_dir)))
        self.other = QPushButton("Choose another folder…")
        self.other.clicked.connect(lambda: self.add_clicked.emit(""))
        layout = QVBoxLayout(self)
        layout.addStretch(2)
        for widget in (title, text, self.button, self.other):
            layout.addWidget(widget, 0, Qt.AlignmentFlag.AlignHCenter)
        text.setMaximumWidth(460)
        text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addStretch(3)
