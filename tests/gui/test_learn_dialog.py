"""The Learn dialog runs learn on a worker thread and shows its report or refusal."""

from __future__ import annotations

from pathlib import Path

from library.db import create_db_engine, session_factory
from library.models import Track


def test_learn_dialog_shows_the_refusal_from_the_worker(qtbot, db_path: Path) -> None:
    from gui.dialogs.learn_dialog import LearnDialog

    sessions = session_factory(create_db_engine(db_path))
    with sessions.begin() as session:
        for i in range(3):
            session.add(Track(path=f"/m/{i}.mp3", genres=["Jazz"]))
    dialog = LearnDialog(db_path)
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
