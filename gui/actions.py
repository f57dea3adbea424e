"""The main window's actions, menus and toolbar, declared as data, and their wiring to the
window's slots."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import QDialog, QMainWindow, QMenu, QSizePolicy, QStyle, QToolBar, QWidget

from gui.dialogs.help import add_help_menu, shortcut_rows
from gui.row_actions import ROW_KEYS

# name: (menu, text, shortcut, tooltip, standard icon or None)
ACTIONS: dict[str, tuple[str, str, str, str, QStyle.StandardPixmap | None]] = {
    "add_folder": ("&File", "&Add Folder…", "Ctrl+O", "Add a music folder to the library",
                   QStyle.StandardPixmap.SP_DirOpenIcon),
    "rescan": ("&File", "&Rescan Folders", "F5", "Look for new, changed and removed files",
               QStyle.StandardPixmap.SP_BrowserReload),
    "forget_missing": ("&File", "&Forget Missing Tracks…", "",
                       "Forget the tracks whose files were not found at the last scan", None),
    "quit": ("&File", "&Quit", "Ctrl+Q", "Close GenreLens", None),
    "find": ("&Edit", "&Find", "Ctrl+F", "Search titles, artists, albums and genres", None),
    "set_genre": ("&Edit", "Set &Genre…", "Ctrl+G", "Set the genre of the selected tracks by hand",
                  None),
    "undo_write": ("&Edit", "&Undo Last Tag Write", "Ctrl+Z",
                   "Put back the genres the last tag write replaced", None),
    "settings": ("&Edit", "&Settings…", "Ctrl+,", "Device, clips per track, model, threshold",
                 None),
    "classify": ("&Library", "&Classify", "Ctrl+K", "Find the genres of tracks not yet classified",
                 QStyle.StandardPixmap.SP_MediaPlay),
    "write_tags": ("&Library", "&Write Tags…", "Ctrl+T",
                   "Review and write genres into the tags of the selected tracks (none "
                   "selected: the tracks shown)",
                   QStyle.StandardPixmap.SP_DialogSaveButton),
    "cancel": ("&Library", "C&ancel Running Jobs", "Esc",
               "Stop the running jobs (scan, classify, tag write); finished work is kept", None),
}
TOOLBAR = ("add_folder", "rescan", "classify", "write_tags")


# name: the window's slot for it. By name, not by importing MainWindow (which imports this
# module): every window a test builds checks them all, since wiring looks each one up.
SLOTS = {"add_folder": "choose_folder", "rescan": "rescan", "quit": "close",
         "find": "focus_search", "set_genre": "ask_set_genre", "undo_write": "undo_last_write",
         "settings": "edit_settings", "classify": "classify", "write_tags": "open_write_dialog",
         "cancel": "cancel_jobs", "forget_missing": "ask_forget_missing"}


def learn_dialog(window: Any) -> QDialog:
    """The Learn dialog, running its job through the window's runner."""
    from gui.dialogs.learn_dialog import LearnDialog  # numpy and the learner: when asked

    return LearnDialog(window.runner, window._wire, window.model(), window)


def wire_window(window: QMainWindow) -> dict[str, QAction]:
    """Give the window its menus, toolbar (with the search box) and actions, each connected
    to the window's slot for it (SLOTS)."""
    wired: Any = window  # the MainWindow, whose slots and widgets SLOTS and the lines below name
    slots: dict[str, Callable[[], None]] = {
        name: getattr(wired, slot) for name, slot in SLOTS.items()}
    actions = build_actions(window, slots)
    window.menuBar().addAction("&Learn from my library…", lambda: learn_dialog(wired).exec())
    window.menuBar().addAction("Tag &history…", wired.show_history)
    add_help_menu(window, shortcut_rows(((t, keys) for _, t, keys, _, _ in ACTIONS.values()),
                                        ROW_KEYS))
    toolbar = build_toolbar(window, actions)
    toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    spacer = QWidget()
    spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
    toolbar.addWidget(spacer)
    toolbar.addWidget(wired.search)
    wired.remove_folder_menu.triggered.connect(wired.remove_folder_action)
    return actions


def dropped_folders(event: QDragEnterEvent | QDropEvent) -> list[str]:
    """The local folders among dropped URLs."""
    urls = event.mimeData().urls() if event.mimeData().hasUrls() else []
    return [u.toLocalFile() for u in urls if u.isLocalFile() and Path(u.toLocalFile()).is_dir()]


def build_actions(window: QMainWindow, slots: dict[str, Callable[[], None]]) -> dict[str, QAction]:
    """Create every action with its shortcut, put it in its menu, connect it to its slot."""
    actions: dict[str, QAction] = {}
    menus: dict[str, QMenu] = {}
    for name, (menu, text, shortcut, tip, icon) in ACTIONS.items():
        action = QAction(text, window)
        action.setShortcut(QKeySequence(shortcut))
        action.setToolTip(f"{tip} ({shortcut})" if shortcut else tip)
        action.setStatusTip(tip)
        if icon is not None:
            action.setIcon(window.style().standardIcon(icon))
        action.triggered.connect(slots[name])
        if menu not in menus:
            menus[menu] = window.menuBar().addMenu(menu)
        menus[menu].addAction(action)
        actions[name] = action
    menus["&File"].insertSeparator(actions["quit"])
    window.remove_folder_menu = menus["&File"].addMenu("Re&move Folder")  # type: ignore[attr-defined]
    menus["&File"].insertMenu(actions["quit"], window.remove_folder_menu)  # type: ignore[attr-defined]
    return actions


def build_toolbar(window: QMainWindow, actions: dict[str, QAction]) -> QToolBar:
    """The toolbar with the main actions; the search box is added by the window."""
    bar = window.addToolBar("Main")
    bar.setObjectName("mainToolbar")
    bar.setMovable(False)
    for name in TOOLBAR:
        bar.addAction(actions[name])
    return bar
