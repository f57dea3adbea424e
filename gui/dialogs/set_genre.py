"""Set the genre of the selected tracks by hand (a confirmed label)."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget


def parse_genres(text: str) -> list[str]:
    """'Jazz; Blues, Soul' → ['Jazz', 'Blues', 'Soul'] (duplicates dropped, order kept)."""
    parts = (p.strip() for p in text.replace(";", ",").split(","))
    return list(dict.fromkeys(p for p in parts if p))


class SetGenreDialog(QDialog):
    """An editable combo of known genres; empty (or Clear) forgets the user's label."""

    def __init__(self, count: int, known: list[str], current: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Set genre")
        self.cleared = False
        self.combo = QComboBox(editable=True)
        self.combo.addItems(known)
        self.combo.setCurrentText(current)
        self.combo.lineEdit().selectAll()
        note = QLabel(f"Genre of {count:,} selected track{'s' if count != 1 else ''} "
                      "(several: separate with commas). Your choice wins over the prediction "
                      "and is used when writing tags.", wordWrap=True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        clear = buttons.addButton("Use prediction", QDialogButtonBox.ButtonRole.ResetRole)
        clear.setToolTip("Forget the genre you set; show the predicted one again")
        clear.clicked.connect(self._clear)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for widget in (note, self.combo, buttons):
            layout.addWidget(widget)

    def _clear(self) -> None:
        self.cleared = True
        self.accept()

    def genres(self) -> list[str]:
        """The chosen genres; empty after 'Use prediction'."""
        return [] if self.cleared else parse_genres(self.combo.currentText())
