"""Settings: device, clips per track, model bundle, confidence threshold."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QSpinBox,
    QWidget,
)

from workflows.classify_run import ClassifyOptions
from gui.settings import device_choices


class SettingsDialog(QDialog):
    """Edits ClassifyOptions; tag-writing defaults are edited in the write dialog."""

    def __init__(self, options: ClassifyOptions, cuda_available: bool, bundles: list[str],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.device = QComboBox()
        for value, label in device_choices(cuda_available):
            self.device.addItem(label, value)
        self.device.setCurrentIndex(max(0, self.device.findData(options.device)))
        if not cuda_available:
            self.device.setToolTip("No CUDA GPU found: classification runs on the CPU")
        self.clips = QSpinBox(minimum=1, maximum=32, value=options.clips_per_track)
        self.clips.setToolTip("More clips: steadier genres, slower classification")
        self.bundle = QComboBox()
        self.bundle.addItem("Default", None)
        for name in bundles:
            self.bundle.addItem(name, name)
        self.bundle.setCurrentIndex(max(0, self.bundle.findData(options.bundle)))
        self.threshold = QDoubleSpinBox(minimum=0.0, maximum=1.0, singleStep=0.05, decimals=2,
                                        value=options.threshold)
        self.threshold.setSpecialValueText("Model's own")  # 0.0 means the bundle's threshold
        self.threshold.setToolTip("Below this confidence a track is marked uncertain")
        form = QFormLayout(self)
        form.addRow("Device", self.device)
        form.addRow("Clips per track", self.clips)
        form.addRow("Model", self.bundle)
        form.addRow("Uncertain below", self.threshold)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def options(self) -> ClassifyOptions:
        """The options as edited."""
        return ClassifyOptions(
            bundle=self.bundle.currentData(), device=self.device.currentData(),
            clips_per_track=self.clips.value(), threshold=round(self.threshold.value(), 2),
        )
