"""The Learn dialog runs learn on a worker thread of the runner it is given and shows its
report or refusal; from the main window, that is the window's own runner."""

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
    dialog.min_examples.setValue(3)
    with qtbot.waitSignal(dialog.runner.job_finished, timeout=30000):
        dialog.learn_button.click()
        assert not dialog.learn_button.isEnabled()
    qtbot.waitUntil(lambda: dialog.learn_button.isEnabled())
    text = dialog.report.toPlainText()
    assert "Cannot learn" in text and "Jazz (3)" in text
    dialog.reject()  # closing waits for the worker's thread: it must not outlive the dialog
    assert dialog.runner.running() == []


def test_learn_from_the_window_runs_on_the_windows_runner(qtbot, make_window,
                                                          db_path: Path) -> None:
    three_jazz_tracks(db_path)
    window = make_window(db_path)
    dialog = learn_dialog(window)
    qtbot.addWidget(dialog)
    assert dialog.runner is window.runner
    dialog.min_examples.setValue(3)
    started, ended = [], []
    window.runner.started.connect(lambda worker: started.append(worker.kind))
    window.runner.job_finished.connect(lambda outcome: ended.append(outcome.kind))
    dialog.learn_button.click()
    qtbot.waitUntil(lambda: jobs.LEARN in ended, timeout=30000)
    assert started == [jobs.LEARN]
    qtbot.waitUntil(lambda: "Cannot learn" in dialog.report.toPlainText())
    dialog.reject()
    assert window.runner.running() == []


def noise_library(db_path: Path) -> None:
    """12 tracks whose cached embeddings are noise and whose genres are coin flips: nothing
    to learn (the broad bundle's stored embeddings stand in for decoding)."""
    import numpy as np

    from library.models import Embedding

    rng = np.random.default_rng(3)
    sessions = session_factory(create_db_engine(db_path))
    with sessions.begin() as session:
        for i in range(12):
            session.add(Track(id=i + 1, path=f"/m/{i}.mp3", artist=f"Artist {i}",
                              genres=["hip hop" if i % 2 else "Jazz"]))
            session.flush()
            session.add(Embedding(track_id=i + 1, backbone="broad", dim=200,
                                  vector=rng.normal(0, 1, 200).astype("<f2").tobytes()))


def run_learn(qtbot, dialog) -> str:
    with qtbot.waitSignal(dialog.runner.job_finished, timeout=60000):
        dialog.learn_button.click()
    qtbot.waitUntil(lambda: dialog.learn_button.isEnabled())
    return dialog.report.toPlainText()


def test_learn_dialog_refuses_a_guess_and_saves_it_only_when_ticked(
    qtbot, db_path: Path, runner: JobRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtWidgets import QCheckBox, QLabel

    from gui.dialogs.learn_dialog import LearnDialog

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    saved = tmp_path / "data" / "GenreLens" / "bundles" / "my-genres"
    noise_library(db_path)
    dialog = LearnDialog(runner)
    qtbot.addWidget(dialog)
    words = [w.text() for w in dialog.findChildren(QLabel)] + [dialog.force.text()]
    assert "Minimum tracks per genre" in words and not any("--" in w for w in words)
    assert "not shown to beat guessing" in dialog.force.text()
    assert "confidently wrong" in dialog.force.text()
    assert isinstance(dialog.force, QCheckBox) and not dialog.force.isChecked()
    text = run_learn(qtbot, dialog)
    assert "Nothing was saved" in text and "chance" in text, text
    assert "Hip-Hop" in text  # the app's spelling of "hip hop"
    assert "--" not in text.replace("–", "")  # GUI words, no command-line flags
    assert not saved.exists()
    dialog.force.setChecked(True)
    text = run_learn(qtbot, dialog)
    assert "not recommended" in text and (saved / "bundle.json").is_file(), text
    dialog.reject()
