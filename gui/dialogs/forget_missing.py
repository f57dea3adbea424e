"""File → Forget Missing Tracks asks first and says how many tracks, and what of them, go."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QAbstractButton, QMessageBox, QWidget

from gui.dialogs.remove_folder import plural
from library.records import BrowseRow, TrackStatus


class ForgetMissingQuestion(QMessageBox):
    """Window-modal, not blocking: `confirmed` when the user agrees. With no missing track
    it only says so."""

    confirmed = Signal()

    def __init__(self, rows: Iterable[BrowseRow], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        missing = [row for row in rows if row.status == TrackStatus.MISSING]
        self.count = len(missing)
        self.setWindowTitle("Forget missing tracks")
        self.forget_button: QAbstractButton | None = None
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        if not missing:
            self.setIcon(QMessageBox.Icon.Information)
            self.setText("No track is missing: every file the library knows was found at "
                         "the last scan.")
            self.addButton(QMessageBox.StandardButton.Ok)
            return
        labelled = sum(bool(row.user_genres) for row in missing)
        self.setIcon(QMessageBox.Icon.Warning)
        self.setText(f"Forget {plural(self.count, 'missing track')}?")
        extra = (f", and the genres you set by hand for {plural(labelled, 'track')}"
                 if labelled else "")
        self.setInformativeText(
            f"Their files were not found at the last scan. GenreLens forgets their records "
            f"and genre predictions{extra}. Nothing on disk changes; if the files come back, "
            "a rescan adds them as new tracks.")
        self.forget_button = self.addButton("Forget Tracks", QMessageBox.ButtonRole.DestructiveRole)
        self.setDefaultButton(self.addButton(QMessageBox.StandardButton.Cancel))
        self.buttonClicked.connect(self._on_click)

    def _on_click(self, button: QAbstractButton) -> None:
        if button is self.forget_button:
            self.confirmed.emit()
