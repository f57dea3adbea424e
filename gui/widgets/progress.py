"""The status bar's job progress: a bar with count, rate and ETA, and a Cancel button."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt, Signal, Slot
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from gui.widgets.palette import ACCENT, TRACK_BG
from gui.workers import Progress


def describe(progress: Progress) -> str:
    """E.g. 'Classifying 120 / 2,000 · 14.2/s · 2 min left'."""
    what = progress.kind.describe()
    count = f"{progress.done:,}" + (f" / {progress.total:,}" if progress.total else "")
    parts = [f"{what} {count}"]
    if progress.rate > 0:
        parts.append(f"{progress.rate:.1f}/s")
    if progress.eta is not None and progress.done:
        eta = progress.eta
        parts.append(f"{eta / 60:.0f} min left" if eta >= 90 else f"{eta:.0f} s left")
    return " · ".join(parts)


class ProgressLine(QWidget):
    """A thin progress bar that repaints with the next frame (QProgressBar.setValue repaints
    at once, which cost ~40 ms per call on a styled window)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.fraction: float | None = 0.0  # None: total unknown
        self.setFixedSize(200, 8)

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(200, 8)

    def set_fraction(self, fraction: float | None) -> None:
        """Show how much is done (0..1), or None when the total is not known yet."""
        self.fraction = fraction
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(TRACK_BG)
        rect = QRectF(self.rect())
        painter.drawRoundedRect(rect, 4, 4)
        if self.fraction:
            painter.setBrush(ACCENT)
            painter.drawRoundedRect(QRectF(0, 0, rect.width() * min(self.fraction, 1.0),
                                           rect.height()), 4, 4)
        painter.end()


class JobProgress(QWidget):
    """Shows the newest job's progress; Cancel stops the running jobs."""

    cancel_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = QLabel(self)
        self.bar = ProgressLine(self)
        self.cancel = QPushButton("Cancel", self)
        self.cancel.setToolTip("Stop the running job (Esc); finished work is kept")
        self.cancel.clicked.connect(self.cancel_requested)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.label, self.bar, self.cancel):
            layout.addWidget(widget)
        self.hide()

    @Slot(object)
    def show_progress(self, progress: Progress) -> None:
        """Update from a worker's progress signal."""
        self.show()
        self.label.setText(describe(progress))
        self.bar.set_fraction(progress.done / progress.total if progress.total else None)
