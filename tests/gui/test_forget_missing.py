"""Missing files: out of the genre counts at once, forgotten from the GUI when the user says
so (asked first, with the number), off the GUI thread; files on disk are never touched."""

from __future__ import annotations

import shutil
from pathlib import Path

from mutagen.flac import FLAC
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from gui import jobs
from gui.main_window import MainWindow
from gui.workers import Outcome
from library.categories import Category
from library.db import create_db_engine, session_factory
from library.models import Track, UserLabel
from tests.gui.conftest import wait_idle


def _tagged_copies(shared_data: Path, root: Path) -> list[Path]:
    """Three real jazz excerpts whose tags say Jazz (as a tagged library has them)."""
    root.mkdir()
    copies = []
    for n in range(3):
        path = Path(shutil.copy(shared_data / "gtzan-mini" / "jazz" / f"jazz.0000{n}.flac", root))
        audio = FLAC(path)
        audio["genre"] = "Jazz"
        audio.save()
        copies.append(path)
    return copies


def _db_tracks(db_path: Path) -> dict[str, tuple[int, str]]:
    engine = create_db_engine(db_path)
    with session_factory(engine)() as session:
        found = {Path(t.path).name: (t.id, t.status) for t in session.scalars(select(Track))}
    engine.dispose()
    return found


def _rows_of(db_path: Path, model: type, track_id: int) -> int:
    engine = create_db_engine(db_path)
    with session_factory(engine)() as session:
        count = len(list(session.scalars(select(model).where(model.track_id == track_id))))
    engine.dispose()
    return count


def test_missing_files_leave_the_genre_counts_and_are_forgotten_on_request(  # type: ignore[no-untyped-def]
    qtbot: QtBot, make_window, db_path: Path, tmp_path: Path, shared_data: Path
) -> None:
    music = tmp_path / "Music"
    first, *kept = _tagged_copies(shared_data, music)
    window: MainWindow = make_window(db_path)
    outcomes: list[Outcome] = []
    window.runner.job_finished.connect(outcomes.append)
    window.add_folders([str(music)])
    window.runner.cancel(jobs.CLASSIFY)  # the model is not this test's business
    wait_idle(qtbot, window)
    window.set_genre_of([_db_tracks(db_path)[first.name][0]], ["Bebop"])  # a label by hand
    wait_idle(qtbot, window)
    entries = window.sidebar_model.entries()
    assert entries[(Category.TAG, "Jazz")] == 3 and entries[(Category.GENRE, "Bebop")] == 1

    first.unlink()  # the file is gone (deleted, or its disk is away)
    window.rescan(classify_after=False)
    wait_idle(qtbot, window)
    assert _db_tracks(db_path)[first.name][1] == "missing"  # kept, marked
    entries = window.sidebar_model.entries()
    assert entries[(Category.TAG, "Jazz")] == 2  # only the files that are there
    assert (Category.GENRE, "Bebop") not in entries
    assert entries[(Category.ALL, None)] == 3 and entries[(Category.ERRORS, None)] == 1
    window.sidebar.category_chosen.emit(Category.TAG, "Jazz")  # the view agrees with its count
    assert window.proxy.rowCount() == 2
    before = {p: p.read_bytes() for p in kept}
    forgotten_id = _db_tracks(db_path)[first.name][0]

    question = window.ask_forget_missing()  # File → Forget Missing Tracks…
    assert question.text() == "Forget 1 missing track?"
    assert "genres you set by hand for 1 track" in question.informativeText()
    assert question.forget_button is not None
    question.forget_button.click()
    wait_idle(qtbot, window)
    assert [(o.name, o.error) for o in outcomes][-1] == ("forget-missing", None)
    assert first.name not in _db_tracks(db_path) and set(_db_tracks(db_path)) == {
        p.name for p in kept}
    assert _rows_of(db_path, UserLabel, forgotten_id) == 0
    assert window.table.rowCount() == 2 and window.sidebar_model.entries()[(Category.ALL, None)] == 2
    assert window.sidebar_model.entries()[(Category.ERRORS, None)] == 0
    assert {p: p.read_bytes() for p in kept} == before and not first.exists()  # disk untouched

    again = window.ask_forget_missing()  # nothing left to forget: it only says so
    assert again.forget_button is None and "No track is missing" in again.text()
    again.close()


def test_forget_missing_is_in_the_file_menu(qtbot: QtBot, make_window, db_path: Path) -> None:  # type: ignore[no-untyped-def]
    window: MainWindow = make_window(db_path)
    action = window.action_by_name["forget_missing"]
    file_menu = window.menuBar().actions()[0].menu()
    assert action in file_menu.actions() and action.text().endswith("…")  # it asks first
