"""Write tags: the planned diff, the tag writer's options, a summary, then Apply.

The dialog never plans or writes itself: it asks (replan_requested) and the main window runs
the tag writer in a worker and hands back plan rows. Apply stays disabled until a plan for the
current options is shown, so nothing is written without the user seeing the diff first; only
the rows the user leaves ticked are written, with the genres as they edited them. The policy
always opens on the safe default (fill-empty): replacing is chosen per write.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import replace

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
    Slot,
)
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from gui.settings import format_mapping, parse_mapping
from gui.track_scope import Scope
from gui import jobs
from gui.workers import GeneratorWorker, JobRunner, Outcome
from library.records import PlanAction, PlanRow, TagPolicy, display_path
from workflows.events import Event, Planned
from workflows.tags import TagOptions

Index = QModelIndex | QPersistentModelIndex
FILE, NOW, AFTER, WHY = range(4)
ROWS_SHOWN = 15  # the diff the dialog opens with room for


def _genres(genres: tuple[str, ...] | None) -> str:
    return "(unchanged)" if genres is None else "; ".join(genres) or "(no genre)"


def folder_and_name(path: str) -> str:
    """'/m/Jazz/Kind of Blue/01.flac' -> 'Kind of Blue/01.flac': enough to tell files apart
    (many albums have a '01.flac'); the tooltip has the whole path."""
    return "/".join(display_path(path).replace(os.sep, "/").rsplit("/", 2)[-2:])


def parse_genres(text: str) -> tuple[str, ...]:
    """'Jazz; Free Jazz' -> ('Jazz', 'Free Jazz'): what the user typed in the After column."""
    return tuple(dict.fromkeys(g.strip() for g in text.split(";") if g.strip()))


def will_write(row: PlanRow) -> bool:
    """Whether applying the plan writes this file."""
    return row.action == PlanAction.WRITE


def summarize(plan: Sequence[PlanRow], accepted: int | None = None,
              scope: str = "tracks") -> str:
    """E.g. '12 of 40 selected tracks get a genre; 28 are left as they are'.

    The rest are not all tracks that have a genre (many have none and no confident
    prediction), so the summary says what happens to them, not why."""
    writes = sum(map(will_write, plan)) if accepted is None else accepted
    rest = len(plan) - writes
    text = f"{writes:,} of {len(plan):,} {scope} get a genre"
    left = "1 is left as it is" if rest == 1 else f"{rest:,} are left as they are"
    return text + (f"; {left}" if rest else "")


class PlanModel(QAbstractTableModel):
    """The planned diff: file (checked: write it), genres now → genres after (editable), why.

    Real changes come first. Only checked rows are written, with the genres the After column
    shows; editing a row's After genres checks it.
    """

    HEADERS = ("File", "Now", "After", "Why")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plan: list[PlanRow] = []
        self.accepted: list[bool] = []
        self.edited: dict[int, tuple[str, ...]] = {}

    def set_plan(self, plan: Sequence[PlanRow]) -> None:
        """Show a new plan (a whole new diff, so a reset is right here)."""
        self.beginResetModel()
        self.plan = sorted(plan, key=lambda r: not will_write(r))  # stable: path order kept
        self.accepted = [will_write(r) for r in self.plan]
        self.edited = {}
        self.endResetModel()

    def after(self, at: int) -> tuple[str, ...] | None:
        """The genres row `at` would get (the user's edit, else the plan's)."""
        return self.edited.get(at, self.plan[at].new_genres)

    def chosen_rows(self) -> list[PlanRow]:
        """The rows to write: checked, with the user's edits, changing something."""
        chosen = []
        for at, row in enumerate(self.plan):
            genres = self.after(at)
            if self.accepted[at] and genres and genres != row.old_genres:
                reason = "edited by you" if at in self.edited else row.reason
                chosen.append(replace(row, action=PlanAction.WRITE, new_genres=genres,
                                      reason=reason))
        return chosen

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.plan)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section] if 0 <= section < len(self.HEADERS) else None
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        base = super().flags(index)
        if index.column() == FILE:
            return base | Qt.ItemFlag.ItemIsUserCheckable
        if index.column() == AFTER:
            return base | Qt.ItemFlag.ItemIsEditable
        return base

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        at, column = index.row(), index.column()
        row = self.plan[at]
        if role == Qt.ItemDataRole.DisplayRole:
            return (folder_and_name(row.path), _genres(row.old_genres),
                    _genres(self.after(at)), "edited by you" if at in self.edited
                    else row.reason)[column]
        if role == Qt.ItemDataRole.EditRole and column == AFTER:
            return "; ".join(self.after(at) or ())
        if role == Qt.ItemDataRole.CheckStateRole and column == FILE:
            return Qt.CheckState.Checked if self.accepted[at] else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.ToolTipRole and column == FILE:
            return display_path(row.path)
        if role == Qt.ItemDataRole.ForegroundRole and not self.accepted[at]:
            return QColor("#8a94a6")
        return None

    def setData(self, index: Index, value: object,  # noqa: N802
                role: int = Qt.ItemDataRole.EditRole) -> bool:
        at, column = index.row(), index.column()
        if role == Qt.ItemDataRole.CheckStateRole and column == FILE:
            self.accepted[at] = Qt.CheckState(value) == Qt.CheckState.Checked
        elif role == Qt.ItemDataRole.EditRole and column == AFTER:
            genres = parse_genres(str(value))
            if genres == self.after(at):
                return False
            self.edited[at] = genres
            self.accepted[at] = bool(genres)  # typing a genre means "write this"
        else:
            return False
        self.dataChanged.emit(self.index(at, 0), self.index(at, len(self.HEADERS) - 1))
        return True


