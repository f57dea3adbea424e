"""Preview playback (play/pause/seek) with QtMultimedia, which may be missing on a machine.

QtMultimedia needs system audio libraries (libpulse0 on Linux); it is imported only when the
player is built, and if that fails the button is disabled with a tooltip saying why. A machine
with no audio output gets the same: a disabled button and "No audio device" in the pane, not
a play button that silently plays nothing.
"""

from __future__ import annotations

import ctypes
import importlib
import os
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from PySide6.QtCore import QUrl, Qt, Slot
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QSlider,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from gui.item_models.track_table import format_duration

if TYPE_CHECKING:  # for the types only: at run time QtMultimedia may fail to load
    from PySide6.QtMultimedia import QMediaPlayer


def load_multimedia() -> tuple[ModuleType | None, str]:
    """The QtMultimedia module, or None and a sentence saying why it is unavailable."""
    try:
        return importlib.import_module("PySide6.QtMultimedia"), ""
    except ImportError as exc:  # the module or a system library it links to is missing
        return None, f"Preview unavailable: Qt Multimedia could not load ({exc}). " \
                     "On Linux, install libpulse0."


NO_AUDIO_DEVICE = "No audio device"
AV_LOG_ERROR = 16  # libavutil's log level: errors only, not the INFO stream dump


def audio_outputs(module: ModuleType) -> list[object]:
    """The machine's audio outputs (a seam: tests replace it to have none, or one)."""
    return list(module.QMediaDevices.audioOutputs())


def quiet_ffmpeg_log() -> bool:
    """Keep Qt's FFmpeg from printing its stream dump ("Input #0, mp3, from …") and decoder
    warnings on stderr: they go through libavutil's default logger, which writes to stderr at
    INFO, not through Qt's message handler. Sets the level of the libavutil Qt's FFmpeg plugin
    has loaded (found, never loaded, here); QT_FFMPEG_DEBUG keeps Qt's own choice. Returns
    whether the level was set."""
    if "QT_FFMPEG_DEBUG" in os.environ or not hasattr(os, "RTLD_NOLOAD"):
        return False
    import PySide6

    for path in sorted((Path(PySide6.__file__).parent / "Qt" / "lib").glob("libavutil.so.*")):
        try:
            libavutil = ctypes.CDLL(str(path), mode=os.RTLD_NOLOAD)  # only if already loaded
        except OSError:
            continue
        libavutil.av_log_set_level(AV_LOG_ERROR)
        return True
    return False


class Player(QWidget):
    """A play/pause button, a position slider and the time."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.button = QToolButton(self)
        self.button.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_MediaPlay))
        self.button.setObjectName("playButton")
        self.slider = QSlider(Qt.Orientation.Horizontal, self)
        self.time = QLabel("0:00", self)
        # Why there is no preview, if so: a line of its own, so the pane keeps its width.
        self.note = QLabel(self, objectName="playerNote", wordWrap=True)
        self.note.hide()
        controls = QHBoxLayout()
        for widget in (self.button, self.slider, self.time):
            controls.addWidget(widget)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(controls)
        layout.addWidget(self.note)
        self.path: str | None = None
        self.media, self.unavailable = self._build()
        self.set_source(None)

    def _build(self) -> tuple[QMediaPlayer | None, str]:
        module, reason = load_multimedia()
        if module is None:
            return None, reason
        player = module.QMediaPlayer(self)  # loads the FFmpeg plugin and its libavutil
        quiet_ffmpeg_log()
        self._devices = module.QMediaDevices(self)  # a device plugged in or out: say so
        self._devices.audioOutputsChanged.connect(self._show_availability)
        self._multimedia = module
        self._output = module.QAudioOutput(self)  # keep a reference: the player doesn't own it
        player.setAudioOutput(self._output)
        player.positionChanged.connect(self._on_position)
        player.durationChanged.connect(lambda ms: self.slider.setRange(0, ms))
        player.playbackStateChanged.connect(self._on_state)
        self.slider.sliderMoved.connect(player.setPosition)
        self.button.clicked.connect(self.toggle)
        return player, ""

    def set_source(self, path: str | None) -> None:
        """Load a file for preview (None: nothing to play). The file already loaded plays on:
        the shown row is shown anew whenever a job changes it (a classify, a label)."""
        if path is not None and path == self.path and self.media is not None \
                and not self.media.source().isEmpty():
            self._show_availability()
            return
        self.path = path  # opened on first play: browsing never starts a decoder
        self._show_availability()
        if self.media is not None:
            self.media.stop()
            self.media.setSource(QUrl())
            self.slider.setValue(0)
            self.time.setText("0:00")

    def _show_availability(self) -> None:
        """Enable the controls, or say why not: no Qt Multimedia, no audio device, no track."""
        path = self.path
        no_device = self.media is not None and not audio_outputs(self._multimedia)
        usable = self.media is not None and path is not None and not no_device
        self.button.setEnabled(usable)
        self.slider.setEnabled(usable)
        self.note.setText(NO_AUDIO_DEVICE if no_device else "")
        self.note.setVisible(no_device)
        reason = self.unavailable or (f"{NO_AUDIO_DEVICE}: this computer has no sound output "
                                      "to preview on" if no_device else "")
        self.button.setToolTip(reason or ("Play or pause a preview" if usable else
                                          "Select a track to preview it"))

    @Slot()
    def toggle(self) -> None:
        """Play, or pause if playing."""
        if self.media is None:
            return
        if self.media.source().isEmpty() and self.path:
            self.media.setSource(QUrl.fromLocalFile(self.path))
        playing = self.media.playbackState() == type(self.media).PlaybackState.PlayingState
        self.media.pause() if playing else self.media.play()

    def play(self, path: str | None = None) -> bool:
        """Play `path` from its start (None: the loaded file, from where it is), as a
        double-click or Enter on a row asks; False: nothing to play or no Qt Multimedia."""
        if path is not None and path != self.path:
            self.set_source(path)
        if self.media is None or not self.path:
            return False
        if self.media.source().isEmpty():
            self.media.setSource(QUrl.fromLocalFile(self.path))
        elif path is not None:  # asked for this row again: from its start, as players do
            self.media.setPosition(0)
        self.media.play()
        return True

    def is_playing(self) -> bool:
        """Whether a preview is playing now."""
        return self.media is not None and (
            self.media.playbackState() == type(self.media).PlaybackState.PlayingState)

    def seek(self, ms: int) -> None:
        """Jump to a position in milliseconds."""
        if self.media is not None:
            self.media.setPosition(ms)

    def _on_position(self, ms: int) -> None:
        if not self.slider.isSliderDown():
            self.slider.setValue(ms)
        self.time.setText(format_duration(ms / 1000))

    def _on_state(self, state: object) -> None:
        playing = state == self._multimedia.QMediaPlayer.PlaybackState.PlayingState
        pixmaps = QStyle.StandardPixmap
        icon = pixmaps.SP_MediaPause if playing else pixmaps.SP_MediaPlay
        self.button.setIcon(self.style().standardIcon(icon))
