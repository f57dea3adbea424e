"""The details pane's pictures: genre probability bars and the genre timeline along a track."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from gui.widgets.palette import TRACK_BG, genre_color


class ProbabilityChart(QWidget):
    """Horizontal bars, one per genre, most probable first."""

    ROW = 18

    def __init__(self, parent: QWidget | None = None, limit: int = 6) -> None:
        super().__init__(parent)
        self.limit = limit
        self.bars: tuple[tuple[str, float], ...] = ()
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setFixedHeight(self.ROW * limit + 4)

    def set_probabilities(self, probabilities: Sequence[tuple[str, float]]) -> None:
        """Show these (genre, probability) pairs; the largest `limit` of them."""
        self.bars = tuple(sorted(probabilities, key=lambda kv: -kv[1])[: self.limit])
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt's name)
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        # As wide as the longest genre name ("Ambient/New Age"), up to 45% of the chart.
        names = [self.fontMetrics().horizontalAdvance(genre) for genre, _ in self.bars]
        label_w, value_w = min(max(names, default=0) + 12.0, self.width() * 0.45), 44.0
        bar_w = max(10.0, self.width() - label_w - value_w)
        text = self.palette().text().color()
        for i, (genre, p) in enumerate(self.bars):
            y = 2 + i * self.ROW
            painter.setPen(text)
            align = Qt.AlignmentFlag.AlignVCenter
            name = self.fontMetrics().elidedText(genre, Qt.TextElideMode.ElideRight,
                                                 int(label_w - 8))  # a narrow pane: "Ambient/…"
            painter.drawText(QRectF(0, y, label_w - 8, self.ROW),
                             align | Qt.AlignmentFlag.AlignRight, name)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(TRACK_BG)
            track = QRectF(label_w, y + 4, bar_w, self.ROW - 8)
            painter.drawRoundedRect(track, 4, 4)
            painter.setBrush(genre_color(genre))
            painter.drawRoundedRect(
                QRectF(track.left(), track.top(), bar_w * p, track.height()), 4, 4)
            painter.setPen(text)
            painter.drawText(QRectF(label_w + bar_w, y, value_w, self.ROW),
                             align | Qt.AlignmentFlag.AlignRight, f"{p:.0%}")
        painter.end()


def clip_winners(labels: Sequence[str], clips: Sequence[Sequence[float]]) -> list[str]:
    """The most probable genre of each clip."""
    return [labels[max(range(len(c)), key=c.__getitem__)] if c else "" for c in clips]


class GenreTimeline(QWidget):
    """One coloured segment per clip, placed at its start time along the track, with a legend."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.duration = 0.0
        self.segments: list[tuple[float, str]] = []  # (clip start in seconds, winning genre)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setFixedHeight(46)

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(300, 46)

    def set_timeline(self, duration: float, labels: Sequence[str],
                     clips: Sequence[Sequence[float]], starts: Sequence[float]) -> None:
        """Show each clip's winner; clips without a start are spread evenly."""
        winners = clip_winners(labels, clips)
        if len(starts) != len(winners):
            step = duration / max(len(winners), 1)
            starts = [i * step for i in range(len(winners))]
        self.duration = max(duration, (max(starts) if starts else 0.0) + 1.0)
        self.segments = list(zip(starts, winners))
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        strip = QRectF(0, 2, self.width(), 16)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(TRACK_BG)
        painter.drawRoundedRect(strip, 4, 4)
        ends = [s for s, _ in self.segments[1:]] + [self.duration]
        for (start, genre), end in zip(self.segments, ends):
            x0 = strip.width() * start / self.duration
            x1 = strip.width() * end / self.duration
            painter.setBrush(genre_color(genre))
            painter.drawRect(QRectF(x0, strip.top(), max(x1 - x0 - 1, 1), strip.height()))
        self._legend(painter, strip.bottom() + 6)
        painter.end()

    def _legend(self, painter: QPainter, y: float) -> None:
        x = 0.0
        painter.setPen(self.palette().text().color())
        for genre in dict.fromkeys(g for _, g in self.segments):
            painter.setBrush(genre_color(genre))
            painter.setPen(Qt.PenStyle.NoPen)
            painter.drawEllipse(QRectF(x, y + 4, 9, 9))
            painter.setPen(self.palette().text().color())
            width = painter.fontMetrics().horizontalAdvance(genre)
            painter.drawText(QRectF(x + 13, y, width + 4, 18), Qt.AlignmentFlag.AlignVCenter, genre)
            x += width + 28
