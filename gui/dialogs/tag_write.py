"""Write tags: the planned diff, the tag writer's options, a summary, then Apply.

The dialog never plans or writes itself: it asks (replan_requested) and the main window runs
the tag writer in a worker and hands back plan rows. Apply stays disabled until a plan for the
current options is shown, so nothing is written without the user seeing the diff first; only
the rows the user leaves ticked are written, with the genres as they edited them. The policy
always opens on the safe default (fill-empty): replacing is chosen per write.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
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

from gui.backend import PlanRow, TagOptions
from gui.settings import format_mapping, parse_mapping
from library.records import display_path

Index = QModelIndex | QPersistentModelIndex
# The safe policy first: it is the default, and replacing is a choice made for one write.
POLICIES = (("fill-empty", "Only fill tracks without a genre"),
            ("merge", "Add to the genres there"), ("replace", "Replace the genre"))
FILE, NOW, AFTER, WHY = range(4)


def _genres(genres: tuple[str, ...] | None) -> str:
    return "(unchanged)" if genres is None else "; ".join(genres) or "(no genre)"


def parse_genres(text: str) -> tuple[str, ...]:
    """'Jazz; Free Jazz' -> ('Jazz', 'Free Jazz'): what the user typed in the After column."""
    return tuple(dict.fromkeys(g.strip() for g in text.split(";") if g.strip()))


def will_write(row: PlanRow) -> bool:
    """Whether applying the plan writes this file."""
    return row.action == "write"


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
                chosen.append(replace(row, action="write", new_genres=genres, reason=reason))
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
            return (display_path(row.path).rsplit("/", 1)[-1], _genres(row.old_genres),
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
            self.accepted[at] = Qt.CheckState(value) == Qt.CheckState.Checked  # type: ignore[call-overload]
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
    """Shows the diff for the current options; Apply asks the main window to write it."""

    replan_requested = Signal(object)  # TagOptions
    apply_requested = Signal(object, list)  # TagOptions, the plan shown

    def __init__(self, options: TagOptions, parent: QWidget | None = None,
                 scope: str = "tracks") -> None:
        super().__init__(parent)
        self.scope = scope  # what the plan covers, for the summary: "selected tracks"
        self.setWindowTitle("Write genres to tags")
        self.resize(860, 560)
        self.model = PlanModel(self)
        self._planned_for: TagOptions | None = None
        self._base = options  # keeps what this dialog does not edit (bundle, allowed list)
        self._build(options)

    def _build(self, options: TagOptions) -> None:
        self.policy = QComboBox()
        for value, label in POLICIES:
            self.policy.addItem(label, value)
        self.policy.setCurrentIndex(max(0, self.policy.findData(options.policy)))
        self.max_genres = QSpinBox(minimum=1, maximum=5, value=options.max_genres or 5)
        self.min_confidence = QDoubleSpinBox(minimum=0.0, maximum=1.0, singleStep=0.05,
                                             decimals=2, value=options.min_confidence or 0.0)
        self.album = QCheckBox("Same genre for a whole album", checked=options.album_consistent)
        # Kept by default (undo restores it exactly); backups that compare size and time may
        # then miss a genre that fitted in the tag's padding, so the user can choose.
        self.touch = QCheckBox("Update the files' modification times",
                               checked=not options.keep_mtime)
        self.touch.setToolTip("Tick this if your backup tool compares file times: with the "
                              "time kept, it may not notice the new genre.")
        self.id3 = QComboBox()
        self.id3.addItems(["2.4", "2.3"])
        self.id3.setCurrentText("2.3" if options.id3v23 else "2.4")
        self.separator = QLineEdit(options.separator, maximumWidth=60)
        self.mapping = QPlainTextEdit(format_mapping(options.mapping), maximumHeight=70,
                                      placeholderText="hiphop = Hip-Hop")
        form = QFormLayout()
        form.addRow("Policy", self.policy)
        form.addRow("At most", self.max_genres)
        form.addRow("Minimum confidence", self.min_confidence)
        form.addRow("", self.album)
        form.addRow("", self.touch)
        id3_row = QHBoxLayout()
        id3_row.addWidget(self.id3)
        id3_row.addWidget(QLabel("ID3v2.3 separator"))
        id3_row.addWidget(self.separator)
        id3_row.addStretch(1)
        form.addRow("MP3 tags: ID3v", id3_row)
        form.addRow("Rename genres", self.mapping)
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
        layout.addLayout(form)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.summary)
        layout.addWidget(self.buttons)
        for signal in (self.policy.currentIndexChanged, self.max_genres.valueChanged,
                       self.min_confidence.valueChanged, self.album.toggled, self.touch.toggled,
                       self.id3.currentIndexChanged, self.separator.editingFinished,
                       self.mapping.textChanged):
            signal.connect(self._options_changed)

    def options(self) -> TagOptions:
        """The options as edited."""
        return replace(
            self._base, policy=self.policy.currentData(), max_genres=self.max_genres.value(),
            min_confidence=round(self.min_confidence.value(), 2),
            album_consistent=self.album.isChecked(), keep_mtime=not self.touch.isChecked(),
            id3v23=self.id3.currentText() == "2.3",
            separator=self.separator.text() or "; ",
            mapping=parse_mapping(self.mapping.toPlainText()),
        )

    def _options_changed(self) -> None:
        self.apply.setEnabled(False)  # the diff shown no longer matches the options
        self.summary.setText("Planning…")
        self.replan_requested.emit(self.options())

    def set_plan(self, options: TagOptions, plan: Sequence[PlanRow]) -> None:
        """Show the plan made for `options`; ignored if the options changed since."""
        if options != self.options():
            return
        self.model.set_plan(plan)
        self._planned_for = options
        self._choice_changed()

    def _choice_changed(self) -> None:
        chosen = len(self.model.chosen_rows())
        self.summary.setText(summarize(self.model.plan, chosen, self.scope))
        self.apply.setEnabled(chosen > 0)

    def set_error(self, message: str) -> None:
        """Say why no plan could be made."""
        self.summary.setText(message)
        self.apply.setEnabled(False)

    def _apply(self) -> None:
        if self._planned_for is None or self._planned_for != self.options():
            return
        self.apply_requested.emit(self._planned_for, self.model.chosen_rows())
        self.accept()
