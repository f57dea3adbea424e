"""The track table's rows behave like a music app's: Enter or a double-click plays the row in
the preview player, Space pauses or resumes, and a context menu acts on the rows.

"These rows" are the selection; a right-click on a row outside it selects that row first, as
music apps do. Export and Write Tags take the view when nothing is selected (gui/track_scope).
The menu's jobs run workflows on the window's JobRunner like every other job.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from platformdirs import user_music_path
from PySide6.QtCore import QEvent, QItemSelectionModel, QModelIndex, QObject, QPoint, Qt, QUrl, Slot
from PySide6.QtGui import QDesktopServices, QGuiApplication, QKeyEvent
from PySide6.QtWidgets import QFileDialog, QLabel, QMenu

from gui import jobs
from gui.dialogs.forget_missing import ForgetMissingQuestion
from gui.item_models.track_filter import TrackFilterModel
from gui.item_models.track_table import CONFIDENCE_LEGEND, SHIPPED_THRESHOLD
from gui.more_like_this import show_similar
from gui.track_scope import selected_rows, view_scope
from gui.workers import GeneratorWorker
from library.categories import category as category_of
from library.records import BrowseRow, TrackStatus, display_path
from workflows.events import Event, Notice, Problem

QUEUED = Qt.ConnectionType.QueuedConnection
PLAYLIST_FILTERS = {"M3U8 playlist (*.m3u8)": ".m3u8", "XSPF playlist (*.xspf)": ".xspf"}
# The keys the rows answer to, beside the menus' shortcuts (the shortcuts dialog lists both).
ROW_KEYS = (("Enter, double-click", "Play the track in the preview player"),
            ("Space", "Pause or resume the preview (the table has the focus)"),
            ("Right-click, Menu key", "What can be done with the selected tracks"))


class RowActions(QObject):
    """Playback keys and the context menu of the window's track table."""

    def __init__(self, window: Any) -> None:  # the MainWindow (which imports this module)
        super().__init__(window)
        self.window = window
        self.view = window.track_view
        self.view.activated.connect(self.play_index)  # Enter, and a double-click
        self.view.installEventFilter(self)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self.show_menu)
        self.menu: QMenu | None = None
        self.question: ForgetMissingQuestion | None = None
        # The Confidence column in one line, left in the status bar (messages cover it a while).
        threshold = window.settings.classify_options().threshold or SHIPPED_THRESHOLD
        self.legend = QLabel(CONFIDENCE_LEGEND.format(threshold=threshold))
        self.legend.setObjectName("legend")
        window.statusBar().addWidget(self.legend)

    # ---- playing ---------------------------------------------------------------------------
    def _row_at(self, index: QModelIndex) -> BrowseRow | None:
        model = self.view.model()
        assert isinstance(model, TrackFilterModel)
        return model.row(index.row()) if index.isValid() else None

    @Slot(QModelIndex)
    def play_index(self, index: QModelIndex) -> bool:
        """Play the row's file from its start in the details pane's player."""
        row = self._row_at(index)
        if row is None:
            return False
        if row.status != TrackStatus.OK:
            self._say(f"Nothing to play: {display_path(row.path)} is "
                      f"{TrackStatus(row.status).label.lower()}")
            return False
        details = self.window.details
        if details.track_id != row.id:  # a key press may act before the selection settles
            details.show_row(row)
        details.ensureWidgetVisible(details.player)  # the pane may have been scrolled down
        return bool(details.player.play(row.path))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        # Space belongs to the player while the table has the focus; with any modifier it
        # keeps Qt's meaning (Ctrl+Space toggles a row's selection).
        if (watched is self.view and event.type() == QEvent.Type.KeyPress
                and isinstance(event, QKeyEvent) and event.key() == Qt.Key.Key_Space
                and event.modifiers() == Qt.KeyboardModifier.NoModifier):
            self.window.details.player.toggle()
            return True
        return super().eventFilter(watched, event)

    # ---- the context menu ------------------------------------------------------------------
    @Slot(QPoint)
    def show_menu(self, at: QPoint) -> QMenu:
        """The menu for the row under `at` and the selection (the row selected first)."""
        index = self.view.indexAt(at)
        if index.isValid() and not self.view.selectionModel().isRowSelected(index.row()):
            self.view.selectRow(index.row())
        if index.isValid():  # the row Play and Open act on; the selection stays as it is
            self.view.selectionModel().setCurrentIndex(
                index, QItemSelectionModel.SelectionFlag.NoUpdate)
        rows = selected_rows(self.view)
        # The Menu key asks at no row: the row with the keyboard focus is the one meant.
        row = self._row_at(index if index.isValid() or not rows else self.view.currentIndex())
        self.menu = self.build_menu(row, rows)
        self.menu.popup(self.view.viewport().mapToGlobal(at))
        return self.menu

    def build_menu(self, row: BrowseRow | None, rows: list[BrowseRow]) -> QMenu:
        """The entries for the clicked row and the selected rows; each says what it acts on."""
        menu = QMenu(self.view)
        menu.setObjectName("rowMenu")
        present = row is not None and row.status == TrackStatus.OK
        play = menu.addAction("&Play", lambda: self.play_index(self.view.currentIndex()))
        play.setEnabled(present)
        folder = menu.addAction("Open Containing &Folder", lambda: self.open_folder(row))
        folder.setEnabled(row is not None)
        copy = menu.addAction("&Copy Path" if len(rows) < 2 else f"&Copy {len(rows)} Paths",
                              lambda: self.copy_paths(rows))
        copy.setEnabled(bool(rows))
        menu.addSeparator()
        menu.addAction("Set &Genre…", self.window.ask_set_genre).setEnabled(bool(rows))
        menu.addAction("&Write Tags for These…", self.window.open_write_dialog)
        menu.addAction("&More Like This", lambda: show_similar(self.window)).setEnabled(
            row is not None)
        menu.addAction("&Export as Playlist…", self.export_playlist)
        menu.addSeparator()
        missing = [r for r in rows if r.status == TrackStatus.MISSING]
        forget = menu.addAction("Fo&rget…", lambda: self.ask_forget(missing))
        forget.setEnabled(bool(missing))
        forget.setToolTip("Only tracks whose files were not found at the last scan")
        menu.setToolTipsVisible(True)
        return menu

    def open_folder(self, row: BrowseRow | None) -> bool:
        """Show the row's folder in the desktop's file manager."""
        if row is None:
            return False
        folder = Path(row.path).parent
        if not folder.is_dir():
            self._say(f"The folder {display_path(str(folder))} is not there any more")
            return False
        return QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))

    def copy_paths(self, rows: list[BrowseRow]) -> None:
        """Put the rows' paths on the clipboard, one a line."""
        QGuiApplication.clipboard().setText("\n".join(display_path(r.path) for r in rows))
        self._say(f"Copied {len(rows)} path{'s' if len(rows) != 1 else ''}", 3000)

    def ask_forget(self, missing: list[BrowseRow]) -> ForgetMissingQuestion:
        """Ask first; on yes, forget those tracks (only missing ones: a present file stays)."""
        question = ForgetMissingQuestion(missing, self.window)
        ids = [r.id for r in missing]
        # The window's own job start: its handlers take the RowsRemoved out of the table.
        question.confirmed.connect(lambda: self.window._start(
            jobs.FORGET_MISSING, jobs.forget_missing(ids)))
        self.question = question
        question.open()
        return question

    # ---- playlists -------------------------------------------------------------------------
    @Slot()
    def export_playlist(self) -> GeneratorWorker | None:
        """Ask where, then write the selection (none selected: the view) as a playlist."""
        scope = view_scope(self.view)
        model = self.view.model()
        assert isinstance(model, TrackFilterModel)
        selected = selected_rows(self.view)
        rows = selected or model.shown_rows()
        if not rows:
            self._say("No track to export: the view is empty", 5000)
            return None
        start = user_music_path() if user_music_path().is_dir() else Path.home()
        kind, value = model.category
        name = "Selection" if selected else value or category_of(kind).label
        path, chosen = QFileDialog.getSaveFileName(
            self.window, f"Export {scope.label} as a playlist",
            str(start / f"{name}.m3u8"), ";;".join(PLAYLIST_FILTERS))
        if not path:
            return None
        if Path(path).suffix.lower() not in PLAYLIST_FILTERS.values():
            path += PLAYLIST_FILTERS.get(chosen, ".m3u8")
        return self.window.runner.start(
            jobs.EXPORT, jobs.export_playlist(rows, dict(self.window.table.roots), path),
            on_start=lambda worker: worker.batch.connect(self._on_export_events, QUEUED))

    @Slot(list)
    def _on_export_events(self, items: list[Event]) -> None:
        for item in items:
            if isinstance(item, Notice | Problem):
                self._say(item.text.removeprefix("error: "), 0 if isinstance(item, Problem)
                          else 8000)

    def _say(self, text: str, ms: int = 6000) -> None:
        self.window.statusBar().showMessage(text, ms)
