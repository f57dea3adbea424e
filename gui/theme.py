"""The app's look: Fusion style, a calm dark palette, the stylesheet and the icon."""

from __future__ import annotations

from PySide6.QtCore import QDir
from PySide6.QtGui import QColor, QIcon, QPalette
from PySide6.QtWidgets import QApplication

from resources import RESOURCES_DIR

COLORS = {
    QPalette.ColorRole.Window: "#17191f", QPalette.ColorRole.WindowText: "#e6e9ef",
    QPalette.ColorRole.Base: "#17191f", QPalette.ColorRole.AlternateBase: "#1a1c23",
    QPalette.ColorRole.Text: "#e6e9ef", QPalette.ColorRole.Button: "#2a2f3a",
    QPalette.ColorRole.ButtonText: "#e6e9ef", QPalette.ColorRole.Highlight: "#2b3a5c",
    QPalette.ColorRole.HighlightedText: "#ffffff", QPalette.ColorRole.ToolTipBase: "#23262e",
    QPalette.ColorRole.ToolTipText: "#e6e9ef", QPalette.ColorRole.PlaceholderText: "#7c8595",
    QPalette.ColorRole.Link: "#5b8def",
}


def apply_theme(app: QApplication) -> None:
    """Style the whole application (called once, after the QApplication exists)."""
    app.setStyle("Fusion")
    palette = QPalette()
    for role, color in COLORS.items():
        palette.setColor(role, QColor(color))
    palette.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text, QColor("#5d6574"))
    palette.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText, QColor("#5d6574"))
    app.setPalette(palette)
    QDir.addSearchPath("genrelens", str(RESOURCES_DIR))  # url(genrelens:…) in the sheet
    app.setStyleSheet((RESOURCES_DIR / "style.qss").read_text(encoding="utf-8"))
    app.setWindowIcon(QIcon(str(RESOURCES_DIR / "genrelens.svg")))
