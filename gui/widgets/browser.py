"""The library browser: Artists | Albums lists above the track table (a paned browser, as
Quod Libet's and Rhythmbox's), narrowing the table within the sidebar's genre and the search.

The artist → album tree is built by a worker (workflows.albums.artist_tree) from the table's
rows whenever the rows or the genre/search view change; the lists show the artists and
albums having tracks in that view, with counts. Choosing one hands its tracks to the table's
filter; activating one (double-click, Enter) also selects them in the table.
"""

from __future__ import annotations

import time

from PySide6.QtCore import (
    QItemSelection,
    QItemSelectionModel,
    QSize,
    Qt,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtWidgets import QAbstractItemView, QListView, QSplitter

from gui.covers import THUMB, CoverStore
from gui.interpreter import run_paused
from gui.jobs import LOAD
from gui.item_models.artist_album import AlbumListModel, ArtistListModel
from gui.item_models.track_filter import TrackFilterModel
from gui.item_models.track_table import TrackTableModel
from gui.widgets.delegates import CountBadgeDelegate
from gui.widgets.details_pane import DetailsPane
from gui.widgets.views import TrackView
from gui.workers import GeneratorWorker, Job, JobKind, JobRunner, Outcome
from workflows import albums
from workflows.albums import ArtistTree
from workflows.events import ArtistTreeReady, Event

BUILD_TREE = JobKind("artist-tree", needs_model=False)
LAYOUT_SETTLE_S = 0.3  # after a tree is shown, its lists' batched layout (60,000 albums: 0.2 s)
FREEZE_TREE_OF = 20_000  # rows from which a built tree is frozen (gui/interpreter.py)
LIST_HEIGHT = 170  # the lists' first height: ten artists, five albums with their covers
QUEUED = Qt.ConnectionType.QueuedConnection


def build_tree(table: TrackTableModel, proxy: TrackFilterModel, stamp: int) -> Job:
    """The artist tree of the table's rows, counted over the proxy's genre and search view
    (lists copied here, on the GUI thread: the table changes while the worker counts)."""
    rows, texts, roots = table.rows(), list(table.search_texts()), dict(table.roots)
    entry, words = proxy.category, proxy.words

    # With the collector paused: 200,000 short-lived objects at 100,000 tracks; the tree
    # lives until the next one.
    return lambda ctx: iter(run_paused(
        albums.artist_tree(rows, texts, entry, words, roots, ctx.cancelled, stamp),
        lambda _: len(rows), FREEZE_TREE_OF))


def entry_list(name: str, icons: bool) -> QListView:
    """One of the browser's lists: uniform rows (thousands of artists scroll lightly)."""
    view = QListView()
    view.setObjectName(name)
    view.setUniformItemSizes(True)
    # Laid out in batches between events: 60,000 albums in one pass hold the GUI ~0.2 s.
    view.setLayoutMode(QListView.LayoutMode.Batched)
    view.setBatchSize(2000)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setItemDelegate(CountBadgeDelegate(view))
    if icons:
        view.setIconSize(QSize(THUMB, THUMB))
    return view


class LibraryBrowser(QSplitter):
    """The Artists and Albums lists above the track table."""

    tree_shown = Signal()  # a new tree is in the lists (tests wait for it)

    def __init__(self, runner: JobRunner, table: TrackTableModel, proxy: TrackFilterModel,
                 track_view: TrackView, details: DetailsPane) -> None:
        super().__init__(Qt.Orientation.Vertical)
        # Its own runner: the browser's reads are no jobs of the user's (Esc, the status bar
        # and the window's job list leave them alone). The window shuts it down as it closes:
        # a thread still running at exit would abort the process.
        self.runner = JobRunner(runner.db_path, self)
        # While the window's library load runs, no tree: one of part of the rows is soon
        # stale, and a build (a second of the interpreter lock at 100,000 rows) beside the
        # loader starved the GUI thread of the lock for up to 0.5 s. From the load's start
        # to its outcome, which comes after its last rows are in the table.
        self._loads = len(runner.running(LOAD))  # the window's first load starts before us
        runner.started.connect(self._on_job_started)
        runner.job_finished.connect(self._on_job_finished)
        self.table, self.proxy, self.track_view = table, proxy, track_view
        self.covers = CoverStore(self.runner, self)
        self.artists, self.albums = ArtistListModel(self), AlbumListModel(self.covers, self)
        self.tree = ArtistTree()
        self.chosen: tuple[str | None, str | None] = (None, None)  # artist key, album key
        self._build_views()
        self._stamp = 0  # the number of the latest view asked for; older answers are dropped
        self._built_for: object = None  # the view the shown tree counts
        self._rows_changed = 0
        self._shown_at = 0.0  # time.monotonic() when the lists got their last tree
        self._timer = QTimer(self, singleShot=True, interval=200)
        self._timer.timeout.connect(self._rebuild)
        for signal in (table.rowsInserted, table.rowsRemoved, table.dataChanged,
                       table.modelReset):
            signal.connect(self._on_rows_changed)
        proxy.layoutChanged.connect(self._schedule)  # a genre or search change relays out
        self._details = details
        details.track_shown.connect(self._show_cover)
        self.covers.cover_ready.connect(self._on_cover)

    def _build_views(self) -> None:
        self.artist_view = entry_list("artistList", icons=False)
        self.album_view = entry_list("albumList", icons=True)
        self.artist_view.setModel(self.artists)
        self.album_view.setModel(self.albums)
        self.artist_view.selectionModel().selectionChanged.connect(self._on_artist)
        self.album_view.selectionModel().selectionChanged.connect(self._on_album)
        for view in (self.artist_view, self.album_view):
            view.activated.connect(self._select_tracks)
        lists = QSplitter(Qt.Orientation.Horizontal)
        lists.setObjectName("browserLists")
        lists.addWidget(self.artist_view)
        lists.addWidget(self.album_view)
        self.addWidget(lists)
        self.addWidget(self.track_view)
        self.setStretchFactor(1, 1)
        self.setSizes([LIST_HEIGHT, 600])

    # ---- building the tree in a worker ----------------------------------------------------
    def _on_rows_changed(self, *_: object) -> None:
        self._rows_changed += 1
        self._schedule()

    @Slot()
    def _schedule(self) -> None:
        if not self._timer.isActive():  # at most one build per interval, however busy
            self._timer.start()

    @Slot()
    def _rebuild(self) -> None:
        if self._loads:
            return  # built when the load has ended
        if time.monotonic() - self._shown_at < LAYOUT_SETTLE_S:
            # The lists lay out a tree just shown in batches between events, each row a call
            # into Python; beside a build those calls queued for the lock, and the GUI
            # stalled 120-165 ms. The next build starts once they are done.
            self._timer.start()
            return
        view = (self.proxy.category, self.proxy.words, self._rows_changed)
        if view == self._built_for:
            return  # a sort or the browser's own narrowing: the counts stand
        self._stamp += 1  # an answer for an older view is dropped
        if self.runner.running(BUILD_TREE):
            # One build at a time: two would share one core's worth of Python (the GIL);
            # the running one stops early and this view is built when it has ended.
            self.runner.cancel(BUILD_TREE)
            self._built_for = None  # whichever view it was for, it brings no tree
            return
        self._built_for = view
        self.runner.start(BUILD_TREE, build_tree(self.table, self.proxy, self._stamp),
                          on_start=self._wire)

    def _on_job_started(self, worker: GeneratorWorker) -> None:
        if worker.kind == LOAD:
            self._loads += 1
            self.runner.cancel(BUILD_TREE)

    def _on_job_finished(self, outcome: Outcome) -> None:
        if outcome.kind == LOAD:
            self._loads = max(self._loads - 1, 0)  # ours, or one that ended before we were
            self._schedule()

    def _wire(self, worker: GeneratorWorker) -> None:
        worker.batch.connect(self._on_items, QUEUED)
        worker.finished.connect(self._schedule, QUEUED)  # a view asked for meanwhile

    @Slot(list)
    def _on_items(self, items: list[Event]) -> None:
        for item in items:
            if isinstance(item, ArtistTreeReady) and item.stamp == self._stamp:
                self.show_tree(item.tree)

    def show_tree(self, tree: ArtistTree) -> None:
        """Show a tree, keeping the chosen artist and album while they have tracks in view."""
        artist_key, album_key = self.chosen
        self.tree = tree
        self._shown_at = time.monotonic()
        self.artists.set_tree(tree)
        if tree.artist(artist_key) is None:
            artist_key = album_key = None  # gone from this view: back to all artists
        self._choose(self.artist_view, self.artists.row_of(artist_key))
        self._show_albums(artist_key)
        if self.albums.row_of(album_key) is None:
            album_key = None
        self._choose(self.album_view, self.albums.row_of(album_key))
        self.chosen = (artist_key, album_key)
        self._narrow()  # the new tree's ids: tracks added or renamed since join or leave
        self.tree_shown.emit()

    # ---- choosing -------------------------------------------------------------------------
    @staticmethod
    def _choose(view: QListView, row: int | None) -> None:
        """Select a row (None: the "All" row) without a selection signal's side effects."""
        model = view.model()
        view.selectionModel().blockSignals(True)
        view.setCurrentIndex(model.index(row or 0, 0))
        view.selectionModel().blockSignals(False)
        view.viewport().update()

    def _show_albums(self, artist_key: str | None) -> None:
        artist = self.tree.artist(artist_key)
        self.albums.set_albums(self.tree.albums(artist_key),
                               artist.count if artist else self.tree.tracks, artist is None)

    def choose_artist(self, key: str | None) -> None:
        """Narrow the table to an artist's tracks (None: every artist's)."""
        self.chosen = (key, None)
        self._choose(self.artist_view, self.artists.row_of(key))
        self._show_albums(key)
        self._choose(self.album_view, 0)
        self._narrow()

    def choose_album(self, key: str | None) -> None:
        """Narrow the table to an album's tracks (None: the chosen artist's)."""
        self.chosen = (self.chosen[0], key)
        self._choose(self.album_view, self.albums.row_of(key))
        self._narrow()

    def _on_artist(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        rows = selected.indexes()
        if rows:
            entry = self.artists.entry(rows[0].row())
            self.choose_artist(entry.key if entry else None)

    def _on_album(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        rows = selected.indexes()
        if rows:
            entry = self.albums.entry(rows[0].row())
            self.choose_album(entry.key if entry else None)

    def _narrow(self) -> None:
        artist_key, album_key = self.chosen
        album = self.albums.entry(self.albums.row_of(album_key) or 0) if album_key else None
        artist = self.tree.artist(artist_key)
        chosen = album or artist
        self.proxy.set_subset(chosen.track_ids if chosen is not None else None)

    @Slot()
    def _select_tracks(self) -> None:
        """Select every track the table shows now (the chosen artist's or album's) and play
        the first, as activating a row plays it (gui/row_actions.py)."""
        if self.proxy.rowCount():
            first = self.proxy.index(0, 0)
            self.track_view.selectionModel().setCurrentIndex(
                first, QItemSelectionModel.SelectionFlag.NoUpdate)
            self.track_view.selectAll()
            self.track_view.setFocus()
            self.track_view.activated.emit(first)

    # ---- the details pane's cover -----------------------------------------------------------
    @Slot(object)
    def _show_cover(self, path: str | None) -> None:
        self._details.show_cover(self.covers.large(path) if path else None)

    @Slot(str)
    def _on_cover(self, path: str) -> None:
        if path == self._details.shown_path:
            self._details.show_cover(self.covers.large(path))
