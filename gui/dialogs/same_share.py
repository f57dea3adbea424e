"""Adding a folder that is a known share mounted elsewhere: offer to use it as that root."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QAbstractButton, QLabel, QMessageBox, QWidget

from library.records import display_path


class SameShareQuestion(QMessageBox):
    """Window-modal, not blocking: `confirmed` carries (path, root name) when the user agrees."""

    confirmed = Signal(str, str)

    def __init__(self, path: str, root_name: str, recorded: str, here: str | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.path, self.root_name = path, root_name
        self.setIcon(QMessageBox.Icon.Question)
        self.setWindowTitle("Same music, another place")
        if here is None:
            self.setText(f"{display_path(path)} holds the music of the library folder "
                         f"“{root_name}”, which another computer added at "
                         f"{display_path(recorded)} (not found on this one).")
        else:
            self.setText(f"{display_path(path)} is the library folder “{root_name}” "
                         f"({display_path(here)}) reached another way (a link or a second "
                         "mount).")
        self.setInformativeText(
            "Use this path for “" + root_name + "” on this computer? Its tracks keep their "
            "genres, and tags written here can be undone from any computer that shares the "
            "library. Adding it as a new folder instead would list every track twice, so "
            "GenreLens does not.")
        self.use_button = self.addButton(f"Use as “{root_name}”",
                                         QMessageBox.ButtonRole.AcceptRole)
        self.setDefaultButton(self.use_button)
        self.addButton(QMessageBox.StandardButton.Cancel)
        self.buttonClicked.connect(self._on_click)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    def _on_click(self, button: QAbstractButton) -> None:
        if button is self.use_button:
            self.confirmed.emit(self.path, self.root_name)


def roots_away_words(roots: tuple[tuple[str, str, int], ...]) -> tuple[str, str]:
    """The status line and its tooltip for library roots not found on this machine: their
    tracks are not classified here (a NAS not mounted), and none of them is an error."""
    text = "; ".join(f"“{name}” not found here: {count:,} tracks wait"
                     for name, _, count in roots)
    tip = "\n".join(
        f"{display_path(path)} does not exist on this computer. Mount the share there, "
        f"or add the folder where it is mounted here (Add Folder offers to use it as "
        f"“{name}”)." for name, path, _ in roots)
    return text, tip


def show_roots_away(label: QLabel, roots: tuple[tuple[str, str, int], ...]) -> None:
    """Show in `label` which library roots are not on this machine (hidden when none)."""
    text, tip = roots_away_words(roots)
    label.setText(text)
    label.setToolTip(tip)
    label.setVisible(bool(roots))
