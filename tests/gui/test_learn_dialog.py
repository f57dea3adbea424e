"""The Learn dialog runs learn on a worker thread of the runner it is given and shows its
report or refusal; from the main window, that is the window's own runner, and the learned
genres it stores show in the window's table."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from gui import jobs
from gui.actions import learn_dialog
from gui.workers import JobRunner
from library.db import create_db_engine, session_factory
from library.models import Track


@pytest.fixture
def runner(db_path: Path) -> Iterator[JobRunner]:
    jobs_ = JobRunner(db_path)
    yield jobs_
    jobs_.shutdown()


def three_jazz_tracks(db_path: Path) -> None:
    sessions = session_factory(create_db_engine(db_path))
    with sessions.begin() as session:
        for i in range(3):
            session.add(Track(path=f"/m/{i}.mp3", genres=["Jazz"]))


def test_learn_dialog_shows_the_refusal_from_the_worker(qtbot, db_path: Path,
                                                        runner: JobRunner) -> None:
    from gui.dialogs.learn_dialog import LearnDialog

    three_jazz_tracks(db_path)
    dialog = LearnDialog(runner)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.runner.job_finished, timeout=30000):
        dialog.learn_button.click()
        assert not dialog.learn_button.isEnabled()
    qtbot.waitUntil(lambda: dialog.learn_button.isEnabled())
    text = dialog.report.toPlainText()
    assert "Cannot learn" in text, text  # nothing classified: nothing stored to learn from
    assert "3 tracks with a genre but not classified yet" in text, text
    dialog.reject()  # closing waits for the worker's thread: it must not outlive the dialog
    assert dialog.runner.running() == []


def test_learn_from_the_window_runs_on_the_windows_runner(qtbot, make_window,
                                                          db_path: Path) -> None:
    three_jazz_tracks(db_path)
    window = make_window(db_path)
    dialog = learn_dialog(window)
    qtbot.addWidget(dialog)
    assert dialog.runner is window.runner
    started, ended = [], []
    window.runner.started.connect(lambda worker: started.append(worker.kind))
    window.runner.job_finished.connect(lambda outcome: ended.append(outcome.kind))
    dialog.learn_button.click()
    qtbot.waitUntil(lambda: jobs.LEARN in ended, timeout=30000)
    assert started[0] == jobs.LEARN and set(started[1:]) <= {jobs.REVIEW_COUNT}
    qtbot.waitUntil(lambda: "Cannot learn" in dialog.report.toPlainText())
    dialog.reject()
    # the Review count may still be read after a learn; the learn itself is over
    assert jobs.LEARN not in [w.kind for w in window.runner.running()]


def stored_library(db_path: Path, centres: bool, tagged: int = 12) -> None:
    """12 tracks with a stored embedding and a flat default prediction (Jazz or Hip-Hop, 50 %
    each), tagged "Jazz" / "hip hop" in turn: around one centre per genre (`centres`), or noise
    with coin-flip genres (nothing to learn). Tracks after `tagged` have no tag."""
    import numpy as np

    from tests.stored_tracks import add_classified

    rng = np.random.default_rng(3)
    middle = {g: rng.normal(0, 1, 200) for g in ("Jazz", "hip hop")}
    sessions = session_factory(create_db_engine(db_path))
    with sessions.begin() as session:
        for i in range(12):
            genre = "hip hop" if i % 2 else "Jazz"
            vector = (middle[genre] if centres else 0) + rng.normal(0, 0.3 if centres else 1, 200)
            add_classified(session, i + 1, vector, {"Jazz": 0.5, "Hip-Hop": 0.5},
                           path=f"/m/{i}.mp3", artist=f"Artist {i}",
                           genres=[genre] if i < tagged else [])


def run_learn(qtbot, dialog) -> str:
    with qtbot.waitSignal(dialog.runner.job_finished, timeout=60000):
        dialog.learn_button.click()
    qtbot.waitUntil(lambda: dialog.learn_button.isEnabled())
    return dialog.report.toPlainText()


def learned_count(db_path: Path) -> int:
    from sqlalchemy import func, select

    from library.models import Prediction

    with session_factory(create_db_engine(db_path))() as session:
        return session.scalar(select(func.count()).select_from(Prediction)
                              .where(Prediction.bundle == "learned")) or 0


def test_learn_dialog_refuses_a_guess_and_stores_it_only_when_ticked(
    qtbot, db_path: Path, runner: JobRunner
) -> None:
    from PySide6.QtWidgets import QCheckBox, QLabel

    from gui.dialogs.learn_dialog import LearnDialog

    stored_library(db_path, centres=False)
    dialog = LearnDialog(runner)
    qtbot.addWidget(dialog)
    words = [w.text() for w in dialog.findChildren(QLabel)] + [dialog.force.text()]
    assert not any("--" in w for w in words)
    assert "not shown to beat guessing" in dialog.force.text()
    assert "confidently wrong" in dialog.force.text()
    assert isinstance(dialog.force, QCheckBox) and not dialog.force.isChecked()
    text = run_learn(qtbot, dialog)
    assert "Nothing was stored" in text and "chance" in text, text
    assert "Hip-Hop" in text  # the app's spelling of "hip hop"
    assert "--" not in text.replace("–", "")  # GUI words, no command-line flags
    assert learned_count(db_path) == 0
    dialog.force.setChecked(True)
    text = run_learn(qtbot, dialog)
    assert "Stored:" in text and "not recommended" in text, text
    dialog.reject()


def test_learned_genres_show_in_the_window_when_they_beat_chance(
    qtbot, make_window, db_path: Path
) -> None:
    stored_library(db_path, centres=True, tagged=10)  # tracks 11 (Jazz) and 12: untagged
    window = make_window(db_path)
    qtbot.waitUntil(lambda: window.table.rowCount() == 12, timeout=30000)

    def shown(track_id: int):  # type: ignore[no-untyped-def]
        return window.table.row(window.table.row_of(track_id))

    assert shown(11).genres == ()  # the default is unsure
    dialog = learn_dialog(window)
    qtbot.addWidget(dialog)
    text = run_learn(qtbot, dialog)
    assert "Stored:" in text and "not recommended" not in text, text
    qtbot.waitUntil(lambda: shown(11).genres == ("Jazz",), timeout=10000)
    assert shown(12).genres == ("Hip-Hop",)
    assert shown(12).predicted_by.startswith("learned")
    dialog.reject()
