"""The Review queue in the window (issue #22): the sidebar's Review entry shows the queue; each
answer is stored as a user label at once (a writer job) and the next question shows without
waiting; one relearn runs after a burst of answers (coalesced, never two at once) and its
events update the table's rows, the counts and the queue as they come.

Wiring only, like main_window.py: the queue's order, answers, undo and learning are
workflows/review.py's.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QStackedWidget, QStatusBar, QWidget

from gui.dialogs.remove_folder import plural
from gui import jobs
from gui.item_models.review_queue import ReviewQueueModel, shown_genre
from gui.item_models.sidebar import SidebarModel
from gui.item_models.track_table import TrackTableModel
from gui.widgets.details_pane import DetailsPane
from gui.widgets.review_panel import ReviewPanel
from gui.widgets.views import SidebarView
from gui.workers import GeneratorWorker, Job, JobKind, JobRunner, Outcome
from library.categories import Category
from library.records import BrowseRow, ReviewItem
from workflows import events
from workflows.events import Event, Handler
from workflows.browse import ModelInUse
from workflows.review import AnswerLog

RELEARN_AFTER_MS = 400  # a burst of answers (a key a second or faster) makes one relearn
# Jobs that change who is to ask: while Review is shown the queue is read again; otherwise only
# its count is (one SQL count: the queue of a 100,000-track library with 50,000 tagged took
# ~37 CPU-s and ~500 MB more at its peak), and choosing Review reads the queue anew.
QUEUE_AFTER = (jobs.LOAD, jobs.CLASSIFY, jobs.SET_GENRE, jobs.LEARN)


class Window(Protocol):
    """What the page uses of the main window (gui/main_window.py; a protocol: no cycle)."""

    stack: QStackedWidget
    handlers: dict[type[Event], Handler]
    details: DetailsPane
    details_timer: QTimer
    sidebar: SidebarView
    sidebar_model: SidebarModel
    runner: JobRunner
    table: TrackTableModel

    def statusBar(self) -> QStatusBar: ...  # noqa: N802 (Qt's name)
    def model(self) -> ModelInUse: ...
    def _start(self, kind: JobKind, job: Job) -> GeneratorWorker | None: ...
    def _show_library(self) -> None: ...


class ReviewController(QObject):
    """Runs the Review page of one window: its queue, answers, undo and relearning."""

    def __init__(self, window: Window) -> None:
        super().__init__(window)  # type: ignore[arg-type]  # a QMainWindow
        self.window = window
        self.answers = AnswerLog()  # the worker's undo stack (answers run one at a time)
        self.undo_places: list[tuple[int, ReviewItem]] = []  # where each answered item stood
        self.labelled: set[int] = set()  # answered here (a queue read before may list them)
        self.skipped: set[int] = set()  # asked last, until answered
        self.active = False
        self.relearn_again = False
        self.queue = ReviewQueueModel(self._row_of, self)
        self.panel = ReviewPanel(self.queue)
        window.stack.addWidget(self.panel)
        self.relearn_timer = QTimer(self, singleShot=True, interval=RELEARN_AFTER_MS)
        self.relearn_timer.timeout.connect(self.relearn)
        self._connect()
        window.handlers.update(self._handlers(window.handlers[events.RowsChanged]))

    def _connect(self) -> None:
        panel = self.panel
        panel.accept_requested.connect(lambda: self._answer(self._shown()))
        panel.genre_picked.connect(lambda genre: self._answer((genre,)))
        panel.skip_requested.connect(self.skip)
        panel.undo_requested.connect(self.undo)
        panel.play_requested.connect(self.window.details.player.toggle)
        panel.current_changed.connect(lambda: self._show_details(force=False))
        self.window.sidebar.category_chosen.connect(self._on_category)
        self.window.runner.job_finished.connect(self._on_finished)

    def _handlers(self, rows_changed: Handler) -> dict[type[Event], Handler]:
        def changed(event: events.RowsChanged) -> None:
            rows_changed(event)
            self.queue.refresh_rows()
            # The window showed its (empty) table's selection if the track changed: ours again.
            self._show_details(force=False)

        return {
            events.RowsChanged: changed,
            events.QueueReady: self._on_queue,
            events.QueueCounted: lambda e: self.window.sidebar_model.set_queue_count(
                Category.REVIEW, e.count),
            events.Relearned: self._on_relearned,
        }

    def page(self, table: QWidget) -> QWidget:
        """What the window's centre shows: this page while Review is chosen, else the table."""
        return self.panel if self.active else table

    # ---- answers ---------------------------------------------------------------------------
    def _shown(self) -> tuple[str, ...]:
        item = self.panel.current()
        return shown_genre(item) if item else ()

    def _answer(self, genres: Sequence[str]) -> None:
        item = self.panel.current()
        if item is None or not genres:
            return
        at = self.queue.take(item.track_id)
        self.undo_places.append((at or 0, item))
        self.labelled.add(item.track_id)
        self.skipped.discard(item.track_id)
        self.window._start(jobs.ANSWER, jobs.answer(item.track_id, list(genres), self.answers,
                                                    self.window.model()))
        self._after_change(at or 0)

    def skip(self) -> None:
        """Ask the shown question last; no label is stored."""
        item = self.panel.current()
        if item is not None:
            at = self.queue.take(item.track_id)
            self.queue.put(len(self.queue.items), item)
            self.skipped.add(item.track_id)
            self.panel.select(at or 0)

    def undo(self) -> None:
        """Take back the last answer: its label goes (the one before returns), it is asked
        again, and the learner forgets it."""
        if not self.undo_places:
            return
        at, item = self.undo_places.pop()
        self.labelled.discard(item.track_id)
        self.window._start(jobs.ANSWER, jobs.undo_answer(self.answers, self.window.model()))
        self.queue.take(item.track_id)  # a queue read meanwhile may list it elsewhere
        self.queue.put(at, item)
        self._after_change(at)

    def _after_change(self, at: int) -> None:
        self.panel.select(at)
        self._count()
        self.relearn_timer.start()  # restarted by each answer: one relearn per burst

    # ---- jobs and their events ---------------------------------------------------------------
    def relearn(self) -> None:
        """Refit on the answers and tags, unless a refit runs or waits: then once more after."""
        runner = self.window.runner
        if runner.running(jobs.RELEARN) or jobs.RELEARN in runner.queued():
            self.relearn_again = True
        else:
            self.window._start(jobs.RELEARN, jobs.relearn(self.window.model()))

    def refresh(self) -> None:
        """Read the queue again (a load, classify or Set genre changed who is to ask)."""
        self.window._start(jobs.REVIEW_QUEUE, jobs.review_queue())

    def _on_finished(self, outcome: Outcome) -> None:
        if outcome.kind == jobs.RELEARN and self.relearn_again:
            self.relearn_again = False
            self.relearn()
        elif not outcome.cancelled and outcome.kind in QUEUE_AFTER:
            if self.active:
                self.refresh()
            else:
                self.window._start(jobs.REVIEW_COUNT, jobs.review_count())

    def _on_queue(self, ready: events.QueueReady) -> None:
        current = self.panel.current()
        # Per item only when this session has answers or skips: at 100,000 tracks the queue
        # holds 92,000 items, and a Python call per item held the GUI thread.
        items = [i for i in ready.items if i.track_id not in self.labelled] if self.labelled \
            else list(ready.items)
        if self.skipped:
            items.sort(key=lambda i: i.track_id in self.skipped)  # stable: skipped ones last
        self.queue.set_items(items)
        at = self.queue.position(current.track_id) if current else None
        self.panel.select(at or 0)
        self._count()

    def _on_relearned(self, done: events.Relearned) -> None:
        self.window.statusBar().showMessage(
            f"Learned from {plural(done.answers, 'answer')} and "
            f"{plural(done.tags, 'tagged file')}: the genres of {plural(done.changed, 'track')} "
            f"changed ({done.seconds:.1f} s)", 8000)

    # ---- the page ------------------------------------------------------------------------------
    def _on_category(self, kind: str, _value: str | None) -> None:
        self.active = kind == Category.REVIEW
        self.window._show_library()
        if self.active:
            self.refresh()
            counts = self.window.table.tally.counts()
            self.panel.set_known(sorted({g for g, _ in counts.predicted + counts.tagged},
                                        key=str.casefold))
            self.panel.view.setFocus()
            self._show_details(force=True)

    def _count(self) -> None:
        self.window.sidebar_model.set_queue_count(Category.REVIEW, len(self.queue.items))

    def _row_of(self, track_id: int) -> BrowseRow | None:
        at = self.window.table.row_of(track_id)
        return self.window.table.row(at) if at is not None else None

    def _show_details(self, force: bool) -> None:
        """The details pane shows the question's track (Space plays it)."""
        item = self.panel.current() if self.active else None
        if item is None or (not force and item.track_id == self.window.details.track_id):
            return
        self.window.details.show_row(self._row_of(item.track_id))
        self.window.details_timer.start()
