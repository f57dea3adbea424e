"""Colours shared by the charts, the timeline and the delegates: one stable colour per genre."""

from __future__ import annotations

import zlib

from PySide6.QtGui import QColor

ACCENT = QColor("#5b8def")
MUTED = QColor("#8a94a6")
TRACK_BG = QColor(127, 127, 127, 40)

# Distinct, calm hues that read on light and dark backgrounds (Tableau 10, softened).
_HUES = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1",
         "#ff9da7", "#9c755f", "#86bcb6", "#d37295", "#a0cbe8")


def genre_color(genre: str) -> QColor:
    """The same colour for a genre everywhere, in every run (not Python's salted hash)."""
    return QColor(_HUES[zlib.crc32(genre.casefold().encode()) % len(_HUES)])


def confidence_color(confidence: float) -> QColor:
    """Red-ish when unsure, green-ish when sure."""
    hue = int(max(0.0, min(1.0, confidence)) * 120)  # 0 red .. 120 green
    return QColor.fromHsv(hue, 150, 210)
