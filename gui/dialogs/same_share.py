"""Adding a folder that is a known share mounted elsewhere: offer to use it as that root."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QAbstractButton, QMessageBox, QWidget

from library.records import display_path


class SameShareQuestion(QMessageBox):
    """Window-modal, not blocking: `confirmed` carries (path, root name) when the user agrees."""

    confirmed = Signal(str, str)

    def __init__(self, path: str, root_name: str, recorded: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.path, self.root_name = path, root_name
        self.setIcon(QMessageBox.Icon.Question)
        self.setWindowTitle("Same music, another place")
        self.setText(f"{display_path(path)} holds the music of the library folder "
                     f"“{root_name}”, which another computer added at "
                     f"{display_path(recorded)} (not found on this one).")
        self.setInformativeText(
            "Use this folder as “" + root_name + "” here? Its tracks keep their genres, "
            "and tags written here can be undone from the other computer. Adding it as a "
            "new folder instead would list every track twice, so GenreLens does not.")
        self.use_button = self.addButton(f"Use as “{root_name}”",
                                         QMessageBox.ButtonRole.AcceptRole)
        self.setDefaultButton(self.use_button)
        self.addButton(QMessageBox.StandardButton.Cancel)
        self.buttonClicked.connect(self._on_click)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    def _on_click(self, button: QAbstractButton) -> None:
        if button is self.use_button:
            self.confirmed.emit(self.path, self.root_name)
