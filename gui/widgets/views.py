"""The sidebar tree, the track table, and the first-run empty state."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import (
    QByteArray,
    QEvent,
    QItemSelection,
    QModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QEnterEvent, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
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
from gui.widgets import table_layout
from gui.widgets.delegates import ConfidenceDelegate, CountBadgeDelegate


class SidebarView(QTreeView):
    """The genre sidebar; emits the chosen category."""

    category_chosen = Signal(str, object)  # kind, genre or None

    def __init__(self, model: SidebarModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sidebar")
        self.sidebar_model = model
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
            self.sidebar_model.keep = key
            self.category_chosen.emit(*key)

    # Under the mouse the entries stay put (SidebarModel.hold): counts change in place.
    def enterEvent(self, event: QEnterEvent) -> None:  # noqa: N802 (Qt's name)
        self.sidebar_model.hold(True)
        super().enterEvent(event)

    def leaveEvent(self, event: QEvent) -> None:  # noqa: N802
        self.sidebar_model.hold(False)
        super().leaveEvent(event)


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
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)  # widths are the user's
        header.setSectionsMovable(True)
        header.setMinimumSectionSize(48)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(lambda at: table_layout.column_menu(self, at))
        self.first_layout_pending = True  # until sized for the space it gets, or restored
        self._layout_scheduled = False

    def restore_layout(self, state: QByteArray | bytes | None) -> bool:
        """Put back the columns as the user left them (False: none saved, first layout)."""
        if table_layout.restore(self.horizontalHeader(), state):
            self.first_layout_pending = False
        return not self.first_layout_pending

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        if not self.first_layout_pending:
            table_layout.fill_with_title(self)
        elif not self._layout_scheduled:  # once the window's first sizes have settled
            self._layout_scheduled = True
            QTimer.singleShot(0, self, self._first_layout)

    def _first_layout(self) -> None:
        self._layout_scheduled = False
        width = table_layout.usable_width(self)
        if self.first_layout_pending and width > 200:  # 200: not yet laid out in its window
            table_layout.apply_first_layout(self, width)
            self.first_layout_pending = False

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
        self.text = QLabel("Add a folder of music. GenreLens reads its tags, listens to a few "
                           "seconds of each track and sorts it by genre. Nothing is written to "
                           "your files unless you ask.", wordWrap=True, objectName="emptyText")
        # The Music folder only where there is one; otherwise the folder chooser is the offer.
        has_music = music_dir.is_dir()
        self.button = QPushButton(f"Add your Music folder ({music_dir})" if has_music
                                  else "Add a folder…", objectName="primary")
        self.button.clicked.connect(
            lambda: self.add_clicked.emit(str(self.music_dir) if has_music else ""))
        self.other = QPushButton("Choose another folder…")
        self.other.clicked.connect(lambda: self.add_clicked.emit(""))
        self.other.setVisible(has_music)
        self.text.setFixedWidth(440)
        self.text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = QVBoxLayout(self)
        layout.addStretch(2)
        for widget in (title, self.text, self.button, self.other):
            if widget is self.text:  # centred by stretches, not an alignment flag: an aligned
                row = QHBoxLayout()  # word-wrapped label gets its one-line height, cut off
                row.addStretch()
                row.addWidget(widget)
                row.addStretch()
                layout.addLayout(row)
            else:
                layout.addWidget(widget, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(3)