class TagWriteDialog(QDialog):
    """Shows the diff for the current options and tracks; Apply asks the main window to
    write it. The tracks are the first of `scopes` (the selection or the view) unless the
    user picks another by name (the whole library)."""

    replan_requested = Signal(object)  # TagOptions
    apply_requested = Signal(object, list)  # TagOptions, the plan shown

    def __init__(self, options: TagOptions, scopes: Sequence[Scope],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = PlanModel(self)
        self._planned_for: tuple[TagOptions, Scope] | None = None
        self._base = options  # keeps what this dialog does not edit (bundle, allowed list)
        self._build(options, scopes)
        self._show_scope()
        self._open_large()

    def _build(self, options: TagOptions, scopes: Sequence[Scope]) -> None:
        self.scope = QComboBox()
        for scope in scopes:
            self.scope.addItem(scope.label, scope)
        self.policy = QComboBox()
        for policy in TagPolicy:  # the safe one first
            self.policy.addItem(policy.label, policy.value)
        self.policy.setCurrentIndex(max(0, self.policy.findData(options.policy)))
        self.max_genres = QSpinBox(minimum=1, maximum=5, value=options.max_genres or 5,
                                   prefix="At most ", suffix=" genres per file")
        self.min_confidence = QDoubleSpinBox(minimum=0.0, maximum=1.0, singleStep=0.05,
                                             decimals=2, value=options.min_confidence or 0.0)
        self.min_confidence.setToolTip("A predicted genre is written only when the model is at "
                                       "least this sure (0: its top genre unless uncertain)")
        self.album = QCheckBox("Same genre for a whole album", checked=options.album_consistent)
        # A new modification time by default: backups (rsync's quick check) and players that
        # rescan by time see the change. Keeping it is the opt-in, and says what it costs.
        self.keep_times = QCheckBox("Keep the files' modification times (backups and other "
                                    "players may not notice the change)",
                                    checked=options.keep_mtime)
        self.id3 = QComboBox()
        self.id3.addItem("ID3v2.4 (current players)", False)
        self.id3.addItem("ID3v2.3 (older players, Windows Explorer)", True)
        self.id3.setCurrentIndex(1 if options.id3v23 else 0)
        self.separator = QLineEdit(options.separator, maximumWidth=60)
        self.separator.setToolTip("ID3v2.3 holds several genres in one text: ';' or '/' "
                                  "between them")
        self.mapping = QPlainTextEdit(format_mapping(options.mapping), maximumHeight=54,
                                      placeholderText="hiphop = Hip-Hop")
        self.mapping.setToolTip("One rename per line: as the model spells it = as you want it")
        left, right = QFormLayout(), QFormLayout()
        left.addRow("Tracks", self.scope)
        left.addRow("Files", self.policy)
        left.addRow("Genres", self.max_genres)
        left.addRow("Minimum confidence", self.min_confidence)
        id3_row = QHBoxLayout()
        id3_row.addWidget(self.id3, 1)
        id3_row.addWidget(QLabel("genres separated by"))
        id3_row.addWidget(self.separator)
        right.addRow("MP3 tags", id3_row)
        right.addRow("Rename genres", self.mapping)
        right.addRow("", self.album)
        columns = QHBoxLayout()
        columns.addLayout(left, 1)
        columns.addLayout(right, 1)
        self.table = QTableView(alternatingRowColors=True, showGrid=False)
        self.table.setModel(self.model)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.setToolTip("Untick a file to leave it alone; double-click After to edit")
        self.model.dataChanged.connect(self._choice_changed)
        self.summary = QLabel("Planning…", objectName="summary")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.apply = self.buttons.addButton("Apply", QDialogButtonBox.ButtonRole.AcceptRole)
        self.apply.setEnabled(False)
        self.apply.clicked.connect(self._apply)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(columns)
        layout.addWidget(self.keep_times)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.summary)
        layout.addWidget(self.buttons)
        self.scope.currentIndexChanged.connect(self._show_scope)
        for signal in (self.scope.currentIndexChanged, self.policy.currentIndexChanged,
                       self.max_genres.valueChanged, self.min_confidence.valueChanged,
                       self.album.toggled, self.keep_times.toggled,
                       self.id3.currentIndexChanged, self.separator.editingFinished,
                       self.mapping.textChanged):
            signal.connect(self._options_changed)

    def _open_large(self) -> None:
        """Open tall enough for ~15 rows of the diff (it may be shrunk to 5 afterwards)."""
        def rows_height(rows: int) -> int:
            return (self.table.verticalHeader().defaultSectionSize() * rows
                    + self.table.horizontalHeader().sizeHint().height()
                    + 2 * self.table.frameWidth())

        self.table.setMinimumHeight(rows_height(ROWS_SHOWN))
        hint = self.sizeHint()
        self.resize(max(hint.width(), 980), hint.height())
        self.table.setMinimumHeight(rows_height(5))

    def _show_scope(self) -> None:
        self.setWindowTitle(f"Write genres to tags — {self.chosen_scope().label}")

    def chosen_scope(self) -> Scope:
        """The tracks to plan for, as chosen."""
        return self.scope.currentData()

    def options(self) -> TagOptions:
        """The options as edited."""
        return replace(
            self._base, policy=self.policy.currentData(), max_genres=self.max_genres.value(),
            min_confidence=round(self.min_confidence.value(), 2),
            album_consistent=self.album.isChecked(), keep_mtime=self.keep_times.isChecked(),
            id3v23=bool(self.id3.currentData()),
            separator=self.separator.text() or "; ",
            mapping=parse_mapping(self.mapping.toPlainText()),
        )

    def _options_changed(self) -> None:
        self.apply.setEnabled(False)  # the diff shown no longer matches the options
        self.summary.setText("Planning…")
        self.replan_requested.emit(self.options())

    def set_plan(self, options: TagOptions, plan: Sequence[PlanRow],
                 scope: Scope | None = None) -> None:
        """Show the plan made for `options` (and `scope`, if given: the chosen one);
        ignored if either changed since."""
        scope = scope or self.chosen_scope()
        if (options, scope) != (self.options(), self.chosen_scope()):
            return
        self.model.set_plan(plan)
        self._planned_for = options, scope
        self._choice_changed()

    def _choice_changed(self) -> None:
        chosen = len(self.model.chosen_rows())
        noun = self.chosen_scope().noun
        self.summary.setText(summarize(self.model.plan, chosen, noun) if self.model.plan
                             else f"No {noun} to write: nothing is selected or shown.")
        self.apply.setEnabled(chosen > 0)

    def set_error(self, message: str) -> None:
        """Say why no plan could be made."""
        self.summary.setText(message)
        self.apply.setEnabled(False)

    def _apply(self) -> None:
        if self._planned_for != (self.options(), self.chosen_scope()):
            return
        self.apply_requested.emit(self._planned_for[0], self.model.chosen_rows())
        self.accept()


