"""A library classified by an older version of the default bundle, opened by the app: the
sidebar's "to classify" is exactly what Ctrl+K then runs, old genres show (muted, "Older
model") until replaced, and changing the bundle in Settings moves the counts with it.
Real scanner, real default model, real SQLite file and workers, widgets offscreen."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

import classifier.bundle as bundle_module
import gui.main_window as main_window_module
from gui import warmup
from gui.dialogs.settings_dialog import SettingsDialog
from gui.item_models.track_table import GUESSED_COLOR, OLDER_MODEL, Column, status_text
from gui.main_window import MainWindow
from gui.settings import AppSettings
from gui.workers import Outcome
from library.categories import Category
from library.db import create_db_engine, session_factory
from library.models import Prediction, Track
from library.predictions import stat_on_disk, tracks_needing_prediction
from tests.gui.conftest import wait_idle
from tests.tagging_support import scan_into

SLOW_JOB_MS = 300_000


def _version(name: str) -> str:
    return str(bundle_module.read_spec(bundle_module.find_bundle(name))["version"])


def _classified_by_old_broad(sessions: sessionmaker[Session]) -> int:
    """Every readable track predicted "Rock" by broad 1.0.0; returns how many."""
    with sessions() as session:
        tracks = session.scalars(select(Track).where(Track.status == "ok")).all()
        session.add_all(Prediction(
            track_id=t.id, bundle="broad", bundle_version="1.0.0", probabilities={"Rock": 0.9},
            top_genres=["Rock"], confidence=0.9, uncertain=False, clip_probabilities=[],
            track_size=t.size, track_mtime_ns=t.mtime_ns) for t in tracks)
        session.commit()
        return len(tracks)


def _to_classify(window: MainWindow) -> int:
    """What the sidebar's "Not yet classified" says."""
    return window.sidebar_model.entries()[(Category.UNCLASSIFIED, None)]


def _classify_would_run(sessions: sessionmaker[Session], bundle: str) -> int:
    with sessions() as session:
        return len(tracks_needing_prediction(session, bundle, _version(bundle),
                                             current_stat=stat_on_disk))


def test_older_model_predictions_are_to_classify_and_classify_runs_them(  # type: ignore[no-untyped-def]
    qtbot: QtBot, make_window, db_path: Path, music: Path, quick_classify: AppSettings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert _version("broad") != "1.0.0"  # the shipped default moved on
    sessions = session_factory(create_db_engine(db_path))
    scan_into(sessions, music)
    readable = _classified_by_old_broad(sessions)
    window = make_window(db_path)
    n = _to_classify(window)
    assert n == readable == _classify_would_run(sessions, "broad")
    old = [r for r in window.table.rows() if r.status == "ok"]
    assert all(r.outdated and r.genres == ("Rock",) for r in old)  # still shown ...
    assert {status_text(r) for r in old} == {OLDER_MODEL}  # ... but marked
    at = window.table.row_of(old[0].id)
    assert window.table.cell(at, Column.PREDICTED, Qt.ItemDataRole.ForegroundRole) == GUESSED_COLOR
    tip = window.table.cell(at, Column.STATUS, Qt.ItemDataRole.ToolTipRole)
    assert "broad 1.0.0" in tip
    window.details.show_row(old[0])
    assert "broad 1.0.0" in window.details.fields["Status"].text()  # which model, not only "older"

    finished: list[Outcome] = []
    window.runner.job_finished.connect(finished.append)
    window.classify()
    wait_idle(qtbot, window, timeout=SLOW_JOB_MS)
    assert [(o.name, o.done, o.error) for o in finished if o.name != "review-count"] == [
        ("classify", n, None)]
    assert _to_classify(window) == 0 == _classify_would_run(sessions, "broad")
    assert not any(r.outdated for r in window.table.rows())

    class ChooseGtzan(SettingsDialog):  # the user picks another bundle in Settings
        def exec(self) -> int:
            self.bundle.setCurrentIndex(self.bundle.findData("gtzan10"))
            return 1

    monkeypatch.setattr(main_window_module, "SettingsDialog", ChooseGtzan)
    window.edit_settings()
    wait_idle(qtbot, window)
    assert _to_classify(window) == readable == _classify_would_run(sessions, "gtzan10")
    assert all(r.outdated and r.predicted_by.startswith("broad ")
               for r in window.table.rows() if r.status == "ok")


def test_the_first_load_tells_older_models_rows_before_the_warm_up(  # type: ignore[no-untyped-def]
    qtbot: QtBot, make_window, db_path: Path, music: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At start-up the library loads while torch is still coming in (gui/warmup.py). Which
    model is current is read from bundle.json alone, so that first load already marks the old
    model's rows: nothing is read twice to correct them."""
    monkeypatch.setattr(warmup, "_expected", threading.Event())
    monkeypatch.setattr(warmup, "_ready", threading.Event())
    warmup.expect()  # announced, never started: jobs needing the model would wait
    assert not warmup.is_ready()
    sessions = session_factory(create_db_engine(db_path))
    scan_into(sessions, music)
    readable = _classified_by_old_broad(sessions)
    window = make_window(db_path)
    old = [r for r in window.table.rows() if r.status == "ok"]
    assert len(old) == readable == _to_classify(window)
    assert all(r.outdated and r.predicted_by == "broad 1.0.0" for r in old)
