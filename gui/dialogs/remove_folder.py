"""File → Remove Folder asks first and says what goes: the tracks, their predictions, labels."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QAbstractButton, QMessageBox, QWidget

from library.records import BrowseRow, FolderRecord, display_path


def plural(count: int, noun: str) -> str:
    """"1 track", "2 tracks"."""
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def what_goes(folder_id: int, rows: Iterable[BrowseRow]) -> str:
    """'its 100 tracks, their 95 genre predictions and 3 genres you set by hand'."""
    tracks = predicted = labelled = 0
    for row in rows:
        if row.folder_id == folder_id:
            tracks += 1
            predicted += row.confidence is not None
            labelled += bool(row.user_genres)
    parts = [f"its {plural(tracks, 'track')}"]
    if predicted:
        parts.append(f"their {plural(predicted, 'genre prediction')}")
    if labelled:
        parts.append(f"the genres you set by hand for {plural(labelled, 'track')}")
    return ", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else parts[0]


class RemoveFolderQuestion(QMessageBox):
    """Window-modal, not blocking: `confirmed` carries the folder id when the user agrees."""

    confirmed = Signal(int)

    def __init__(self, folder: FolderRecord, rows: Iterable[BrowseRow],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.folder_id = folder.id
        self.setIcon(QMessageBox.Icon.Warning)
        self.setWindowTitle("Remove folder")
        self.setText(f"Remove {display_path(folder.path)} from the library?")
        self.setInformativeText(
            f"GenreLens forgets {what_goes(folder.id, rows)}. The files stay on disk, "
            "untouched; adding the folder again scans and classifies them anew.")
        self.remove_button = self.addButton("Remove Folder", QMessageBox.ButtonRole.DestructiveRole)
        self.setDefaultButton(self.addButton(QMessageBox.StandardButton.Cancel))
        self.buttonClicked.connect(self._on_click)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    def _on_click(self, button: QAbstractButton) -> None:
        if button is self.remove_button:
            self.confirmed.emit(self.folder_id)
