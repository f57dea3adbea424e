"""The status bar's job progress: a bar with count, rate and ETA, and a Cancel button."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from gui.workers import Progress

LABELS = {"scan": "Scanning", "classify": "Classifying", "load": "Loading library",
          "write-tags": "Writing tags", "undo": "Undoing", "plan": "Planning"}


def describe(progress: Progress) -> str:
    """E.g. 'Classifying 120 / 2,000 · 14.2/s · 2 min left'."""
    what = LABELS.get(progress.name, progress.name.capitalize())
    count = f"{progress.done:,}" + (f" / {progress.total:,}" if progress.total else "")
    parts = [f"{what} {count}"]
    if progress.rate > 0:
        parts.append(f"{progress.rate:.1f}/s")
    if progress.eta is not None and progress.done:
        eta = progress.eta
        parts.append(f"{eta / 60:.0f} min left" if eta >= 90 else f"{eta:.0f} s left")
    return " · ".join(parts)


class JobProgress(QWidget):
    """Shows the newest job's progress; Cancel stops the running jobs."""

    cancel_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = QLabel(self)
        self.bar = QProgressBar(self)
        self.bar.setMaximumWidth(220)
        self.bar.setTextVisible(False)
        self.cancel = QPushButton("Cancel", self)
        self.cancel.setToolTip("Stop the running job (Esc); finished work is kept")
        self.cancel.clicked.connect(self.cancel_requested)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.label, self.bar, self.cancel):
            layout.addWidget(widget)
        self.hide()

    def show_progress(self, progress: Progress) -> None:
        """Update from a worker's progress signal."""
        self.show()
        self.label.setText(describe(progress))
        if progress.total:
            self.bar.setRange(0, progress.total)
            self.bar.setValue(min(progress.done, progress.total))
        else:
            self.bar.setRange(0, 0)  # busy indicator while the total is unknown