class PlanCollector(QObject):
    """Gathers one plan job's rows on the GUI thread and hands them to the write dialog."""

    def __init__(self, dialog: TagWriteDialog, options: TagOptions, scope: Scope) -> None:
        super().__init__(dialog)
        self.dialog, self.options, self.scope = dialog, options, scope
        self.rows: list[PlanRow] = []

    def listen(self, worker: GeneratorWorker) -> None:
        """Collect that plan job's rows and its end."""
        worker.batch.connect(self.on_batch, Qt.ConnectionType.QueuedConnection)
        worker.finished.connect(self.on_finished, Qt.ConnectionType.QueuedConnection)
        # Esc or Close: nobody waits for this plan. A lambda runs here, on the GUI thread
        # (the worker's own thread is busy running the job); cancel() is thread-safe.
        self.dialog.finished.connect(lambda _result: worker.cancel())

    @Slot(list)
    def on_batch(self, items: list[Event]) -> None:
        self.rows.extend(i.row for i in items if isinstance(i, Planned))

    @Slot(object)
    def on_finished(self, outcome: Outcome) -> None:
        if outcome.error:
            self.dialog.set_error(f"Cannot plan: {outcome.error}")
        elif not outcome.cancelled:
            self.dialog.set_plan(self.options, self.rows, self.scope)


def plan_into(runner: JobRunner, dialog: TagWriteDialog, options: TagOptions) -> None:
    """Plan for the dialog's scope under `options` and show the plan in it when done; a plan
    still running for other options is no longer wanted."""
    runner.cancel(jobs.PLAN)
    scope = dialog.chosen_scope()
    collector = PlanCollector(dialog, options, scope)
    runner.start(jobs.PLAN, jobs.plan_tags(options, scope.track_ids), on_start=collector.listen)
