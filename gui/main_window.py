"""The main window: wiring of widgets, models and workers only (no SQL, mutagen or torch here)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from platformdirs import user_music_path
from PySide6.QtCore import Qt, QTimer, Slot
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QShowEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QLabel,
    QLineEdit,
    QMainWindow,
    QSplitter,
    QStackedWidget,
)

from gui import jobs, layout_state
from gui.actions import dropped_folders, wire_window
from gui.dialogs.forget_missing import ForgetMissingQuestion
from gui.dialogs.history import HistoryDialog
from gui.dialogs.set_genre import SetGenreDialog
from gui.dialogs.settings_dialog import SettingsDialog
from gui.dialogs.remove_folder import RemoveFolderQuestion
from gui.dialogs.same_share import SameShareQuestion, show_roots_away
from gui.dialogs.tag_write import TagWriteDialog, plan_into
from gui.dialogs.write_report import BatchReport
from gui.item_models.sidebar import SidebarModel
from gui.item_models.track_filter import TrackFilterModel
from gui.item_models.track_table import TrackTableModel
from gui.row_actions import RowActions
from gui.review import ReviewController
from gui.settings import AppSettings, available_bundles, cuda_probably_available
from gui.track_scope import selected_rows, view_scope, whole_library
from gui.more_like_this import wire_similar
from gui.widgets.browser import LibraryBrowser
from gui.widgets.details_pane import DetailsPane
from gui.widgets.progress import JobProgress
from gui.widgets.table_layout import sort_of
from gui.widgets.views import EmptyState, SidebarView, TrackView
from gui.workers import GeneratorWorker, Job, JobKind, JobRunner, Outcome
from library.db import DbLocation
from library.categories import Category
from library.records import BrowseRow, FolderRecord, PlanRow
from workflows import events
from workflows.browse import ModelInUse
from workflows.events import Event, Handler, SameShareFound, handler_for
from workflows.tags import TagOptions

# Worker signals always reach the GUI thread by queue, whatever PySide infers from the slot.
QUEUED = Qt.ConnectionType.QueuedConnection


class MainWindow(QMainWindow):
    """GenreLens' main window."""

    def __init__(self, db_path: DbLocation, settings: AppSettings | None = None,
                 rescan_on_start: bool = True) -> None:
        super().__init__()
        self.db_path = db_path
        self.settings = settings or AppSettings()
        self.rescan_on_start = rescan_on_start
        self.folders: tuple[FolderRecord, ...] = ()
        self.runner = JobRunner(db_path, self)
        self.runner.job_finished.connect(self._on_job_finished)
        self.setWindowTitle("GenreLens")
        self.setAcceptDrops(True)
        self._build_models()
        self._build_widgets()
        self._build_timers()
        self.panes_restored = layout_state.restore(self.settings, self, self.splitter,
                                                   self.track_view)
        self.removal_question: RemoveFolderQuestion | None = None
        self.same_share_question: SameShareQuestion | None = None
        self.action_by_name = wire_window(self)
        self.row_actions = RowActions(self)  # rows play, pause and have a context menu
        self.batch_report = BatchReport(self)  # says what each write and undo did
        self.handlers = self._handlers()
        wire_similar(self)  # the details pane's similar tracks (gui/more_like_this.py)
        self.review = ReviewController(self)  # the Review page (gui/review.py)
        self._start(jobs.LOAD, jobs.load_library(self.model()))

    def model(self) -> ModelInUse:
        """The model rows are read against: the one Settings classifies with."""
        return self.settings.classify_options().model()

    # ---- building -------------------------------------------------------------------------
    def _build_models(self) -> None:
        self.table = TrackTableModel(self)
        self.proxy = TrackFilterModel(self.table, self)
        self.sidebar_model = SidebarModel(self)

    def _build_widgets(self) -> None:
        self.sidebar = SidebarView(self.sidebar_model)
        self.sidebar.category_chosen.connect(self.proxy.set_category)
        self.track_view = TrackView(self.proxy)
        self.track_view.selectionModel().selectionChanged.connect(self._on_selection)
        self.proxy.layoutChanged.connect(self._update_count_label)  # "n of N" after a filter
        self.details = DetailsPane()
        self.empty = EmptyState(user_music_path())
        self.empty.add_clicked.connect(self._add_from_empty_state)
        self.stack = QStackedWidget()
        self.browser = LibraryBrowser(self.runner, self.table, self.proxy, self.track_view,
                                      self.details)  # Artists | Albums above the table
        self.stack.addWidget(self.browser)
        self.stack.addWidget(self.empty)
        self.splitter = splitter = QSplitter()
        for widget, stretch in ((self.sidebar, 0), (self.stack, 1), (self.details, 0)):
            splitter.addWidget(widget)
            splitter.setStretchFactor(splitter.count() - 1, stretch)
            splitter.setCollapsible(splitter.count() - 1, False)
        self.setCentralWidget(splitter)
        self.search = QLineEdit(placeholderText="Search title, artist, album, genre  (Ctrl+F)",
                                clearButtonEnabled=True, objectName="search")
        self.search.setMinimumWidth(320)
        self.progress = JobProgress()
        self.progress.cancel_requested.connect(self.cancel_jobs)
        self.count_label = QLabel()
        self.away_label = QLabel(objectName="away")  # roots not found here: their tracks wait
        self.away_label.hide()
        self.statusBar().addPermanentWidget(self.away_label)
        self.statusBar().addPermanentWidget(self.progress)
        self.statusBar().addPermanentWidget(self.count_label)

    def _build_timers(self) -> None:
        # Debounce: one filter pass after typing pauses, one sidebar refresh per burst of
        # batches, one details job after the selection settles.
        self.search_timer = self._single_shot(
            150, lambda: self.proxy.set_search(self.search.text()))
        self.search.textChanged.connect(self.search_timer.start)
        self.sidebar_timer = self._single_shot(150, self._refresh_counts)
        self.details_timer = self._single_shot(120, self._load_details)

    def _single_shot(self, ms: int, slot: object) -> QTimer:
        timer = QTimer(self)
        timer.setSingleShot(True)
        timer.setInterval(ms)
        timer.timeout.connect(slot)
        return timer

    # ---- jobs ----------------------------------------------------------------------------
    def _start(self, kind: JobKind, job: Job) -> GeneratorWorker | None:
        """Start a job whose items feed the window (a writer may wait its turn: None)."""
        return self.runner.start(kind, job, on_start=self._wire)

    def _wire(self, worker: GeneratorWorker) -> None:
        worker.batch.connect(self._on_items, QUEUED)
        if worker.kind.label:
            worker.progress.connect(self.progress.show_progress, QUEUED)

    def _handlers(self) -> dict[type[Event], Handler]:
        """What the window does with each kind of event a job yields (others: nothing)."""
        return {
            events.RowsChanged: lambda e: self._show_rows(e.rows),
            events.RowsRemoved: lambda e: self.table.remove_ids(e.ids),
            events.FoldersChanged: lambda e: self._set_folders(e.folders),
            events.DetailsReady: self.details.show_details,
            events.SameShareFound: self._offer_same_share,
            events.RootsAway: lambda e: show_roots_away(self.away_label, e.roots),
            events.BatchDone: self.batch_report.show,  # a write or undo ended: say what it did
        }

    @Slot(list)
    def _on_items(self, items: list[Event]) -> None:
        """Apply a batch of events to the models, in place."""
        for item in items:
            if (handler := handler_for(self.handlers, item)) is not None:
                handler(item)
        self.sidebar_timer.start()

    def _show_rows(self, rows: tuple[BrowseRow, ...]) -> None:
        self.table.upsert_rows(rows)
        self._show_library()
        if any(r.id == self.details.track_id for r in rows):
            self._on_selection(force=True)  # the shown track changed: show it anew

    @Slot(object)
    def _on_job_finished(self, outcome: Outcome) -> None:
        if (words := self.batch_report.take(outcome.kind) or outcome.in_words()) is not None:
            self.statusBar().showMessage(words, 0 if outcome.error else 8000)
        if outcome.kind == jobs.LOAD:
            self._after_load()
        elif outcome.kind == jobs.SCAN:
            self._show_library()  # a scan that added nothing: back to the first-run offer
        if not any(w.kind.label for w in self.runner.running()):
            self.progress.hide()

    def _after_load(self) -> None:
        column, order = sort_of(self.track_view.horizontalHeader())
        if column >= 0:  # the sort the user left: rows loaded since came in arrival order
            self.proxy.sort(column, order)
        self.sidebar_model.loaded(self.table.tally.counts())
        self._show_library()
        if self.rescan_on_start and self.folders:
            self.rescan(classify_after=self.table.tally.counts()[Category.UNCLASSIFIED] > 0)

    @Slot()
    def cancel_jobs(self) -> None:
        """Stop every running job and drop the queued ones; finished work stays."""
        self.runner.cancel_all()

    # ---- folders ---------------------------------------------------------------------------
    @Slot()
    def choose_folder(self) -> None:
        """Ask for a folder and add it."""
        path = QFileDialog.getExistingDirectory(self, "Add a music folder", str(Path.home()))
        if path:
            self.add_folders([path])

    def add_folders(self, paths: Sequence[str], as_root: str | None = None) -> None:
        """Add folders: scan them in the background, then classify what is new."""
        folders = [str(Path(p).resolve()) for p in paths]
        self._start(jobs.SCAN, jobs.scan_folders(folders, as_root, self.model()))
        self._start(jobs.CLASSIFY, jobs.classify(self.settings.classify_options()))
        self.statusBar().showMessage(f"Adding {', '.join(folders)}: scanning…", 8000)
        self._show_library()  # the table fills as the scan goes, with its progress below

    @Slot()
    def rescan(self, classify_after: bool = True) -> None:
        """Rescan every known folder for new, changed and removed files."""
        if self.folders:
            paths = [f.path for f in self.folders]
            self._start(jobs.SCAN, jobs.scan_folders(paths, model=self.model()))
            if classify_after:
                self._start(jobs.CLASSIFY, jobs.classify(self.settings.classify_options()))

    def _set_folders(self, folders: tuple[FolderRecord, ...]) -> None:
        self.folders = folders
        self.table.set_roots({f.id: f.path for f in folders})
        self.remove_folder_menu.clear()  # type: ignore[attr-defined]
        for folder in folders:
            action = self.remove_folder_menu.addAction(folder.path)  # type: ignore[attr-defined]
            action.setData(folder.id)
        self.remove_folder_menu.setEnabled(bool(folders))  # type: ignore[attr-defined]
        self._show_library()

    def remove_folder_action(self, action: QAction) -> None:
        """Ask first, saying what goes: the folder's tracks, their predictions and labels."""
        folder = next((f for f in self.folders if f.id == int(action.data())), None)
        if folder is None:
            return
        question = RemoveFolderQuestion(folder, self.table.rows(), self)
        question.confirmed.connect(lambda folder_id: self._start(
            jobs.REMOVE_FOLDER, jobs.remove_folder(folder_id)))
        self.removal_question = question
        question.open()

    @Slot()
    def ask_forget_missing(self) -> ForgetMissingQuestion:
        """Say how many tracks are missing and forget them if the user agrees."""
        question = ForgetMissingQuestion(self.table.rows(), self)
        question.confirmed.connect(
            lambda: self._start(jobs.FORGET_MISSING, jobs.forget_missing()))
        question.open()
        return question

    def _offer_same_share(self, found: SameShareFound) -> None:
        question = SameShareQuestion(found.path, found.root_name, found.recorded, found.here,
                                     self)
        question.confirmed.connect(lambda path, name: self.add_folders([path], as_root=name))
        self.same_share_question = question
        question.open()

    def _add_from_empty_state(self, path: str) -> None:
        self.add_folders([path]) if path else self.choose_folder()

    def _show_library(self) -> None:
        kinds = [w.kind for w in self.runner.running()] + self.runner.queued()
        scanning = jobs.SCAN in kinds
        empty = self.table.rowCount() == 0 and not self.folders and not scanning
        self.stack.setCurrentWidget(self.empty if empty else self.review.page(self.browser))

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 (Qt's name)
        if dropped_folders(event):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        folders = dropped_folders(event)
        if folders:
            event.acceptProposedAction()
            self.add_folders(folders)

    # ---- classify, genres, tags --------------------------------------------------------------
    @Slot()
    def classify(self) -> None:
        """Classify every track not yet classified (or changed since)."""
        self._start(jobs.CLASSIFY, jobs.classify(self.settings.classify_options()))

    @Slot()
    def ask_set_genre(self) -> None:
        """Ask for the genre of the selected tracks and store it as the user's label."""
        rows = selected_rows(self.track_view)  # taken now: the table may change meanwhile
        if not rows:
            self.statusBar().showMessage("Select the tracks to set a genre for first.", 5000)
            return
        counts = self.table.tally.counts()
        known = sorted({g for g, _ in counts.predicted + counts.tagged}, key=str.casefold)
        dialog = SetGenreDialog.for_rows(rows, known, self)
        if dialog.exec():
            self.set_genre_of([r.id for r in rows], dialog.genres())

    def set_genre_of(self, ids: Sequence[int], genres: Sequence[str]) -> None:
        """Store genres as the user's label of tracks (empty: back to the prediction)."""
        self._start(jobs.SET_GENRE, jobs.set_genres(list(ids), list(genres), self.model()))

    @Slot()
    def open_write_dialog(self) -> TagWriteDialog:
        """Show the write dialog with the planned diff for what the user sees: the selected
        rows, else the view's; the whole library only when chosen in the dialog."""
        scopes = (view_scope(self.track_view), whole_library(self.table.rowCount()))
        dialog = TagWriteDialog(self.settings.tag_options(), scopes, self)
        dialog.replan_requested.connect(lambda options: plan_into(self.runner, dialog, options))
        dialog.apply_requested.connect(self._apply_tags)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        plan_into(self.runner, dialog, dialog.options())
        return dialog

    @Slot(object, list)
    def _apply_tags(self, options: TagOptions, plan: list[PlanRow]) -> None:
        self.settings.save_tag_options(options)
        self._start(jobs.WRITE_TAGS, jobs.apply_tags(options, plan, self.model()))

    @Slot()
    def undo_last_write(self) -> None:
        """Undo the last applied tag write."""
        self._start(jobs.UNDO, jobs.undo_last_write(self.model()))

    def undo_batch(self, batch_id: int) -> None:
        """Undo one tag-write batch, whichever it is."""
        self._start(jobs.UNDO, jobs.undo_write(batch_id, self.model()))

    @Slot()
    def show_history(self) -> HistoryDialog:
        """List past tag writes, with Undo for any of them."""
        dialog = HistoryDialog(self.runner, self.undo_batch, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    @Slot()
    def edit_settings(self) -> None:
        """Edit the classification settings."""
        dialog = SettingsDialog(self.settings.classify_options(), cuda_probably_available(),
                                available_bundles(), self)
        if dialog.exec():
            before = self.settings.classify_options().bundle
            self.settings.save_classify_options(dialog.options())
            if dialog.options().bundle != before:  # another model: other rows are to classify
                self._start(jobs.LOAD, jobs.load_library(self.model()))

    # ---- selection, search, counts ---------------------------------------------------------
    def _on_selection(self, *_: object, force: bool = False) -> None:
        track_id = self.track_view.current_track_id()
        selected = len(self.track_view.selectionModel().selectedRows())
        at = self.table.row_of(track_id) if track_id is not None else None
        row = self.table.row(at) if at is not None and selected else None
        if force or row is None or row.id != self.details.track_id:
            self.details.show_row(row)
            if row is not None:
                self.details_timer.start()
        self._update_count_label()

    def _load_details(self) -> None:
        self.runner.cancel(jobs.DETAILS)
        if self.details.track_id is not None:
            self._start(jobs.DETAILS, jobs.details(self.details.track_id, self.model()))

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def _refresh_counts(self) -> None:
        self.sidebar_model.update_counts(self.table.tally.counts())
        self._update_count_label()

    def _update_count_label(self) -> None:
        selected = len(self.track_view.selectionModel().selectedRows())
        text = f"{self.proxy.rowCount():,} of {self.table.rowCount():,} tracks"
        self.count_label.setText(text + (f" · {selected:,} selected" if selected else ""))

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        if not self.panes_restored:  # first run: panes for the size the window opened at
            self.splitter.setSizes(layout_state.pane_sizes(self.width()))
            self.panes_restored = True
        super().showEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        layout_state.save(self.settings, self, self.splitter, self.track_view)
        self.runner.shutdown()
        self.browser.runner.shutdown()
        super().closeEvent(event)
