"""Learn from my library: the review learner in one go, tested on albums it was not taught,
in a worker; the report, then (when it beats chance, or when asked) the learned genres stored.

The job runs on the main window's JobRunner like every other job, so it is seen, cancelled and
shut down with the rest; its rows and queue go to the window like a relearn's."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterator

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFormLayout,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from gui import jobs
from gui.dialogs.remove_folder import plural
from gui.workers import GeneratorWorker, Job, JobContext, JobRunner, Outcome
from workflows.browse import ModelInUse
from workflows.events import Event, Learned, Notice, Relearned

FORCE_TEXT = ("Store them even if they are not shown to beat guessing\n"
              "(such genres may be confidently wrong)")


def wrapped(text: str) -> str:
    """Prose broken into lines: the report does not wrap (its confusion matrix is a table)."""
    return textwrap.fill(text, 88)


def learn_job(force: bool = False, model: ModelInUse = jobs.DEFAULT) -> Job:
    """A worker job: test the learner, yield the report as text (or why it could not), then
    store the learned genres through the review's relearn (its rows and queue follow)."""

    def job(context: JobContext) -> Iterator[Event]:
        from workflows.learn import LearnError, learn_events

        tested: Learned | None = None
        try:
            for event in learn_events(context.sessions, model, force=force,
                                      cancel=context.cancelled):
                yield event  # the stored genres' rows and the new queue go to the window
                if isinstance(event, Learned):
                    tested = event
                    yield Notice(tested_text(event))
                elif isinstance(event, Relearned) and tested is not None:
                    yield Notice(stored_text(tested, event.changed))
        except LearnError as exc:
            yield Notice(wrapped(f"Cannot learn: {exc}"))

    return job


def tested_text(tested: Learned) -> str:
    """The report, then what happens next: storing, or why nothing is stored."""
    if tested.stored:
        return f"{tested.report}\n\nStoring the learned genres…"
    why = tested.refusal.removeprefix("not stored: ")
    return (f"{tested.report}\n\n" + wrapped(f"Nothing was stored: {why} To store them "
                                             f"anyway, tick \"{FORCE_TEXT.splitlines()[0]}\" "
                                             "and learn again."))


def stored_text(tested: Learned, changed: int) -> str:
    """The report, then what was stored and where the user sees it."""
    return f"{tested.report}\n\n" + wrapped(
        f"Stored: the learned genres of {plural(changed, 'track')} changed. The library shows "
        "them as \"learned\" (the details pane says why); your own labels still come first."
        + ("" if tested.beats_chance else " You asked to store them although they are not "
           "shown to beat guessing; this is not recommended."))


class LearnDialog(QDialog):
    """A Learn button, the force box, and the report (per-genre accuracy, confusion)."""

    def __init__(self, runner: JobRunner, wire: Callable[[GeneratorWorker], None] | None = None,
                 model: ModelInUse = jobs.DEFAULT, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Learn from my library")
        self.runner = runner
        self.wire = wire  # the window's: the stored genres' rows and the queue go to it
        self.model = model
        self.worker: GeneratorWorker | None = None
        self.force = QCheckBox(FORCE_TEXT)
        self.force.setToolTip("The learning is tested on albums it was not taught. If it "
                              "does not do clearly better than guessing there, nothing is "
                              "stored unless this is ticked.")
        self.learn_button = QPushButton("Learn")
        self.learn_button.clicked.connect(self.start)
        self.report = QPlainTextEdit(readOnly=True)
        self.report.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        # the confusion matrix is a table: it scrolls sideways rather than wrapping its rows
        self.report.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.report.setPlaceholderText(
            "Genres come from your labels, else the files' tags, on tracks already classified. "
            "They spread to similar tracks and to their albums, as in Review. First they are "
            "tested on albums they were not taught, next to chance and to the default model "
            "alone; they are stored only if they do clearly better than guessing. The default "
            "model's own predictions are never changed.")
        form = QFormLayout()
        form.addRow(self.force)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.learn_button)
        layout.addWidget(self.report)
        self.resize(760, 560)

    @Slot()
    def start(self) -> None:
        """Run learn in a worker thread; the report arrives by signal."""
        self.learn_button.setEnabled(False)
        self.report.setPlainText("Learning… (testing on albums it was not taught)")
        self.runner.start(jobs.LEARN, learn_job(self.force.isChecked(), self.model),
                          on_start=self._listen)

    def _listen(self, worker: GeneratorWorker) -> None:
        self.worker = worker
        if self.wire is not None:
            self.wire(worker)
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
