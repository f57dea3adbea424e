"""Learn from my library: train a genre head in a worker and show its cross-validated report.

The job runs on the main window's JobRunner like every other job, so it is seen, cancelled and
shut down with the rest."""

from __future__ import annotations

from collections.abc import Iterator
from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFormLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from gui import jobs
from gui.workers import GeneratorWorker, Job, JobContext, JobRunner, Outcome
from workflows.events import Event, Notice


FORCE_TEXT = ("Save it even if it is not shown to beat guessing\n"
              "(such a model may be confidently wrong)")


def learn_job(min_examples: int, name: str, force: bool = False) -> Job:
    """A worker job: learn, then yield the report as text (or the reason it could not)."""

    def job(context: JobContext) -> Iterator[Event]:
        from workflows.learn import LearnError, format_learn_report, learn

        try:
            report = learn(context.sessions, min_examples=min_examples, name=name,
                           cancel=context.cancelled, force=force)
        except LearnError as exc:
            yield Notice(f"Cannot learn: {exc}")
            return
        text = format_learn_report(report)
        if report.bundle is None:
            yield Notice(f"{text}\n\nNothing was saved: {report.refusal()[len('not saved: '):]}\n"
                         f"To keep it anyway, tick \"{FORCE_TEXT.splitlines()[0]}\" and learn "
                         "again.")
        elif report.beats_chance:
            yield Notice(f"{text}\n\nChoose '{name}' as the model in Settings.")
        else:
            yield Notice(f"{text}\n\nSaved as '{name}' because you asked to; it is not "
                         "recommended.")

    return job


class LearnDialog(QDialog):
    """Options, a Learn button, and the report (per-genre accuracy, confusion matrix)."""

    def __init__(self, runner: JobRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Learn from my library")
        self.runner = runner
        self.worker: GeneratorWorker | None = None
        self.min_examples = QSpinBox(minimum=2, maximum=1000, value=5)
        self.name = QLineEdit("my-genres")
        self.force = QCheckBox(FORCE_TEXT)
        self.force.setToolTip("The model is tested on albums it was not trained on. If it "
                              "does not do clearly better than guessing there, it is not "
                              "saved unless this is ticked.")
        self.learn_button = QPushButton("Learn")
        self.learn_button.clicked.connect(self.start)
        self.report = QPlainTextEdit(readOnly=True)
        self.report.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.report.setPlaceholderText(
            "Genres come from your labels, else the files' tags; genres with too few tracks "
            "are left out. The model is tested on albums it has not heard and saved only if "
            "it does clearly better than guessing.")
        form = QFormLayout()
        form.addRow("Minimum tracks per genre", self.min_examples)
        form.addRow("Model name", self.name)
        form.addRow(self.force)
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
        job = learn_job(self.min_examples.value(), self.name.text().strip(),
                        self.force.isChecked())
        self.runner.start(jobs.LEARN, job, on_start=self._listen)

    def _listen(self, worker: GeneratorWorker) -> None:
        self.worker = worker
        worker.batch.connect(self.show_report, Qt.ConnectionType.QueuedConnection)
        worker.finished.connect(self.done_learning, Qt.ConnectionType.QueuedConnection)

    @Slot(list)
    def show_report(self, items: list[Event]) -> None:
        """Show the report text the job yielded."""
        notices = [i for i in items if isinstance(i, Notice)]
        if notices:
            self.report.setPlainText(notices[-1].text)

    @Slot(object)
    def done_learning(self, outcome: Outcome) -> None:
        """Re-enable the button; show a failure the job did not turn into a message."""
        self.learn_button.setEnabled(True)
        if outcome.error:
            self.report.setPlainText(f"Learning failed: {outcome.error}")

    def reject(self) -> None:
        """Closing cancels a running learn and waits for its thread (other jobs go on)."""
        if self.worker is not None:
            self.worker.cancel()
            self.runner.wait(self.worker)
        super().reject()
