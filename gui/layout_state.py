"""The main window's layout: its first size and pane widths for the screen it opens on, and the
user's window, pane and column layout kept between runs (QSettings through AppSettings)."""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QMainWindow, QSplitter

from gui.settings import AppSettings
from gui.widgets.views import TrackView

FIRST_SIZE = QSize(1280, 800)
FRAME = QSize(16, 48)  # a window manager's borders and title bar, about
# Sidebar and details pane as a share of the window, within bounds: the table gets the rest.
SIDEBAR = (0.14, 185, 220)  # 185: "Not yet classified" and its count beside a scroll bar
DETAILS = (0.21, 260, 330)


def first_window_size(window: QMainWindow) -> QSize:
    """1280x800, or what a smaller screen has room for inside the window's frame."""
    screen = window.screen()
    if screen is None:
        return FIRST_SIZE
    return FIRST_SIZE.boundedTo(screen.availableGeometry().size() - FRAME)


def pane_sizes(width: int) -> list[int]:
    """Sidebar, table and details widths for a window `width` pixels wide."""
    sidebar, details = (round(min(max(width * share, low), high))
                        for share, low, high in (SIDEBAR, DETAILS))
    return [sidebar, max(width - sidebar - details, 200), details]


def restore(settings: AppSettings, window: QMainWindow, splitter: QSplitter,
            table: TrackView) -> bool:
    """Put back the saved window size, panes and columns; False when the panes need defaults."""
    geometry = settings.view_state("geometry")
    if geometry is None or not window.restoreGeometry(geometry):
        window.resize(first_window_size(window))
    table.restore_layout(settings.view_state("columns"))
    panes = settings.view_state("panes")
    return panes is not None and splitter.restoreState(panes)


def save(settings: AppSettings, window: QMainWindow, splitter: QSplitter,
         table: TrackView) -> None:
    """Remember the window's size, the panes' widths and the table's columns and sort."""
    settings.save_view_state("geometry", window.saveGeometry())
    settings.save_view_state("panes", splitter.saveState())
    if not table.first_layout_pending:  # never shown: nothing of the user's to keep
        settings.save_view_state("columns", table.horizontalHeader().saveState())
