"""Preview playback (play/pause/seek) with QtMultimedia, which may be missing on a machine.

QtMultimedia needs system audio libraries (libpulse0 on Linux); it is imported only when the
player is built, and if that fails the button is disabled with a tooltip saying why.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from PySide6.QtCore import QUrl, Qt, Slot
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSlider, QStyle, QToolButton, QWidget

from gui.item_models.track_table import format_duration


def load_multimedia() -> tuple[ModuleType | None, str]:
    """The QtMultimedia module, or None and a sentence saying why it is unavailable."""
    try:
        return importlib.import_module("PySide6.QtMultimedia"), ""
    except ImportError as exc:  # the module or a system library it links to is missing
        return None, f"Preview unavailable: Qt Multimedia could not load ({exc}). " \
                     "On Linux, install libpulse0."


class Player(QWidget):
    """A play/pause button, a position slider and the time."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.button = QToolButton(self)
        self.button.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_MediaPlay))
        self.button.setObjectName("playButton")
        self.slider = QSlider(Qt.Orientation.Horizontal, self)
        self.time = QLabel("0:00", self)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.button, self.slider, self.time):
            layout.addWidget(widget)
        self.path: str | None = None
        self.media, self.unavailable = self._build()
        self.set_source(None)

    def _build(self) -> tuple[object | None, str]:
        module, reason = load_multimedia()
        if module is None:
            return None, reason
        player = module.QMediaPlayer(self)
        self._output = module.QAudioOutput(self)  # keep a reference: the player doesn't own it
        player.setAudioOutput(self._output)
        player.positionChanged.connect(self._on_position)
        player.durationChanged.connect(lambda ms: self.slider.setRange(0, ms))
        player.playbackStateChanged.connect(self._on_state)
        self.slider.sliderMoved.connect(player.setPosition)
        self.button.clicked.connect(self.toggle)
        return player, ""

    def set_source(self, path: str | None) -> None:
        """Load a file for preview (None: nothing to play)."""
        usable = self.media is not None and path is not None
        self.button.setEnabled(usable)
        self.slider.setEnabled(usable)
        self.button.setToolTip(self.unavailable or ("Play or pause a preview" if usable else
                                                    "Select a track to preview it"))
        self.path = path  # opened on first play: browsing never starts a decoder
        if self.media is not None:
            self.media.stop()  # type: ignore[attr-defined]
            self.media.setSource(QUrl())  # type: ignore[attr-defined]
            self.slider.setValue(0)
            self.time.setText("0:00")

    @Slot()
    def toggle(self) -> None:
        """Play, or pause if playing."""
        if self.media is None:
            return
        if self.media.source().isEmpty() and self.path:  # type: ignore[attr-defined]
            self.media.setSource(QUrl.fromLocalFile(self.path))  # type: ignore[attr-defined]
        playing = self.media.playbackState() == type(self.media).PlaybackState.PlayingState  # type: ignore[attr-defined]
        self.media.pause() if playing else self.media.play()  # type: ignore[attr-defined]

    def seek(self, ms: int) -> None:
        """Jump to a position in milliseconds."""
        if self.media is not None:
            self.media.setPosition(ms)  # type: ignore[attr-defined]

    def _on_position(self, ms: int) -> None:
        if not self.slider.isSliderDown():
            self.slider.setValue(ms)
        self.time.setText(format_duration(ms / 1000))

    def _on_state(self, state: object) -> None:
        playing = state == type(self.media).PlaybackState.PlayingState  # type: ignore[attr-defined]
        pixmaps = QStyle.StandardPixmap
        icon = pixmaps.SP_MediaPause if playing else pixmaps.SP_MediaPlay
        self.button.setIcon(self.style().standardIcon(icon))
