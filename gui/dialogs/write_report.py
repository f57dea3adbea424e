"""What a tag write or an undo did, in words: the status bar's line, and a list of the files
it could not change, with why, so a failure is never reported as just "finished"."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget

from gui.workers import JobKind
from library.records import BatchResult, FileState, UndoResult, display_path
from workflows.events import BatchDone

# States in which a file was not changed for a reason the user should read.
PROBLEMS = (FileState.ERROR, FileState.UNDO_REFUSED)


def done_words(result: BatchResult) -> str:
    """What the batch changed: 'Wrote genres to 19 files (batch 2)'."""
    if isinstance(result, UndoResult):
        line = f"Put back the genres of {result.count(FileState.UNDONE):,} files"
    else:
        line = f"Wrote genres to {result.count(FileState.APPLIED):,} files"
    return line + (f" (batch {result.batch_id})" if result.batch_id is not None else "")


def batch_words(result: BatchResult) -> str:
    """One line: how many files were written (or put back) and how many were not."""
    problems = sum(result.count(state) for state in PROBLEMS)
    line = done_words(result)
    if problems:
        line += f"; {problems:,} could not be changed (listed in the window that opened)"
    return line + ("; cancelled" if result.cancelled else "")


def problem_lines(result: BatchResult) -> list[str]:
    """Each file the batch could not change: its path and the reason."""
    return [f"{display_path(o.path)}: {o.reason or o.state.label or o.state}"
            for o in result.outcomes if o.state in PROBLEMS]


class BatchReport:
    """Words a finished batch for the window's status bar; opens a list of its failures."""

    def __init__(self, parent: QWidget) -> None:
        self.parent = parent
        self.words: str | None = None  # the last batch's line, until its job's end takes it
        self.box: QMessageBox | None = None

    def show(self, event: BatchDone) -> None:
        """Remember the batch's line; list the files it could not change, if any."""
        self.words = batch_words(event.result)
        problems = problem_lines(event.result)
        if problems:
            self.box = QMessageBox(QMessageBox.Icon.Warning, "Some files were not changed",
                                   f"{done_words(event.result)}; {len(problems):,} could "
                                   "not be changed.", parent=self.parent)
            self.box.setInformativeText("\n".join(problems[:10]) + (
                f"\n… and {len(problems) - 10:,} more (Show Details)" if len(problems) > 10
                else ""))
            self.box.setDetailedText("\n".join(problems))
            self.box.open()  # not modal: the window goes on drawing

    def take(self, kind: JobKind) -> str | None:
        """The line for a finished write or undo job (None for other jobs)."""
        words, self.words = self.words, None
        return words if kind.writer else None
