"""Set the genre of the selected tracks by hand (a confirmed label)."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from library.records import BrowseRow, TagPolicy


def parse_genres(text: str) -> list[str]:
    """'Jazz; Blues, Soul' → ['Jazz', 'Blues', 'Soul'] (duplicates dropped, order kept)."""
    parts = (p.strip() for p in text.replace(";", ",").split(","))
    return list(dict.fromkeys(p for p in parts if p))


def current_genre(rows: Sequence[BrowseRow]) -> str:
    """The genre the rows share as the table shows it (the user's label, else the
    prediction, else the file's tag), as the box's text; empty when they differ."""
    texts = {", ".join(row.genres or row.tag_genres) for row in rows}
    return texts.pop() if len(texts) == 1 else ""


def tagged_note(rows: Sequence[BrowseRow]) -> str:
    """What happens to files that already hold genres, in words; empty when none does."""
    tagged = [row for row in rows if row.tag_genres]
    if not tagged:
        return ""
    genres = list(dict.fromkeys(g for row in tagged for g in row.tag_genres))
    shown = ", ".join(genres[:3]) + (", …" if len(genres) > 3 else "")
    if len(rows) == 1:
        which, such = "This file already has genres in its tags", "it"
    else:
        verb = "has" if len(tagged) == 1 else "have"
        which = f"{len(tagged):,} of these files already {verb} genres in their tags"
        such = "such a file"
    return (f"{which} ({shown}). Your genre is kept in GenreLens; Write Tags writes it into "
            f"{such} only with “{TagPolicy.MERGE.label}” or “{TagPolicy.REPLACE.label}”. "
            f"The default, “{TagPolicy.FILL_EMPTY.label}”, leaves {such} as it is.")


class SetGenreDialog(QDialog):
    """An editable combo of known genres; empty (or Clear) forgets the user's label."""

    def __init__(self, count: int, known: list[str], current: str = "",
                 parent: QWidget | None = None, tagged: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle("Set genre")
        self.cleared = False
        self.combo = QComboBox(editable=True)
        self.combo.addItems(known)
        self.combo.setCurrentText(current)
        typed = self.combo.lineEdit()  # an editable combo always has one; the stubs can't know
        if typed is not None:
            typed.selectAll()
        note = QLabel(f"Genre of {count:,} selected track{'s' if count != 1 else ''} "
                      "(several: separate with commas). Your choice wins over the prediction "
                      "and is used when writing tags.", wordWrap=True)
        self.tagged = QLabel(tagged, wordWrap=True, objectName="tagged")
        self.tagged.setVisible(bool(tagged))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        clear = buttons.addButton("Use prediction", QDialogButtonBox.ButtonRole.ResetRole)
        clear.setToolTip("Forget the genre you set; show the predicted one again")
        clear.clicked.connect(self._clear)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for widget in (note, self.combo, self.tagged, buttons):
            layout.addWidget(widget)
        self.setMinimumWidth(460)  # the note wraps instead of stretching the dialog thin

    @classmethod
    def for_rows(cls, rows: Sequence[BrowseRow], known: list[str],
                 parent: QWidget | None = None) -> SetGenreDialog:
        """The dialog for these selected rows: their current genre filled in, and a word on
        those whose files already hold genres."""
        return cls(len(rows), known, current_genre(rows), parent, tagged_note(rows))

    def _clear(self) -> None:
        self.cleared = True
        self.accept()

    def genres(self) -> list[str]:
        """The chosen genres; empty after 'Use prediction'."""
        return [] if self.cleared else parse_genres(self.combo.currentText())
