"""The Review page: the queue (most helpful question first) and an answer bar, keyboard first.

Enter accepts the shown genre, 1–9 pick a listed genre, typing names any genre (new ones too;
Shift+S starts one with S, since a plain S skips), Backspace undoes, Space plays. The panel
only says what was asked (signals); gui/review.py does it.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QStringListModel, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCompleter,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from gui.item_models.review_queue import QueueColumn, ReviewQueueModel, shown_genre
from library.genre_names import canonical_genre
from library.records import ReviewItem

HINTS = ("Enter accept · 1–9 pick · type any genre (Shift+S for S…) · S skip · "
         "Backspace undo · Space play")
MAX_PICKS = 9


def numbered_choices(item: ReviewItem | None, known: Sequence[str]) -> list[str]:
    """What keys 1–9 pick: the model's best guesses for the track, then the library's genres."""
    picks = [genre for genre, _ in item.choices] if item else []
    picks += [g for g in known if g not in picks]
    return picks[:MAX_PICKS]


def typed_genre(text: str) -> str:
    """A typed name in the library's spelling ('hip hop' → 'Hip-Hop'); a new all-lowercase
    name gets capitals ('shoegaze' → 'Shoegaze'), a new name with capitals stays as typed."""
    name = canonical_genre(" ".join(text.split()))
    return name.title() if name.islower() else name


def _label(text: str, name: str) -> QLabel:
    label = QLabel(text, wordWrap=True)
    label.setObjectName(name)
    return label


class QueueView(QTableView):
    """The queue's list; its keys are the answers (the panel handles them)."""

    key_pressed = Signal(QKeyEvent)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt's name)
        if event.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_PageUp,
                           Qt.Key.Key_PageDown, Qt.Key.Key_Home, Qt.Key.Key_End):
            super().keyPressEvent(event)  # moving through the queue stays the view's
        else:
            self.key_pressed.emit(event)


class ReviewPanel(QWidget):
    """The review queue and its answer bar."""

    accept_requested = Signal()
    genre_picked = Signal(str)  # a genre named by number or typed (normalised)
    skip_requested = Signal()
    undo_requested = Signal()
    play_requested = Signal()
    current_changed = Signal()

    def __init__(self, model: ReviewQueueModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reviewPanel")
        self.model = model
        self.known: list[str] = []
        self.view = QueueView(self)
        self.view.setModel(model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.verticalHeader().hide()
        self.view.setWordWrap(False)
        for column, width in ((QueueColumn.TRACK, 220), (QueueColumn.CHOICES, 240)):
            self.view.setColumnWidth(column, width)  # fixed: measuring 50,000 cells stalls
        self.view.horizontalHeader().setSectionResizeMode(
            QueueColumn.REASON, QHeaderView.ResizeMode.Stretch)
        self.view.key_pressed.connect(self._on_key)
        self.view.selectionModel().currentRowChanged.connect(lambda *_: self._show_current())
        model.modelReset.connect(self._show_current)
        self.question = _label("", "reviewQuestion")
        self.picks = _label("", "reviewPicks")
        self.typed = QLineEdit(placeholderText="Type any genre, Enter to store it",
                               clearButtonEnabled=True)
        self.typed.setObjectName("reviewGenre")
        self.completions = QStringListModel(self)
        completer = QCompleter(self.completions, self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.typed.setCompleter(completer)
        # Enter on the completion list is the completer's, not the field's: store it too (a
        # second returnPressed then finds the field empty and does nothing).
        completer.activated.connect(self._completed)
        self.typed.returnPressed.connect(self._typed_entered)
        hints = _label(HINTS, "caption")
        bar = QHBoxLayout()
        bar.addWidget(self.question, 1)
        bar.addWidget(self.typed, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.picks)
        layout.addWidget(hints)
        layout.addWidget(self.view, 1)

    def set_known(self, genres: Sequence[str]) -> None:
        """The library's genres: what 1–9 offer after the guesses, and what typing completes."""
        self.known = list(genres)
        self.completions.setStringList(self.known)
        self._show_current()

    def current(self) -> ReviewItem | None:
        """The question shown (the current row of the list)."""
        at = self.view.currentIndex().row()
        return self.model.items[at] if 0 <= at < len(self.model.items) else None

    def select(self, at: int) -> None:
        """Make the question at a position (clamped to the list) the current one."""
        if self.model.items:
            at = max(0, min(at, len(self.model.items) - 1))
            self.view.setCurrentIndex(self.model.index(at, 0))
            self.view.scrollTo(self.model.index(at, 0))
        self._show_current()

    def picks_now(self) -> list[str]:
        """What each number key picks for the question shown."""
        return numbered_choices(self.current(), self.known)

    def _show_current(self) -> None:
        item = self.current()
        if item is None:
            self.question.setText("Nothing to review: every track has your genre or a sure "
                                  "prediction." if not self.model.items else "")
            self.picks.setText("")
        else:
            accept = ", ".join(shown_genre(item)) or "—"
            self.question.setText(f"<b>{accept}</b>?  ({item.reason})")
            self.picks.setText("   ".join(f"<b>{n}</b> {g}"
                                          for n, g in enumerate(self.picks_now(), 1)))
        self.current_changed.emit()

    def _on_key(self, event: QKeyEvent) -> None:
        key, text = event.key(), event.text()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.accept_requested.emit()
        elif key == Qt.Key.Key_Backspace:
            self.undo_requested.emit()
        elif key == Qt.Key.Key_Space:
            self.play_requested.emit()
        elif text == "s":
            self.skip_requested.emit()
        elif text.isdigit() and text != "0":
            picks = self.picks_now()
            if int(text) <= len(picks):
                self.genre_picked.emit(picks[int(text) - 1])
        elif text.isprintable() and text.strip():
            self.typed.setFocus()
            self.typed.setText(text)  # the first letter starts the name

    def _completed(self, text: str) -> None:
        self.typed.setText(text)
        self._typed_entered()

    def _typed_entered(self) -> None:
        name = typed_genre(self.typed.text())
        if name:
            self.genre_picked.emit(name)
        self.typed.clear()
        self.view.setFocus()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if event.key() == Qt.Key.Key_Escape and self.typed.hasFocus():
            self.typed.clear()
            self.view.setFocus()
        else:
            super().keyPressEvent(event)
