"""Learn from my library: train a genre head in a worker and show its cross-validated report."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from gui.workers import JobContext, JobRunner, Outcome


def learn_job(min_examples: int, name: str):
    """A worker job: learn, then yield the report as text (or the reason it could not)."""

    def job(context: JobContext) -> Iterator[object]:
        from workflows.learn import LearnError, format_learn_report, learn

        try:
            report = learn(context.sessions, min_examples=min_examples, name=name,
                           cancel=context.cancelled)
        except LearnError as exc:
            yield f"Cannot learn: {exc}"
            return
        yield format_learn_report(report) + f"\n\nChoose '{name}' as the bundle in Settings."

    return job


class LearnDialog(QDialog):
    """Options, a Learn button, and the report (per-genre accuracy, confusion matrix)."""

    def __init__(self, db_path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Learn from my library")
        self.runner = JobRunner(db_path, self)
        self.min_examples = QSpinBox(minimum=2, maximum=1000, value=5)
        self.name = QLineEdit("my-genres")
        self.learn_button = QPushButton("Learn")
        self.learn_button.clicked.connect(self.start)
        self.report = QPlainTextEdit(readOnly=True)
        self.report.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.report.setPlaceholderText("Genres come from your labels, else the files' tags; "
                                       "genres with too few tracks are left out.")
        form = QFormLayout()
        form.addRow("Minimum tracks per genre", self.min_examples)
        form.addRow("Bundle name", self.name)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.learn_button)
        layout.addWidget(self.report)
        self.resize(620, 480)

    @Slot()
    def start(self) -> None:
        """Run learn in a worker thread; the report arrives by signal."""
        self.learn_button.setEnabled(False)
        self.report.setPlainText("Learning… (embedding tracks, then cross-validating)")
        worker = self.runner.start("learn", learn_job(self.min_examples.value(),
                                                      self.name.text().strip()))
        worker.batch.connect(self.show_report, Qt.ConnectionType.QueuedConnection)
        worker.finished.connect(self.done_learning, Qt.ConnectionType.QueuedConnection)

    @Slot(list)
    def show_report(self, items: list) -> None:
        """Show the report text the job yielded."""
        self.report.setPlainText(str(items[-1]))

    @Slot(object)
    def done_learning(self, outcome: Outcome) -> None:
        """Re-enable the button; show a failure the job did not turn into a message."""
        self.learn_button.setEnabled(True)
        if outcome.error:
            self.report.setPlainText(f"Learning failed: {outcome.error}")

    def reject(self) -> None:
        """Closing cancels a running learn and waits for its thread."""
        self.runner.cancel_all()
        self.runner.shutdown()
        super().reject()
