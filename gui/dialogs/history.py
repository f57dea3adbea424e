"""Tag-write history: every batch written (when, how many files, policy, state), and Undo for
any of them, not only the last (the CLI's `history` and `undo BATCH`).

The dialog reads the list through a worker (jobs.tag_history) and asks the main window to
undo (so the undo queues behind a running writer like every other write); it reloads the list
whenever a write or an undo ends.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Slot,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from gui import jobs
from workflows.events import HistoryReady
from gui.workers import GeneratorWorker, JobRunner, Outcome
from library.records import UNDOABLE, BatchState, BatchSummary, FileState

Index = QModelIndex | QPersistentModelIndex
REFRESH_AFTER = (jobs.UNDO, jobs.WRITE_TAGS)  # jobs that change the history


def files_text(counts: dict[str, int]) -> str:
    """E.g. '12 written, 3 undone, 1 error'."""
    parts = [f"{n:,} {FileState(state).label}" for state, n in sorted(counts.items())]
    return ", ".join(parts) or "no files"


def can_undo(batch: BatchSummary) -> bool:
    """Whether undoing the batch has anything to look at."""
    return batch.state != BatchState.UNDONE and any(
        batch.counts.get(state, 0) for state in UNDOABLE)


class HistoryModel(QAbstractTableModel):
    """One row per batch, newest first."""

    HEADERS = ("Batch", "Date", "Files", "Policy", "State")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.batches: list[BatchSummary] = []

    def set_batches(self, batches: Sequence[BatchSummary]) -> None:
        """Show a new list (a whole new list, so a reset is right)."""
        self.beginResetModel()
        self.batches = list(batches)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.batches)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section] if 0 <= section < len(self.HEADERS) else None
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or role != Qt.ItemDataRole.DisplayRole:
            return None
        batch = self.batches[index.row()]
        when = batch.created_at.astimezone().strftime("%Y-%m-%d %H:%M")
        return (str(batch.id), when, files_text(batch.counts),
                str(batch.options.get("policy", "?")),
                BatchState(batch.state).label)[index.column()]


class HistoryDialog(QDialog):
    """Lists the batches; Undo undoes the selected one."""

    def __init__(self, runner: JobRunner, undo: Callable[[int], None],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Tag history")
        self.resize(640, 360)
        self.runner, self._undo = runner, undo
        self._note = ""  # why the last undo failed, shown until the next one
        self.model = HistoryModel(self)
        self.table = QTableView(alternatingRowColors=True, showGrid=False)
        self.table.setModel(self.model)
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        self.status = QLabel("Loading…")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.undo_button = buttons.addButton("Undo this batch",
                                             QDialogButtonBox.ButtonRole.ActionRole)
        self.undo_button.setEnabled(False)
        self.undo_button.clicked.connect(self._undo_selected)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status)
        layout.addWidget(buttons)
        runner.job_finished.connect(self._on_job_finished)
        self.reload()

    def reload(self) -> None:
        """Read the batches again, in a worker."""
        self.runner.start(jobs.HISTORY, jobs.tag_history(), on_start=self._listen)

    def _listen(self, worker: GeneratorWorker) -> None:
        worker.batch.connect(self._on_items, Qt.ConnectionType.QueuedConnection)

    @Slot(list)
    def _on_items(self, items: list[object]) -> None:
        for item in items:
            if isinstance(item, HistoryReady):
                self._show(item.batches)

    def _show(self, batches: Sequence[BatchSummary]) -> None:
        chosen = self.selected()
        self.model.set_batches(batches)
        ids = [b.id for b in batches]
        if chosen is not None and chosen.id in ids:
            self.table.selectRow(ids.index(chosen.id))
        text = (f"{len(batches):,} batch{'es' if len(batches) != 1 else ''}"
                if batches else "No tags written yet.")
        self.status.setText(" · ".join(filter(None, (text, self._note))))
        self._update_buttons()

    def selected(self) -> BatchSummary | None:
        """The batch selected, if any."""
        rows = self.table.selectionModel().selectedRows()
        return self.model.batches[rows[0].row()] if rows else None

    def _update_buttons(self) -> None:
        batch = self.selected()
        self.undo_button.setEnabled(batch is not None and can_undo(batch))

    def _undo_selected(self) -> None:
        batch = self.selected()
        if batch is not None and can_undo(batch):
            self.undo_button.setEnabled(False)
            self._note = ""
            self.status.setText(f"Undoing batch {batch.id}…")
            self._undo(batch.id)

    @Slot(object)
    def _on_job_finished(self, outcome: Outcome) -> None:
        if outcome.kind in REFRESH_AFTER:
            self._note = f"Undo failed: {outcome.error}" if outcome.error else ""
            self.reload()
