""""More like this" in the window: the details pane's similar tracks follow the selection
(one job after it settles, on the details timer), a click selects the track, and the
row context menu's More Like This (`show_similar`) brings the list into view.

Kept out of main_window.py (which must stay under 400 lines): the window calls
`wire_similar(self)` once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtWidgets import QFileDialog

from gui import jobs
from workflows import events

SELECT_ROW = (QItemSelectionModel.SelectionFlag.ClearAndSelect
              | QItemSelectionModel.SelectionFlag.Rows)

# `window` is the MainWindow: not imported here, which would make an import cycle.
Window = Any


def wire_similar(window: Window) -> None:
    """Route the similar-tracks events to the pane, its clicks to the table, and start a
    search each time the details of a newly selected track load."""
    pane = window.details.similar
    window.handlers[events.SimilarFound] = pane.show_found
    window.handlers[events.NoSimilar] = pane.show_none
    pane.track_chosen.connect(lambda track_id: select_track(window, track_id))
    pane.export_requested.connect(lambda: export_similar(window))
    window.details_timer.timeout.connect(lambda: start_similar(window))
    window.runner.job_finished.connect(
        lambda outcome: outcome.kind == jobs.LOAD and not outcome.cancelled
        and window._start(jobs.SIMILAR_INDEX, jobs.warm_similar()))


def start_similar(window: Window) -> None:
    """Look for the shown track's similar tracks on a worker (the previous search stops)."""
    window.runner.cancel(jobs.SIMILAR)
    track_id = window.details.track_id
    if track_id is not None:
        window.details.similar.expect(track_id)
        window._start(jobs.SIMILAR, jobs.similar(track_id))


def show_similar(window: Window) -> None:
    """More like this: the current track's similar tracks, scrolled into view and focused."""
    if window.details.track_id is None:
        return
    if not window.details.similar.ids():
        start_similar(window)
    window.details.ensureWidgetVisible(window.details.similar)
    window.details.similar.list.setFocus()


def export_similar(window: Window, out: str | None = None) -> None:
    """Write the shown track and its listed similar tracks to a playlist the user names
    (`out`: already named); the pane's caption says what happened."""
    pane = window.details.similar
    if pane.query_path is None:
        return
    if out is None:
        start = str(Path(pane.query_path).with_suffix(".m3u8").name)
        out, _ = QFileDialog.getSaveFileName(window, "Save as Playlist", str(Path.home() / start),
                                             "Playlists (*.m3u8 *.m3u *.xspf)")
    if out:  # the dialog asked before replacing a file: force
        window.runner.start(jobs.EXPORT, jobs.export_similar(pane.query_path, out,
                                                             len(pane.ids()) + 1),
                            on_start=lambda worker: worker.batch.connect(
                                pane.show_words, Qt.ConnectionType.QueuedConnection))


def select_track(window: Window, track_id: int) -> bool:
    """Select the track's row in the table (False: it is not in the view: say so)."""
    at = window.proxy.row_of(track_id)
    if at is None:
        window.statusBar().showMessage(
            "That track is hidden by the search or the sidebar's choice", 8000)
        return False
    view, index = window.track_view, window.proxy.index(at, 0)
    view.selectionModel().setCurrentIndex(index, SELECT_ROW)
    view.scrollTo(index)
    return True
