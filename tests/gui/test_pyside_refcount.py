"""Guard: PySide6 6.12.0 on Python 3.11 decrements None's refcount on every void call, which
crashes a long-running app ("none_dealloc"). pyproject excludes it; this names the failure."""

from __future__ import annotations

import sys

from pytestqt.qtbot import QtBot
from PySide6.QtWidgets import QWidget


def test_void_qt_calls_keep_none_alive(qtbot: QtBot) -> None:
    widget = QWidget()
    qtbot.addWidget(widget)
    before = sys.getrefcount(None)
    for _ in range(2000):
        widget.update()
    # Immortal None (3.12+) reports a constant; mortal None must not lose 2,000 references.
    assert sys.getrefcount(None) > before - 1000, "this PySide6 build leaks references to None"
