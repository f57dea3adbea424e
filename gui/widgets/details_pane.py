"""The details pane: metadata, genre probabilities, the genre timeline, a mel picture, preview,
similar tracks."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QFormLayout, QLabel, QScrollArea, QVBoxLayout, QWidget

from gui.item_models.track_table import (
    OLDER_MODEL,
    format_duration,
    genre_text,
    status_text,
)
from workflows.events import DetailsReady
from gui.widgets.charts import GenreTimeline, ProbabilityChart
from gui.widgets.player import Player
from gui.widgets.similar_list import SimilarList
from library.records import BrowseRow, TrackStatus, display_path


def rgb_to_image(rgb: np.ndarray) -> QImage:
    """A QImage that owns a copy of an H x W x 3 uint8 array."""
    data = np.ascontiguousarray(rgb, dtype=np.uint8)
    height, width, _ = data.shape
    return QImage(data.data, width, height, 3 * width, QImage.Format.Format_RGB888).copy()


def _section(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("sectionTitle")
    return label


class DetailsPane(QScrollArea):
    """What the library knows about the selected track."""

    track_shown = Signal(object)  # the shown track's path (None: none): its cover is asked for

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setMinimumWidth(260)  # 1280 px windows keep room for the table
        self.setMaximumWidth(460)
        body = QWidget(self)
        body.setObjectName("detailsBody")
        self.cover = QLabel(objectName="detailsCover", alignment=Qt.AlignmentFlag.AlignCenter)
        self.title = QLabel(objectName="detailsTitle", wordWrap=True)
        self.subtitle = QLabel(objectName="detailsSubtitle", wordWrap=True)
        self.source = QLabel(objectName="predictionSource", wordWrap=True)  # learned: why
        self.form = QFormLayout()
        self.fields: dict[str, QLabel] = {}
        for name in ("Genre", "Confidence", "In tags", "Length", "Format", "Status", "File"):
            value = QLabel(wordWrap=True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.fields[name] = value
            self.form.addRow(name, value)
        # A path wraps at spaces only: one long folder or file name would widen the pane past
        # its splitter width (a sideways scroll bar, the player's right end cut off). Clipped
        # instead; the tooltip has it whole.
        self.fields["File"].setMinimumWidth(1)
        self.chart = ProbabilityChart()
        self.timeline = GenreTimeline()
        self.mel = QLabel(objectName="melPicture", alignment=Qt.AlignmentFlag.AlignCenter)
        self.mel.setMinimumHeight(120)
        self.mel_caption = QLabel(objectName="caption")
        self.player = Player()
        self.similar = SimilarList()
        layout = QVBoxLayout(body)
        # The player under the title, not below the pictures: at 1280x800 with the dark
        # theme and a long path, the bottom of the pane is below the fold (issue #20).
        for widget in (self.cover, self.title, self.subtitle, self.source, self.player):
            layout.addWidget(widget)
        layout.addLayout(self.form)
        layout.addWidget(_section("Genre probabilities"))
        layout.addWidget(self.chart)
        layout.addWidget(_section("Genre along the track"))
        layout.addWidget(self.timeline)
        layout.addWidget(_section("Spectrogram"))
        layout.addWidget(self.mel)
        layout.addWidget(self.mel_caption)
        layout.addWidget(_section("Similar tracks"))
        layout.addWidget(self.similar)
        layout.addStretch(1)
        self.setWidget(body)
        self.track_id: int | None = None
        self.shown_path: str | None = None
        self.show_row(None)

    def show_row(self, row: BrowseRow | None) -> None:
        """Show what the table row knows at once; pictures follow with show_details."""
        self.track_id = row.id if row else None
        self.shown_path = row.path if row and row.status == TrackStatus.OK else None
        self.show_cover(None)
        self.track_shown.emit(self.shown_path)  # whoever holds covers shows it (gui/covers.py)
        self.title.setText(row.title or display_path(row.path).rsplit("/", 1)[-1] if row else
                           "No track selected")
        self.subtitle.setText(" — ".join(p for p in (row.artist, row.album) if p) if row else
                              "Select a track to see its genres.")
        values = {
            "Genre": genre_text(row) if row else "",
            "Confidence": "" if not row or row.confidence is None else f"{row.confidence:.0%}",
            "In tags": ", ".join(row.tag_genres) if row else "",
            "Length": format_duration(row.duration) if row else "",
            "Format": "",
            "Status": _status(row) if row else "",
            "File": display_path(row.path) if row else "",
        }
        for name, text in values.items():
            self.fields[name].setText(text or "—")
        self.fields["File"].setToolTip(values["File"])
        self.chart.set_probabilities(row.probabilities if row else ())
        self.timeline.set_timeline(0.0, (), (), ())
        self.mel.clear()
        self.source.hide()
        self.mel_caption.setText("Loading…" if row and row.status == TrackStatus.OK else "")
        self.player.set_source(row.path if row and row.status == TrackStatus.OK else None)
        if self.similar.track_id != self.track_id:
            self.similar.expect(self.track_id)

    def show_cover(self, picture: QPixmap | None) -> None:
        """Show the track's embedded cover above its title (None: no cover, no room taken)."""
        self.cover.setPixmap(picture if picture is not None else QPixmap())
        self.cover.setVisible(picture is not None)

    def show_details(self, ready: DetailsReady) -> None:
        """Add the pictures a details job computed, if they are still for the shown track."""
        if ready.details is None or ready.details.track.id != self.track_id:
            return
        track, prediction = ready.details.track, ready.details.prediction
        self.fields["Format"].setText(
            " · ".join(x for x in (track.format, track.codec if track.codec != track.format
                                   else None, _rate(track.sample_rate),
                                   _channels(track.channels)) if x) or "—")
        if prediction is not None and prediction.reason:  # a learned genre names its evidence
            self.source.setText(prediction.reason)
            self.source.show()
        if prediction is not None:
            labels = tuple(prediction.probabilities)
            self.timeline.set_timeline(track.duration or 0.0, labels,
                                       prediction.clip_probabilities, prediction.clip_starts)
        if ready.mel_rgb is not None:
            pixmap = QPixmap.fromImage(rgb_to_image(ready.mel_rgb))  # type: ignore[arg-type]
            width = max(self.viewport().width() - 40, 200)
            self.mel.setPixmap(pixmap.scaled(width, 130, Qt.AspectRatioMode.IgnoreAspectRatio,
                                             Qt.TransformationMode.SmoothTransformation))
            self.mel_caption.setText(f"Mel spectrogram of {ready.clip_seconds:.0f} s from "
                                     f"{format_duration(ready.clip_start)}")
        else:
            self.mel_caption.setText(ready.error or "")


def _rate(rate: int | None) -> str:
    return f"{rate / 1000:g} kHz" if rate else ""


def _channels(channels: int | None) -> str:
    return {1: "mono", 2: "stereo"}.get(channels or 0, f"{channels} ch" if channels else "")


def _status(row: BrowseRow) -> str:
    """The status word with what explains it: the error, or which older model predicted."""
    word = status_text(row)
    if row.error:
        return f"{word}: {row.error}"
    if word == OLDER_MODEL:
        return f"{word} ({row.predicted_by}): Classify (Ctrl+K) predicts it again"
    return word
